"""The spare (build/spare.py): an incremental build brings the file the
previous build replaced up to date and swaps it in, instead of copying the
database; never a spare that another process has open, that has another
name, that is cut short or that no manifest describes; and the file it
replaces stays byte-identical."""

import hashlib
import os
import subprocess
import sys

import httpx
import pytest

from datasette_heritage.build.manifest import CACHE_ENV, manifest_path
from datasette_heritage.build.pipeline import build
from datasette_heritage.build.problems import BuildError
from datasette_heritage.build.spare import database_token, spare_path

from .conftest import FIXTURE_DATA, rewrite_records, start_server
from .datasette_client import sql_path
from .test_incremental import assert_same_as_cold, first


@pytest.fixture
def data(synth_copy):
    return synth_copy(3000, 11)


@pytest.fixture
def built(data, tmp_path):
    """A database built cold, then after an edit (by a copy: there is no
    spare yet), so that it has a spare one build behind."""
    target = tmp_path / "out" / "heritage.db"
    target.parent.mkdir()
    build(data, target, incremental=True)
    retitle(data, "A first edit", which=0)
    build(data, target, incremental=True)
    assert spare_path(target).is_file()
    return target


def retitle(data, title: str, which: int = 1) -> None:
    """Retitle event number ``which`` of the first events file."""
    rewrite_records(first(data / "events"), lambda records: records[which].update(title=title))


