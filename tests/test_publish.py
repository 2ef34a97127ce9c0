"""The README's ``datasette publish cloudrun`` command, with the plugin
installed from its wheel: the image it would build serves the plugin's pages.

gcloud is not available here, so a stand-in ``gcloud`` on PATH answers the
calls Datasette makes and keeps the folder that ``gcloud builds submit``
would upload; that folder's Dockerfile (written by Datasette) is then carried
out by tests/dockerfile.py and its server checked. Cloud Build, Artifact
Registry and Cloud Run themselves are not exercised.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from datasette_heritage.build.pipeline import build
from datasette_heritage.site.serving import serve_options

from . import dockerfile
from .conftest import METADATA, REAL_DATA, free_port, wait_until_serving

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


def test_publish_cloudrun_command_builds_an_image_with_the_plugin(tmp_path, wheel):
    work = tmp_path / "work"
    work.mkdir()
    build(REAL_DATA, work / "heritage.db")
    shutil.copy(METADATA, work / "metadata.yml")
    (work / "dist").mkdir()
    shutil.copy(wheel, work / "dist")
    wheel = wheel.name

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gcloud = bin_dir / "gcloud"
    gcloud.write_text(FAKE_GCLOUD)
    gcloud.chmod(gcloud.stat().st_mode | stat.S_IEXEC)
    context = tmp_path / "context"
    env = dict(
        os.environ,
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        GCLOUD_LOG=str(tmp_path / "gcloud.log"),
        GCLOUD_CONTEXT=str(context),
    )

    # The command as the README gives it.
    command = [
        "datasette",
        "publish",
        "cloudrun",
        "heritage.db",
        "-m",
        "metadata.yml",
        "--service",
        "heritage",
        "--static",
        "wheels:dist",
        "--install",
        f"wheels/{wheel}",
        "--extra-options",
        " ".join(serve_options()),
        "--max-instances",
        "10",
    ]
    result = subprocess.run(
        [str(Path(sys.executable).parent / command[0]), *command[1:]],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = (tmp_path / "gcloud.log").read_text().splitlines()
    deploy = next(c for c in calls if c.startswith("run deploy"))
    assert "--max-instances 10" in deploy

    (tmp_path / "image").mkdir()
    image = dockerfile.build(context / "Dockerfile", context, tmp_path / "image")
    port = free_port()
    log = tmp_path / "server.log"
    process = dockerfile.start(image, port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, url, log)
        databases = httpx.get(url + "/-/databases.json").json()
        assert [(d["name"], d["is_mutable"]) for d in databases] == [("heritage", False)]
        settings = httpx.get(url + "/-/settings.json").json()
        assert settings["suggest_facets"] is False
        page = httpx.get(url + "/-/heritage/monuments/temple-of-bel")
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert httpx.get(url + "/heritage/events").headers["cache-control"].startswith("public")
    finally:
        # Datasette's CMD is shell form: the shell does not pass SIGTERM on,
        # so the server is stopped with its process group, as docker stop does.
        dockerfile.stop(process)
