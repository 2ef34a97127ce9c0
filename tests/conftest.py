"""Shared fixtures: built databases, a Datasette instance, a live server and
a real Chromium.

Browser tests skip on a machine without Chromium, but never in CI (CI=true):
there a missing browser is a failure, so a green run means they ran.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from datasette_heritage.build import build

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DATA = ROOT / "tests" / "fixtures" / "data"
REAL_DATA = ROOT / "data"
METADATA = ROOT / "metadata.yml"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory) -> Path:
    """The small test dataset under tests/fixtures/data, built."""
    path = tmp_path_factory.mktemp("fixture") / "fixture.db"
    build(FIXTURE_DATA, path)
    return path


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
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser(chromium_path):
    """A Playwright Chromium browser (Debian's binary, never a download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path,
                                              args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """Serve db_path as the README does (immutable, metadata.yml); returns (process, URL)."""
    port = free_port()
    args = [sys.executable, "-m", "datasette", "serve", "-i", str(db_path),
            "-p", str(port), "-h", "127.0.0.1", *extra]
    if METADATA.exists():
        args += ["-m", str(METADATA)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace")
            raise RuntimeError(f"datasette exited early:\n{output}")
        try:
            if httpx.get(url + "/-/versions.json", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("datasette did not start in 30 s")


@pytest.fixture(scope="session")
def real_server(real_db):
    """A real Datasette server on loopback serving the real dataset."""
    process, url = start_server(real_db)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where browser tests save screenshots for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
