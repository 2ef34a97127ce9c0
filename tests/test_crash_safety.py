"""Crash safety: a build killed with SIGKILL at any point leaves the previous
database byte-identical and openable, and the next build succeeds and
removes what the killed builds left behind.

The build under test is the real command (``python -m
datasette_heritage.cli build``) on a synthetic corpus big enough to take a
couple of seconds, in two situations: a build over a database of other
records (a full build), and a rebuild after one record was edited (which
reads only what changed, where the build can). Each is killed at KILL_POINTS
random moments, stratified over its measured run time (half over the whole
run, half over the part spent writing the new file), so every phase
(loading, inserting or copying, indexes and checks, the final fsync and
rename) is hit. A third situation: a rebuild that brings the spare (the
file the build before replaced, build/spare.py) up to date instead of
copying; a killed one must leave the database as it was and the spare, if
it is still there, a whole database the next build can trust.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from datasette_heritage.build.atomic_write import TEMP_SUFFIX
from datasette_heritage.build.spare import spare_path
from datasette_heritage.synth import synthesize

from .conftest import FIXTURE_DATA

# Slow: real servers, subprocesses or whole builds; the fast lane (-m "not slow") skips it.
pytestmark = pytest.mark.slow

KILL_POINTS = 30
# Kills that must land before the swap, and of those while the new file was
# being written, or the test tests nothing.
MIN_MID_BUILD = 20
MIN_MID_WRITE = 8
MAX_ATTEMPTS = 90
CITATIONS = 5_000
EDITED_TITLE = "Edited while builds were being killed"


def open_and_check(path: Path) -> int:
    """Open the database read-only, check it, and return its citation count."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        return conn.execute("select count(*) from citations").fetchone()[0]
    finally:
        conn.close()


def has_edit(path: Path) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return (
            conn.execute("select count(*) from events where title = ?", [EDITED_TITLE]).fetchone()[
                0
            ]
            == 1
        )
    finally:
        conn.close()


class Site:
    """A folder with the database, and the build's cache kept beside it so
    each killed build starts from the same state."""

    def __init__(self, root: Path):
        self.folder = root / "site"
        self.folder.mkdir()
        self.target = self.folder / "heritage.db"
        self.spare = spare_path(self.target)
        self.cache = root / "cache"
        self.env = dict(os.environ, HERITAGE_CACHE_DIR=str(self.cache))
        self.saved: dict = {}

    def build(self, data: Path, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(data), env=self.env, capture_output=True, text=True, check=check
        )

    def command(self, data: Path) -> list:
        return [
            sys.executable,
            "-m",
            "datasette_heritage.cli",
            "build",
            str(data),
            str(self.target),
        ]

    def save(self) -> None:
        self.saved = {
            "db": self.target.read_bytes(),
            "spare": self.spare.read_bytes() if self.spare.exists() else None,
            "cache": {p: p.read_bytes() for p in self.cache.rglob("*") if p.is_file()},
        }

    def restore(self) -> None:
        # New files: after a kill the two names may be one file.
        for path, content in ((self.target, self.saved["db"]), (self.spare, self.saved["spare"])):
            path.unlink(missing_ok=True)
            if content is not None:
                path.write_bytes(content)
        shutil.rmtree(self.cache, ignore_errors=True)
        for path, data in self.saved["cache"].items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def unchanged(self) -> bool:
        return self.target.read_bytes() == self.saved["db"]

    def spare_is_a_whole_database(self) -> bool:
        """The spare is never written under its name: if there is one, it
        is the spare or the database from before the build, byte for byte."""
        if not self.spare.exists():
            return True
        return self.spare.read_bytes() in (self.saved["spare"], self.saved["db"])

    def temp_files(self) -> list:
        names = [p.name for p in self.folder.iterdir() if p not in (self.target, self.spare)]
        for name in names:
            assert name.startswith(f".{self.target.name}.") and TEMP_SUFFIX in name, name
        return names


