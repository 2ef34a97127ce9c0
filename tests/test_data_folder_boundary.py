"""A build reads nothing outside its data folder, and a contributor's data
cannot make it print a traceback, forge an error line or replace a live
database with an empty one.

Where ``data/`` comes from contributors (pull requests built by CI, an image
build), a symbolic link to ``/etc/passwd`` or ``/proc/self/environ`` as a
source's text was stored in ``sources.text`` and published, and a symlinked
YAML file was loaded. Real links, FIFOs and files are made here in temporary
folders and built with the command editors run; each case fails with one
line per problem naming the link, exits 1, prints no traceback and leaves
the previous database byte-identical.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from datasette_heritage.build.data_files import MAX_YAML_BYTES
from datasette_heritage.cli import cli
from datasette_heritage.schema import MAX_TEXT_BYTES

from .conftest import FIXTURE_DATA

LINK = "is a symbolic link: the build reads only what is inside the data folder"
# One problem line: FILE:LINE: field: message (expected ...)
LINE = re.compile(r"^[^\n]+:\d+: [^\n]+$")
SECRET = "HERITAGE_TEST_SECRET=do-not-publish"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A good data folder built once into heritage.db; the database's bytes."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURE_DATA, tmp_path / "data")
    result = CliRunner().invoke(cli, ["build", "data", "heritage.db", "--full"])
    assert result.exit_code == 0, result.output
    return tmp_path, (tmp_path / "heritage.db").read_bytes()


def build(*args: str):
    return CliRunner().invoke(cli, ["build", "data", "heritage.db", "--full", *args])


def assert_refused(result, before: bytes, tmp_path: Path, *expected: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, result.output
    problems = result.output.strip().splitlines()[:-1]
    assert problems and all(LINE.match(line) for line in problems), result.output
    assert (tmp_path / "heritage.db").read_bytes() == before
    assert SECRET not in result.output


def secret_file(tmp_path: Path) -> Path:
    """A file outside the data folder, as /etc/passwd would be."""
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    path = outside / "secret.txt"
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


def test_a_source_text_linked_outside_is_refused(folder):
    tmp_path, before = folder
    text = tmp_path / "data" / "sources" / "wire-report.txt"
    text.unlink()
    text.symlink_to(secret_file(tmp_path))
    assert_refused(build(), before, tmp_path, "data/sources/wire-report.txt", LINK)


@pytest.mark.parametrize("target", ["/etc/passwd", "/proc/self/environ"])
def test_system_files_never_reach_the_database(folder, target):
    tmp_path, before = folder
    if not Path(target).exists():
        pytest.skip(f"{target} does not exist here")
    text = tmp_path / "data" / "sources" / "wire-report.txt"
    text.unlink()
    text.symlink_to(target)
    assert_refused(build(), before, tmp_path, LINK)
    assert b"root:" not in (tmp_path / "heritage.db").read_bytes()


def test_a_linked_yaml_file_is_refused(folder):
    tmp_path, before = folder
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copyfile(tmp_path / "data" / "events" / "2016.yml", outside / "2016.yml")
    (tmp_path / "data" / "events" / "2016.yml").unlink()
    (tmp_path / "data" / "events" / "2016.yml").symlink_to(outside / "2016.yml")
    assert_refused(build(), before, tmp_path, "data/events/2016.yml:1: (file): " + LINK)


@pytest.mark.parametrize("folder_name", ["sites", "events"])
def test_a_linked_folder_is_refused_not_skipped(folder, folder_name):
    tmp_path, before = folder
    moved = tmp_path / "outside" / folder_name
    moved.parent.mkdir()
    shutil.move(str(tmp_path / "data" / folder_name), moved)
    (tmp_path / "data" / folder_name).symlink_to(moved, target_is_directory=True)
    assert_refused(build(), before, tmp_path, f"data/{folder_name}:1: (file): " + LINK)


def test_a_linked_folder_inside_a_record_folder_is_refused(folder):
    tmp_path, before = folder
    inner = tmp_path / "outside" / "more"
    inner.mkdir(parents=True)
    (inner / "x.yml").write_text("[]\n", encoding="utf-8")
    (tmp_path / "data" / "events" / "more").symlink_to(inner, target_is_directory=True)
    assert_refused(build(), before, tmp_path, "data/events/more:1: (file): " + LINK)


def test_an_incremental_build_refuses_a_new_link_too(folder):
    tmp_path, before = folder
    # An incremental build after the cold one, then a link appears.
    assert CliRunner().invoke(cli, ["build", "data", "heritage.db"]).exit_code == 0
    before = (tmp_path / "heritage.db").read_bytes()
    text = tmp_path / "data" / "sources" / "wire-report.txt"
    text.unlink()
    text.symlink_to(secret_file(tmp_path))
    result = CliRunner().invoke(cli, ["build", "data", "heritage.db"])
    assert_refused(result, before, tmp_path, LINK)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_not_read(folder):
    # Reading a FIFO would wait for a writer for ever.
    tmp_path, before = folder
    text = tmp_path / "data" / "sources" / "wire-report.txt"
    text.unlink()
    os.mkfifo(text)
    assert_refused(build(), before, tmp_path, "is not a regular file")


def test_files_too_large_are_refused_unread(folder):
    tmp_path, before = folder
    text = tmp_path / "data" / "sources" / "wire-report.txt"
    with open(text, "ab") as f:
        f.truncate(MAX_TEXT_BYTES + 1)  # sparse: no disk used
    assert_refused(build(), before, tmp_path, f"is larger than {MAX_TEXT_BYTES:,} bytes")
    shutil.copyfile(FIXTURE_DATA / "sources" / "wire-report.txt", text)
    events = tmp_path / "data" / "events" / "2016.yml"
    with open(events, "ab") as f:
        f.truncate(MAX_YAML_BYTES + 1)
    assert_refused(build(), before, tmp_path, f"is larger than {MAX_YAML_BYTES:,} bytes")


def test_a_file_name_cannot_forge_a_problem_line(folder):
    tmp_path, before = folder
    forged = "x.yml\nforged.yml:1: id: forged problem"
    (tmp_path / "data" / "events" / (forged + ".yml")).write_text("- nonsense\n", encoding="utf-8")
    result = build()
    assert_refused(result, before, tmp_path, "\\n")
    assert not any(line.startswith("forged.yml:1:") for line in result.output.splitlines())


def test_an_id_with_a_trailing_newline_is_refused(folder):
    # "$" in the schemas' patterns matched before a final newline in Python,
    # so a second, identical-looking event passed.
    tmp_path, before = folder
    events = tmp_path / "data" / "events" / "2016.yml"
    text = events.read_text(encoding="utf-8")
    first_id = re.search(r"^- id: (.+)$", text, re.M).group(1)
    events.write_text(text.replace(f"- id: {first_id}\n", f'- id: "{first_id}\\n"\n', 1))
    assert_refused(build(), before, tmp_path, "data/events/2016.yml:1: id:")


def test_only_vocabularies_replace_nothing_unless_asked(folder):
    tmp_path, before = folder
    for name in ("sites", "monuments", "sources", "events"):
        shutil.rmtree(tmp_path / "data" / name)
    assert_refused(build(), before, tmp_path, "has no sites, monuments, sources or events")
    # Asked for, it is built: an empty site is a choice, not an accident.
    result = build("--allow-empty")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "heritage.db").read_bytes() != before


def test_a_quote_found_twice_is_a_warning_naming_both_places(folder):
    tmp_path, _ = folder
    text = tmp_path / "data" / "sources" / "wire-report.txt"
    text.write_text(
        text.read_text(encoding="utf-8") + "\nThey blew up the Test Arch again.\n", encoding="utf-8"
    )
    sources = tmp_path / "data" / "sources" / "wire-report.yml"
    sources.write_text(re.sub(r"text_sha256: \w+\n", "", sources.read_text()), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "data", "heritage.db", "--full"])
    assert result.exit_code == 0, result.output + result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert warnings and all(LINE.match(line) for line in warnings)
    assert any("occurs 2 times in the text of source 'wire-report'" in w for w in warnings)
    assert any("the first is highlighted" in w for w in warnings)


def run_with_disk_full(args: list[str], cwd: Path, limit: int) -> subprocess.CompletedProcess:
    """The command with writes failing past ``limit`` bytes per file, as on a
    full disk (RLIMIT_FSIZE; SIGXFSZ ignored so the write fails instead)."""

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "datasette_heritage.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        preexec_fn=limit_files,
        timeout=120,
    )


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="no file size limit here")
def test_a_full_disk_is_one_line_and_keeps_the_previous_database(folder):
    tmp_path, before = folder
    result = run_with_disk_full(["build", "data", "heritage.db", "--full"], tmp_path, 64 * 1024)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(LINE.match(line) for line in lines[:-1]), result.stderr
    assert "cannot write the database" in result.stderr
    assert (tmp_path / "heritage.db").read_bytes() == before
    assert not list(tmp_path.glob(".heritage.db.*"))
