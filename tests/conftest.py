"""Shared fixtures: built databases, a Datasette instance, a live server and
a real Chromium.

Browser tests skip on a machine without Chromium, but never in CI (CI=true):
there a missing browser is a failure, so a green run means they ran.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from datasette.app import Datasette

from datasette_heritage.build.pipeline import build
from datasette_heritage.site.serving import serve_args

from .datasette_client import datasette_for, write_hostile_data

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DATA = ROOT / "tests" / "fixtures" / "data"
REAL_DATA = ROOT / "data"
METADATA = ROOT / "metadata.yml"


def pytest_report_header(config) -> list[str]:
    import sqlite3

    import datasette.version
    import yaml

    libyaml = yaml._yaml.get_version_string() if yaml.__with_libyaml__ else "not used"
    return [
        f"versions: Python {sys.version.split()[0]}, Datasette {datasette.version.__version__}, "
        f"SQLite {sqlite3.sqlite_version}, PyYAML {yaml.__version__}, libyaml {libyaml}"
    ]


def pytest_configure(config):
    # Hypothesis keeps its example database in ./.hypothesis by default; keep
    # it in .venv/ so the suite leaves the checkout as it found it.
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(str(ROOT / ".venv" / "hypothesis"))


def pytest_collection_modifyitems(config, items):
    # A test that drives Chromium is a browser test and a slow one, whether
    # its module says so or not.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def build_cache(tmp_path_factory):
    """CLI builds record a manifest for the next incremental build
    (datasette_heritage/build/manifest.py): in tests, not in the user's cache."""
    from datasette_heritage.build.manifest import CACHE_ENV

    patch = pytest.MonkeyPatch()
    patch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("build-cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory) -> Path:
    """The small test dataset under tests/fixtures/data, built."""
    path = tmp_path_factory.mktemp("fixture") / "fixture.db"
    build(FIXTURE_DATA, path)
    return path


@pytest.fixture(scope="session")
def synth_corpus(tmp_path_factory):
    """``synth_corpus(citations, seed)``: a synthetic corpus, generated once a session."""
    from datasette_heritage.synth import synthesize

    made: dict[tuple[int, int], Path] = {}

    def corpus(citations: int, seed: int) -> Path:
        if (citations, seed) not in made:
            path = tmp_path_factory.mktemp("synth") / "data"
            synthesize(path, citations, seed=seed)
            made[citations, seed] = path
        return made[citations, seed]

    return corpus


@pytest.fixture
def synth_copy(synth_corpus, tmp_path, monkeypatch):
    """``synth_copy(citations, seed)``: a copy of that corpus to edit, as
    tmp_path/data, with incremental builds' manifests kept in tmp_path."""
    from datasette_heritage.build.manifest import CACHE_ENV

    def copy(citations: int, seed: int) -> Path:
        monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
        path = tmp_path / "data"
        shutil.copytree(synth_corpus(citations, seed), path)
        return path

    return copy


def rewrite_records(path: Path, change) -> None:
    """Edit a YAML file of records: ``change`` gets the list and alters it."""
    from datasette_heritage.build.safe_yaml import read_yaml_file
    from datasette_heritage.synth import record_yaml

    records = read_yaml_file(str(path), str(path))[0]
    change(records)
    path.write_text("".join(record_yaml(r) for r in records), encoding="utf-8")


@pytest.fixture(scope="session")
def real_db(tmp_path_factory) -> Path:
    """The real dataset under data/, built."""
    path = tmp_path_factory.mktemp("real") / "heritage.db"
    build(REAL_DATA, path)
    return path


def chromium_executable() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = chromium_executable()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run must install it")
        pytest.skip("Chromium is not installed (apt-get install chromium); browser test skipped")
    return path


CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Module scope, not session: while Playwright's sync API is open, its event
# loop counts as running in the main thread, and pytest-asyncio refuses to run
# the async tests of any later module ("Runner.run() cannot be called from a
# running event loop"). Closing it after each module of browser tests keeps
# the rest of the suite runnable in any order.
@pytest.fixture(scope="module")
def browser(chromium_path):
    """A Playwright Chromium browser (Debian's binary, never a download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def local_page(browser, base_url: str, **context_options):
    """(context, page): a page of a new browser context that may load only
    what ``base_url`` serves (anything else is refused, so no test needs the
    network), with the page's JavaScript errors collected in ``page.errors``.
    Close the context when done."""
    import re

    context = browser.new_context(**context_options)
    page = context.new_page()
    page.route(
        re.compile(r".*"),
        lambda route: (
            route.continue_() if route.request.url.startswith(base_url) else route.abort()
        ),
    )
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """Serve db_path as the README does (immutable with an inspect file,
    metadata.yml, the public-site settings of datasette_heritage.site.serving);
    returns (process, URL). ``extra`` options come last and win."""
    port = free_port()
    inspect_file = db_path.with_name(db_path.name + ".inspect.json")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "datasette",
            "inspect",
            str(db_path),
            "--inspect-file",
            str(inspect_file),
        ],
        check=True,
    )
    metadata = METADATA if METADATA.exists() else None
    args = [
        sys.executable,
        "-m",
        "datasette",
        *serve_args(
            db_path,
            inspect_file,
            metadata,
            port=port,
            config_dir=db_path.with_name(db_path.name + ".config"),
        ),
        *extra,
    ]
    # The server logs every request: a file, not a pipe nobody reads, so a
    # long session cannot fill the pipe and stall the server.
    log_path = db_path.with_name(f"{db_path.name}.{port}.server.log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(process, url, log_path)
    return process, url


def wait_until_serving(
    process: subprocess.Popen, url: str, log_path: Path, timeout: float = 30
) -> None:
    """Wait for a server started in the background to answer; on failure,
    stop it and raise with its output."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            output = log_path.read_text(errors="replace")
            raise RuntimeError(f"server exited early:\n{output}")
        try:
            if httpx.get(url + "/-/versions.json", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(
        f"server did not start in {timeout:.0f} s:\n" + log_path.read_text(errors="replace")
    )


def served(db_path: Path):
    """A real Datasette server on loopback serving db_path, for a fixture."""
    process, url = start_server(db_path)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)


def start_readme_server(work: Path, venv: Path | None = None) -> tuple[subprocess.Popen, str]:
    """``bash scripts/serve.sh``, the README's serve command, building data/
    into work/heritage.db (its inspect file and configuration beside it),
    with the Datasette of ``venv``: by default the one running the tests.
    Stop it with stop_readme_server."""
    port = free_port()
    log_path = work / "serve.log"
    env = dict(
        os.environ,
        PORT=str(port),
        HERITAGE_DB=str(work / "heritage.db"),
        HERITAGE_VENV=str(venv or sys.prefix),
    )
    # Each virtualenv keeps the constraints it was made with (scripts/setup.sh).
    env.pop("HERITAGE_CONSTRAINTS", None)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["bash", "scripts/serve.sh"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, url, log_path, timeout=180)
    except BaseException:
        stop_readme_server(process)
        raise
    return process, url


def stop_readme_server(process: subprocess.Popen) -> None:
    # serve.sh execs the server, but stop its whole group in case it has not yet.
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    process.wait(10)


def databases_json(data: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """/-/databases.json's list: Datasette 1.0 wraps it as ``{"ok": ..., "databases": [...]}``."""
    return data["databases"] if isinstance(data, dict) else data


@pytest.fixture(scope="session")
def real_server(real_db):
    """A real Datasette server on loopback serving the real dataset."""
    yield from served(real_db)


@pytest.fixture(scope="session")
def fixture_server(fixture_db):
    """The fixture dataset served the same way (it has a made-up Arabic source)."""
    yield from served(fixture_db)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    """Where browser tests save screenshots for people to look at:
    $HERITAGE_TEST_ARTIFACTS if set (CI keeps them), else a temporary folder,
    so the suite never writes into the checkout."""
    chosen = os.environ.get("HERITAGE_TEST_ARTIFACTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def tracked_copy(destination: Path) -> Path:
    """A copy of the files git tracks (and uncommitted edits to them), so that
    building a wheel or an image writes its build/ and egg-info there, not
    into the checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The package built as a wheel from a copy of the checkout."""
    work = tmp_path_factory.mktemp("wheel")
    source = tracked_copy(work / "source")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(work / "dist"),
            str(source),
        ],
        check=True,
        cwd=work,
    )
    return next((work / "dist").glob("datasette_heritage-*.whl"))


# Datasette instances through its test client (tests/datasette_client.py).
@pytest.fixture(scope="session")
def hostile_db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    path = root / "heritage.db"
    build(write_hostile_data(root / "data"), path)
    return path


@pytest.fixture(scope="session")
def fixture_site(fixture_db) -> Datasette:
    return datasette_for(fixture_db)


@pytest.fixture(scope="session")
def real_site(real_db) -> Datasette:
    return datasette_for(real_db)