def startup_seconds() -> float:
    """How long Python takes to start the command at all."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "datasette_heritage.cli", "--help"], check=True, capture_output=True
    )
    return time.perf_counter() - started


def timed_build(site: Site, data: Path) -> tuple[float, float]:
    """Run a whole build; return when its temporary file appeared and when
    it finished, in seconds from its start."""
    started = time.perf_counter()
    process = subprocess.Popen(
        site.command(data), env=site.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    writing = None
    while process.poll() is None:
        if writing is None and site.temp_files():
            writing = time.perf_counter() - started
        time.sleep(0.002)
    finished = time.perf_counter() - started
    assert process.returncode == 0, process.stderr.read()
    return (writing if writing is not None else finished), finished


def kill_at_random_points(site: Site, data: Path, is_new: Callable[[Path], bool]) -> None:
    """Kill builds of ``data`` into the site at random points; after each,
    the database must be the saved one, unchanged and whole, or (killed
    after the swap) the new one, whole.

    Half the kills fall anywhere in the run; the other half wait for the
    build's temporary file and fall while it is being written, checked and
    renamed, which can be a small part of the run.
    """
    site.save()
    previous_citations = open_and_check(site.target)
    timings = []
    for _ in range(2):  # an uninterrupted build from the same state
        timings.append(timed_build(site, data))
        assert is_new(site.target)
        site.restore()
    start = startup_seconds() * 0.8
    writing, duration = min(t[0] for t in timings), min(t[1] for t in timings)

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    half = KILL_POINTS // 2
    mid_build = mid_write = attempts = 0
    # Timings measured on a shared machine drift; kills that land after the
    # swap test less, so keep going (bounded) until enough landed before it.
    while (
        mid_build < MIN_MID_BUILD or mid_write < MIN_MID_WRITE or attempts < KILL_POINTS
    ) and attempts < MAX_ATTEMPTS:
        point = attempts % KILL_POINTS
        attempts += 1
        slice_ = ((point % half) + rng.random()) / half
        process = subprocess.Popen(
            site.command(data), env=site.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if point < half:
            delay = start + slice_ * (duration - start)
            time.sleep(delay)
        else:
            while not site.temp_files() and process.poll() is None:
                time.sleep(0.001)
            delay = slice_ * (duration - writing)
            time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        where = (
            f"kill {attempts} at {delay:.2f}s ({'while writing' if point >= half else 'from start'})"
            f" of a {duration:.2f}s build writing from {writing:.2f}s (seed {seed})"
        )
        killed = process.returncode == -signal.SIGKILL
        assert site.spare_is_a_whole_database(), where
        if site.unchanged():
            mid_build += killed
            mid_write += killed and bool(site.temp_files())
            assert open_and_check(site.target) == previous_citations, where
        else:
            # Killed after the atomic rename (or it finished first): the new
            # database is whole.
            assert is_new(site.target), where
        site.restore()
    assert mid_build >= MIN_MID_BUILD, (mid_build, attempts, where)
    assert mid_write >= MIN_MID_WRITE, (mid_write, attempts, where)

    # The next build succeeds and removes what the killed ones left.
    site.build(data)
    assert is_new(site.target)
    assert site.temp_files() == []
    print(
        f"{mid_build} of {attempts} kills before the swap, {mid_write} of them while "
        f"writing, in a {duration:.2f}s build writing from {writing:.2f}s (seed {seed})"
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "corpus"
    synthesize(path, CITATIONS, seed=5)
    return path


def test_killed_full_builds_leave_the_previous_database(corpus, tmp_path):
    site = Site(tmp_path)
    # The previous database holds other records, so a swapped-in new one
    # could never pass for it.
    site.build(FIXTURE_DATA)
    kill_at_random_points(site, corpus, lambda db: open_and_check(db) == CITATIONS)


def built_copy(corpus: Path, tmp_path: Path) -> tuple[Site, Path, Callable[[str], None]]:
    """A copy of the corpus built into a site, and a function that retitles
    the first event of its first events file."""
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    site = Site(tmp_path)
    site.build(data)
    events = sorted((data / "events").rglob("*.yml"))[0]
    original = events.read_text(encoding="utf-8")
    title = next(line for line in original.splitlines() if line.strip().startswith("title:"))

    def retitle(new_title: str) -> None:
        events.write_text(
            original.replace(title, title.split("title:")[0] + "title: " + new_title, 1),
            encoding="utf-8",
        )

    return site, data, retitle


def test_killed_rebuilds_after_an_edit_leave_the_previous_database(corpus, tmp_path):
    site, data, retitle = built_copy(corpus, tmp_path)
    retitle(EDITED_TITLE)
    kill_at_random_points(site, data, lambda db: open_and_check(db) == CITATIONS and has_edit(db))


def test_killed_rebuilds_that_patch_the_spare_leave_the_previous_database(corpus, tmp_path):
    site, data, retitle = built_copy(corpus, tmp_path)
    retitle("A first edit")
    site.build(data)  # copies; the first database is the spare now
    assert site.spare.exists()
    retitle(EDITED_TITLE)
    # Uninterrupted, the build takes the spare (its file becomes the database).
    site.save()
    spare_inode = site.spare.stat().st_ino
    site.build(data)
    assert site.target.stat().st_ino == spare_inode and has_edit(site.target)
    site.restore()
    kill_at_random_points(site, data, lambda db: open_and_check(db) == CITATIONS and has_edit(db))


def test_a_killed_first_build_leaves_no_database_and_the_next_succeeds(corpus, tmp_path):
    site = Site(tmp_path)
    process = subprocess.Popen(
        site.command(corpus), env=site.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # Wait until the build is writing its temporary file, then kill it.
    deadline = time.time() + 60
    while not site.temp_files():
        assert time.time() < deadline and process.poll() is None
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not site.target.exists()
    site.build(corpus)
    assert open_and_check(site.target) == CITATIONS
    assert site.temp_files() == []
