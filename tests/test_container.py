"""The container recipe: the Dockerfile's own steps, carried out without a
container engine (tests/dockerfile.py says what that does and does not
cover), build an image whose database is baked in from data/ and whose
command serves it immutable, with its inspect file, metadata and the
public-site settings, on $PORT.
"""

from __future__ import annotations

import html
import json
import shlex
import signal
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from datasette_heritage.site.serving import SETTINGS, write_config

from . import dockerfile
from .conftest import METADATA, databases_json, free_port, tracked_copy, wait_until_serving

# Slow: real servers, subprocesses or whole builds; the fast lane (-m "not slow") skips it.
pytestmark = pytest.mark.slow


def served(container: dockerfile.Container) -> dict[str, str]:
    """The files the image's command serves, read from the command itself."""
    words = container.cmd
    if words[:2] == ["sh", "-c"]:
        words = shlex.split(words[2])
    return {
        "db": words[words.index("-i") + 1],
        "inspect": words[words.index("--inspect-file") + 1],
        # In $(datasette-heritage serve-options -m ... --config-dir ...).
        "metadata": words[words.index("-m") + 1],
        "config_dir": words[words.index("--config-dir") + 1].rstrip(")"),
    }


def config_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def counts(db_path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "select name from sqlite_master where type = 'table' and name not like '%_fts%'"
            )
        ]
        return {t: conn.execute(f"select count(*) from [{t}]").fetchone()[0] for t in tables}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def container(tmp_path_factory) -> dockerfile.Container:
    # The build context is a copy of the checkout, as `docker build` sends one.
    context = tracked_copy(tmp_path_factory.mktemp("context"))
    return dockerfile.build(context / "Dockerfile", context, tmp_path_factory.mktemp("image"))


def test_image_has_the_database_built_from_data(container, real_db, tmp_path):
    assert container.base_image.startswith("python:3.11")
    files = served(container)
    db = container.host_path(files["db"])
    assert counts(db) == counts(real_db)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    conn.close()
    inspect = json.loads(container.host_path(files["inspect"]).read_text())
    name = Path(files["db"]).stem
    assert inspect[name]["tables"]["citations"]["count"] == counts(real_db)["citations"]
    assert container.host_path(files["metadata"]).read_bytes() == METADATA.read_bytes()
    # What the server reads, written at image build time from metadata.yml
    # as the installed Datasette reads it (for 1.0, with datasette.yml).
    expected = tmp_path / "expected"
    write_config(METADATA, expected)
    assert config_files(container.host_path(files["config_dir"])) == config_files(expected)
    # The package was installed into the image's Python, not run from the copy.
    where = subprocess.run(
        [
            str(container.venv / "bin" / "python"),
            "-c",
            "import datasette_heritage; print(datasette_heritage.__file__)",
        ],
        cwd=container.root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(container.venv)), where.stdout


def test_image_runs_unprivileged_and_never_loads_extensions(container):
    assert container.user == "nobody"
    assert dockerfile.unreadable_files(container.root) == []
    assert "--load-extension" not in " ".join(container.cmd)


def test_image_command_serves_the_site_on_port(container, tmp_path):
    port = free_port()
    log = tmp_path / "container.log"
    written = max(
        p.stat().st_mtime_ns for p in container.host_path(served(container)["config_dir"]).iterdir()
    )
    process = dockerfile.start(container, port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, url, log)
        files = served(container)
        config_dir = container.host_path(files["config_dir"])
        # The server (unprivileged in a real container) rewrote nothing.
        assert all(p.stat().st_mtime_ns <= written for p in config_dir.iterdir())
        command = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode().split("\0")
        metadata_file = command[command.index("-m") + 1]
        assert container.host_path(metadata_file).parent == config_dir
        databases = databases_json(httpx.get(url + "/-/databases.json").json())
        inspect = json.loads(container.host_path(files["inspect"]).read_text())
        name = Path(files["db"]).stem
        assert [(d["name"], d["is_mutable"], d["hash"]) for d in databases] == [
            (name, False, inspect[name]["hash"])
        ]
        settings = httpx.get(url + "/-/settings.json").json()
        assert settings["suggest_facets"] is False
        assert settings["default_cache_ttl"] == int(SETTINGS["default_cache_ttl"])
        assert settings["sql_time_limit_ms"] == 1000
        assert settings.get("allow_signed_tokens", False) is False
        title = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["title"]
        assert title in html.unescape(httpx.get(url + "/").text)
        assert httpx.get(url + "/heritage/destroyed_monuments.json").status_code == 200
        # The plugin's pages, templates and static files came with the install.
        page = httpx.get(url + "/-/heritage/monuments/temple-of-bel")
        assert page.status_code == 200
        assert "Temple of Bel" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        for asset in ("heritage.css", "heritage-map.js"):
            static = httpx.get(url + f"/-/static-plugins/datasette-heritage/{asset}")
            assert static.status_code == 200, asset
        # docker stop sends SIGTERM to the command (exec'd, so the server gets
        # it itself), which shuts down gracefully; uvicorn then exits by the
        # same signal, as docker expects.
        assert dockerfile.stop(process) in (0, -signal.SIGTERM)
        assert "Finished server process" in log.read_text()
    finally:
        dockerfile.stop(process)  # whatever is left of it, if the test failed
