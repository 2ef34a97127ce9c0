"""`datasette-heritage dev`: a real server process on loopback that rebuilds
on every save and shows the new data without a restart; the last good build
stays served while the data has problems, which show in the terminal and in
a banner; a second run neither fails with "address already in use" nor
serves the same data twice."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from .conftest import FIXTURE_DATA, free_port

pytestmark = pytest.mark.slow


class DevServer:
    """``datasette-heritage dev`` in a child process; its output collected."""

    def __init__(self, data: Path, cache: Path, *args: str):
        env = dict(os.environ, HERITAGE_CACHE_DIR=str(cache), PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "datasette_heritage.cli", "dev", str(data), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.url = ""

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in self.lines:
                if text in line:
                    return line
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not printed; output:\n{self.output}")

    def started(self) -> DevServer:
        line = self.wait_for(" at http://")
        self.url = line.split(" at ", 1)[1].split("/-/heritage")[0]
        return self

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.reader.join(5)
        return self.process.returncode


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, folder)
    return folder


@pytest.fixture
def servers(tmp_path):
    started: list[DevServer] = []

    def start(data: Path, *args: str) -> DevServer:
        server = DevServer(data, tmp_path / "cache", *args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def until(check, timeout: float = 30, server: DevServer | None = None) -> None:
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, "the page did not change in time" + (
            f"; the server said:\n{server.output}" if server else ""
        )
        time.sleep(0.2)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_save_shows_on_the_next_request_and_problems_keep_the_last_good_build(data, servers):
    server = servers(data, "--port", str(free_port())).started()
    page = "/-/heritage/sources/wire-report"
    assert "<h1>Militants retake Testopolis</h1>" in server.get(page).text

    edit(
        data / "sources" / "wire-report.yml", "title: Militants retake Testopolis", "title: Retaken"
    )
    until(lambda: "<h1>Retaken</h1>" in server.get(page).text)
    assert server.wait_for("Built in")

    # A mistake: the terminal says so, the last good build stays served,
    # and every page carries the problem in a banner (escaped).
    edit(data / "events" / "2015.yml", "kind: damage", "kind: <damag>")
    line = server.wait_for("unknown event kind")
    assert "events/2015.yml" in line
    until(lambda: "heritage-dev-banner" in server.get(page).text)
    shown = server.get(page).text
    assert "<h1>Retaken</h1>" in shown
    assert "unknown event kind &#x27;&lt;damag&gt;&#x27;" in shown
    assert "<damag>" not in shown
    assert "heritage-dev-banner" in server.get("/heritage/events").text  # Datasette's pages too
    assert server.get("/heritage/events.json").json()  # JSON untouched

    edit(data / "events" / "2015.yml", "kind: <damag>", "kind: damage")
    until(lambda: "heritage-dev-banner" not in server.get(page).text)
    assert server.stop() == 0
    assert "Stopped." in server.output


def test_a_second_dev_of_the_same_data_says_where_the_first_is(data, servers):
    first = servers(data, "--port", str(free_port())).started()
    second = servers(data, "--port", str(free_port()))
    assert second.process.wait(60) == 1
    second.reader.join(5)
    assert f"already served by `datasette-heritage dev` ({first.url}" in second.output
    assert "Traceback" not in second.output


def test_a_busy_port_is_not_an_error(data, tmp_path, servers):
    # Whatever holds port 8001 (this test, or another server on the
    # machine), dev starts on a free one and says so.
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8001))
        holder.listen(1)
    except OSError:
        pass  # already taken by something else: the same situation
    try:
        server = servers(data).started()
        assert server.url != "http://127.0.0.1:8001"
        assert "port 8001 is in use by another program" in server.output
        assert server.get("/-/heritage").status_code == 200

        # A port asked for by name and taken: one clear line.
        other = tmp_path / "other"
        shutil.copytree(FIXTURE_DATA, other)
        asked = servers(other, "--port", "8001")
        assert asked.process.wait(60) == 1
        asked.reader.join(5)
        assert "port 8001 is in use by another program" in asked.output
        assert "Traceback" not in asked.output
    finally:
        holder.close()


def test_data_broken_from_the_start(data, servers):
    edit(data / "events" / "2016.yml", "site_id: testopolis", "site_id: nowhere")
    server = servers(data, "--port", str(free_port())).started()
    server.wait_for("unknown site 'nowhere'")
    shown = server.get("/").text
    assert "no build has succeeded yet" in shown
    edit(data / "events" / "2016.yml", "site_id: nowhere", "site_id: testopolis")
    until(lambda: server.get("/-/heritage").status_code == 200)
    assert "heritage-dev-banner" not in server.get("/-/heritage").text
