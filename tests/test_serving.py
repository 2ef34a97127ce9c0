"""The README's run command, ``bash scripts/serve.sh``, serves the site fit for
the public: the database immutable with its inspect file, metadata.yml, no
suggested facets, Datasette's SQL time limit, a cache TTL, no extensions.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from datasette.app import DEFAULT_SETTINGS

from datasette_heritage.site.serving import SETTINGS, serve_args, serve_options

from .conftest import METADATA, ROOT, free_port, wait_until_serving

# Slow: real servers, subprocesses or whole builds; the fast lane (-m "not slow") skips it.
pytestmark = pytest.mark.slow


def test_serve_options_are_the_settings():
    assert serve_options() == [
        w for name, value in SETTINGS.items() for w in ("--setting", name, value)
    ]
    # The shell splits $(datasette-heritage serve-options) on spaces.
    assert not any(" " in word for word in serve_options())
    args = serve_args("h.db", "h.inspect.json", "metadata.yml", port=9)
    assert args[:5] == ["serve", "-i", "h.db", "--inspect-file", "h.inspect.json"]
    assert "--load-extension" not in args


def test_serve_options_command_prints_them():
    command = Path(sys.executable).parent / "datasette-heritage"
    result = subprocess.run(
        [str(command), "serve-options"], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == serve_options()


@pytest.fixture(scope="module")
def readme_server(tmp_path_factory):
    port = free_port()
    work = tmp_path_factory.mktemp("serve")
    log_path = work / "serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["bash", "scripts/serve.sh"],
            cwd=ROOT,
            env=dict(os.environ, PORT=str(port), HERITAGE_DB=str(work / "heritage.db")),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, url, log_path, timeout=180)
        yield process, url, work
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)


def test_readme_command_serves_the_database_immutable(readme_server):
    process, url, work = readme_server
    command = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
    assert b"--load-extension" not in command
    databases = httpx.get(url + "/-/databases.json").json()
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("heritage", False)]
    # Served with the inspect file serve.sh wrote for this very file.
    inspect = json.loads((work / "heritage.inspect.json").read_text())
    assert databases[0]["hash"] == inspect["heritage"]["hash"]
    assert httpx.get(url + "/-/heritage").status_code == 200


def test_readme_command_uses_the_public_site_settings(readme_server):
    _, url, _ = readme_server
    settings = httpx.get(url + "/-/settings.json").json()
    assert settings["suggest_facets"] is False
    assert settings["default_cache_ttl"] == int(SETTINGS["default_cache_ttl"])
    for kept in ("sql_time_limit_ms", "facet_time_limit_ms", "max_returned_rows"):
        assert settings[kept] == DEFAULT_SETTINGS[kept], kept
    assert settings["sql_time_limit_ms"] == 1000
    table = httpx.get(url + "/heritage/events.json", params={"_extra": "suggested_facets"})
    assert table.json()["suggested_facets"] == []
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    assert httpx.get(url + "/-/metadata.json").json()["title"] == metadata["title"]
    assert (
        httpx.get(url + "/heritage/events").headers["cache-control"]
        == f"public, max-age={SETTINGS['default_cache_ttl']}"
    )