def sha1(path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def test_the_spare_catches_up_and_is_swapped_in(data, built, tmp_path):
    spare = spare_path(built)
    for step in range(3):
        target_inode, spare_inode = built.stat().st_ino, spare.stat().st_ino
        previous = sha1(built)
        if step == 0:  # two builds' edits for the spare: the first edit, and these
            retitle(data, "A second edit")
            text_file = first(data / "sources", "*.txt")
            text_file.write_text(
                "A note.\n\n" + text_file.read_text(encoding="utf-8"), encoding="utf-8"
            )
            rewrite_records(first(data / "monuments"), lambda m: m[0].update(name="Renamed"))
        else:  # a vocabulary label and description, after the edits above, then again
            edit = {"label": f"Label {step}", "description": f"Said {step}."}
            rewrite_records(data / "vocabularies" / "causes.yml", lambda t, e=edit: t[0].update(e))
        summary = build(data, built, incremental=True)
        assert summary.files_reread is not None
        # The spare became the database; the database it replaced is the
        # spare now, byte for byte what it was.
        assert built.stat().st_ino == spare_inode
        assert spare.stat().st_ino == target_inode and sha1(spare) == previous
        assert_same_as_cold(data, built, tmp_path)


def test_an_undone_edit_is_caught_up_too(data, built, tmp_path):
    # The spare lacks the first edit; undone, the file is as the spare has it.
    retitle(data, "Undone", which=0)
    build(data, built, incremental=True)
    retitle(data, "A first edit", which=0)
    spare_inode = spare_path(built).stat().st_ino
    build(data, built, incremental=True)
    assert built.stat().st_ino == spare_inode
    assert_same_as_cold(data, built, tmp_path)


def held_open(path):
    """A process holding ``path`` open, which prints the SHA-1 of what it
    reads through that open file when it gets a line."""
    code = (
        "import hashlib, sys\n"
        "f = open(sys.argv[1], 'rb')\n"
        "print('open', flush=True)\n"
        "sys.stdin.readline()\n"
        "print(hashlib.sha1(f.read()).hexdigest(), flush=True)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "open\n"
    return process


def test_a_spare_another_process_has_open_is_left_alone(data, built, tmp_path):
    spare = spare_path(built)
    before, spare_inode, target_inode = sha1(spare), spare.stat().st_ino, built.stat().st_ino
    reader = held_open(spare)
    try:
        retitle(data, "Edited while the spare is read")
        build(data, built, incremental=True)
        # Copied: a new file, and the one being read was not written.
        assert built.stat().st_ino not in (spare_inode, target_inode)
        out, _ = reader.communicate("\n", timeout=30)
    finally:
        reader.kill()
    assert out.strip() == before
    assert_same_as_cold(data, built, tmp_path)
    # The file it replaced is the next spare, and nobody reads that one.
    assert spare.stat().st_ino == target_inode
    retitle(data, "Edited again")
    build(data, built, incremental=True)
    assert built.stat().st_ino == target_inode
    assert_same_as_cold(data, built, tmp_path)


@pytest.mark.parametrize("how", ["hard link", "cut short", "foreign", "no manifest"])
def test_a_spare_that_may_not_be_written_is_not(data, built, tmp_path, how):
    spare = spare_path(built)
    if how == "hard link":
        other_name = tmp_path / "backup.db"
        os.link(spare, other_name)
    elif how == "cut short":
        content = spare.read_bytes()
        spare.write_bytes(content[: len(content) // 2])
    elif how == "foreign":  # a database of other records, with its own manifest
        build(FIXTURE_DATA, spare, incremental=True)
    else:
        manifest_path(built, database_token(spare)).unlink()
    before = sha1(spare)
    target_inode, spare_inode = built.stat().st_ino, spare.stat().st_ino
    retitle(data, "Edited beside a doubtful spare")
    build(data, built, incremental=True)
    assert built.stat().st_ino not in (spare_inode, target_inode)
    assert_same_as_cold(data, built, tmp_path)
    if how == "hard link":
        assert sha1(other_name) == before


def test_a_problem_in_the_records_keeps_the_spare(data, built, tmp_path):
    spare = spare_path(built)
    before = (sha1(built), sha1(spare), spare.stat().st_ino)
    rewrite_records(first(data / "events"), lambda events: events[0].update(date="not a date"))
    with pytest.raises(BuildError):
        build(data, built, incremental=True)
    assert (sha1(built), sha1(spare), spare.stat().st_ino) == before
    assert sorted(p.name for p in built.parent.iterdir()) == [spare.name, built.name]


def test_without_a_spare_nothing_is_kept(data, built, tmp_path):
    retitle(data, "Edited without a spare")
    build(data, built, incremental=True, keep_spare=False)
    assert sorted(p.name for p in built.parent.iterdir()) == [built.name]
    assert_same_as_cold(data, built, tmp_path)
    # Only the manifest of the database itself is left in the cache.
    assert len(list((tmp_path / "cache").glob("build-*.json"))) == 1


def test_the_cli_says_no_spare(data, built):
    from click.testing import CliRunner

    from datasette_heritage.cli import cli

    retitle(data, "Edited from the command line")
    result = CliRunner().invoke(cli, ["build", "--no-spare", str(data), str(built)])
    assert result.exit_code == 0, result.output
    assert not spare_path(built).exists()


def test_manifests_of_replaced_files_are_removed(data, built, tmp_path):
    for step in range(4):
        retitle(data, f"Edit {step}")
        build(data, built, incremental=True)
    # One for the database, one for its spare.
    assert len(list((tmp_path / "cache").glob("build-*.json"))) == 2


@pytest.mark.slow
def test_a_server_reading_the_replaced_file_never_sees_it_change(data, tmp_path, monkeypatch):
    """``datasette serve -i`` opened the database; two builds later the file
    it reads is what the first build replaced, now the spare: the build must
    copy, and the server keep reading the same bytes."""
    folder = tmp_path / "site"
    folder.mkdir()
    target = folder / "heritage.db"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    build(data, target, incremental=True)
    served_inode, served_bytes = target.stat().st_ino, sha1(target)
    process, url = start_server(target)
    try:
        first_event = "select id, title from events order by id limit 1"
        query = {"sql": first_event, "_shape": "array"}
        seen = httpx.get(url + sql_path("heritage", "json"), params=query, timeout=30).json()
        retitle(data, "After the server started")
        build(data, target, incremental=True)
        assert spare_path(target).stat().st_ino == served_inode  # the server's file
        retitle(data, "Edited again")
        build(data, target, incremental=True)
        assert target.stat().st_ino != served_inode
        assert (
            httpx.get(url + sql_path("heritage", "json"), params=query, timeout=30).json() == seen
        )
        # What the server has open is the first build's file, byte for byte.
        held = []
        for fd in os.listdir(f"/proc/{process.pid}/fd"):
            path = f"/proc/{process.pid}/fd/{fd}"
            try:
                if os.stat(path).st_ino == served_inode:
                    with open(path, "rb") as f:
                        held.append(hashlib.sha1(f.read()).hexdigest())
            except OSError:
                continue
        assert held and set(held) == {served_bytes}
    finally:
        process.terminate()
        process.wait(10)
    assert_same_as_cold(data, target, tmp_path)


def test_without_leases_the_build_copies(data, built, tmp_path, monkeypatch):
    """Where the system cannot say who has a file open (no F_SETLEASE: not
    Linux), the spare is never rewritten."""
    from datasette_heritage.build import spare

    monkeypatch.setattr(spare, "fcntl", None)
    before = sha1(spare_path(built))
    target_inode, spare_inode = built.stat().st_ino, spare_path(built).stat().st_ino
    reader = held_open(spare_path(built))  # reads the spare's file throughout
    try:
        retitle(data, "Edited without leases")
        build(data, built, incremental=True)
        out, _ = reader.communicate("\n", timeout=30)
    finally:
        reader.kill()
    assert built.stat().st_ino not in (spare_inode, target_inode)
    assert out.strip() == before
    assert_same_as_cold(data, built, tmp_path)
