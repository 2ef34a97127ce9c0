"""The README's ``datasette publish cloudrun`` command, with the plugin
installed from its wheel: the image it would build serves the plugin's pages.

gcloud is not available here, so a stand-in ``gcloud`` on PATH answers the
calls Datasette makes and keeps the folder that ``gcloud builds submit``
would upload; that folder's Dockerfile (written by Datasette) is then carried
out by tests/dockerfile.py and its server checked. Cloud Build, Artifact
Registry and Cloud Run themselves are not exercised.
"""

from __future__ import annotations

import html
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from datasette.version import __version__ as datasette_version

from datasette_heritage.build.pipeline import build

from . import dockerfile
from .conftest import METADATA, REAL_DATA, ROOT, databases_json, free_port, wait_until_serving
from .datasette_client import links

# Slow: real servers, subprocesses or whole builds; the fast lane (-m "not slow") skips it.
pytestmark = pytest.mark.slow

FAKE_GCLOUD = """#!/bin/sh
echo "$*" >> "$GCLOUD_LOG"
case "$*" in
  "config get-value project") echo test-project ;;
  "builds submit"*) cp -RL . "$GCLOUD_CONTEXT" ;;
esac
exit 0
"""


# The README's command, word for word (checked below), run by bash.
PUBLISH = """datasette publish cloudrun heritage.db --service heritage \\
  --static wheels:dist --static heritage.config:heritage.config \\
  --install wheels/datasette_heritage-0.1.0-py3-none-any.whl \\
  --install "datasette==$(datasette --version | cut -d' ' -f3)" \\
  --extra-options "$(datasette-heritage serve-options -m metadata.yml --config-dir heritage.config)" \\
  --max-instances 10"""


def test_the_readme_gives_the_publish_command():
    assert PUBLISH in (ROOT / "README.md").read_text(encoding="utf-8")


def test_publish_cloudrun_command_builds_an_image_with_the_plugin(tmp_path, wheel):
    work = tmp_path / "work"
    work.mkdir()
    build(REAL_DATA, work / "heritage.db")
    shutil.copy(METADATA, work / "metadata.yml")
    (work / "dist").mkdir()
    shutil.copy(wheel, work / "dist")
    assert f"wheels/{wheel.name}" in PUBLISH

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gcloud = bin_dir / "gcloud"
    gcloud.write_text(FAKE_GCLOUD)
    gcloud.chmod(gcloud.stat().st_mode | stat.S_IEXEC)
    context = tmp_path / "context"
    env = dict(
        os.environ,
        # This environment's datasette and datasette-heritage, and the stand-in gcloud.
        PATH=f"{bin_dir}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        GCLOUD_LOG=str(tmp_path / "gcloud.log"),
        GCLOUD_CONTEXT=str(context),
    )
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + PUBLISH],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = (tmp_path / "gcloud.log").read_text().splitlines()
    deploy = next(c for c in calls if c.startswith("run deploy"))
    assert "--max-instances 10" in deploy
    # The image installs the Datasette the options were written for.
    dockerfile_text = (context / "Dockerfile").read_text()
    assert f"datasette=={datasette_version}" in dockerfile_text

    (tmp_path / "image").mkdir()
    image = dockerfile.build(context / "Dockerfile", context, tmp_path / "image")
    port = free_port()
    log = tmp_path / "server.log"
    process = dockerfile.start(image, port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, url, log)
        databases = databases_json(httpx.get(url + "/-/databases.json").json())
        assert [(d["name"], d["is_mutable"]) for d in databases] == [("heritage", False)]
        settings = httpx.get(url + "/-/settings.json").json()
        assert settings["suggest_facets"] is False
        assert settings.get("allow_signed_tokens", False) is False
        page = httpx.get(url + "/-/heritage/monuments/temple-of-bel")
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert httpx.get(url + "/heritage/events").headers["cache-control"].startswith("public")
        # The metadata and configuration: title, licence line, saved queries.
        metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
        assert metadata["title"] in html.unescape(httpx.get(url + "/").text)
        licence = (metadata["license_url"], metadata["license"])
        assert licence in links(httpx.get(url + "/heritage/monuments").text)
        for name in metadata["databases"]["heritage"]["queries"]:
            assert httpx.get(url + f"/heritage/{name}.json").status_code == 200, name
    finally:
        # Datasette's CMD is shell form: the shell does not pass SIGTERM on,
        # so the server is stopped with its process group, as docker stop does.
        dockerfile.stop(process)
