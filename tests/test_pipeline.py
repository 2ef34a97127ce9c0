"""The build is atomic: a failure leaves the previous database byte-identical."""

import os
import shutil
import sqlite3

import pytest

from datasette_heritage.build import pipeline as build_module
from datasette_heritage.build.atomic_write import remove_stale_temp_files
from datasette_heritage.build.pipeline import build
from datasette_heritage.build.problems import BuildError
from datasette_heritage.build.records import validate

from .conftest import FIXTURE_DATA


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, path)
    return path


def test_build_summary(data, tmp_path):
    summary = build(data, tmp_path / "h.db")
    assert summary.tables["events"] == 4 and summary.tables["citations"] == 8
    assert (summary.citations_verified, summary.citations_unverified) == (7, 1)
    assert summary.files == 13


def test_rebuild_replaces_the_database(data, tmp_path):
    target = tmp_path / "h.db"
    build(data, target)
    (data / "events" / "2016.yml").unlink()
    build(data, target)
    assert sqlite3.connect(target).execute("SELECT count(*) FROM events").fetchone() == (3,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "h.db"]


def test_failure_after_the_rows_leaves_previous_database(data, tmp_path, monkeypatch):
    target = tmp_path / "h.db"
    build(data, target)
    before = target.read_bytes()

    def broken_views(db):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(build_module.writer, "create_views", broken_views)
    with pytest.raises(RuntimeError):
        build(data, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "h.db"]


def test_failed_check_is_a_build_error(data, tmp_path, monkeypatch):
    target = tmp_path / "h.db"
    monkeypatch.setattr(
        build_module.writer,
        "inconsistencies",
        lambda db, rows: ["events: 1 rows written, 3 loaded"],
    )
    with pytest.raises(BuildError) as info:
        build(data, target)
    assert "database check failed: events: 1 rows written, 3 loaded" in info.value.report()
    assert not target.exists()


def test_stale_temporary_files_of_dead_builds_are_removed(data, tmp_path):
    target = tmp_path / "h.db"
    dead = tmp_path / ".h.db.999999999.building"
    dead.write_bytes(b"half a database")
    other = tmp_path / ".other.db.999999999.building"
    other.write_bytes(b"someone else's")
    build(data, target)
    assert not dead.exists()
    assert other.exists()


def test_temporary_file_of_a_live_build_is_kept(tmp_path):
    target = tmp_path / "h.db"
    live = tmp_path / f".h.db.{os.getppid()}.building"
    live.write_bytes(b"in progress")
    remove_stale_temp_files(target)
    assert live.exists()


def test_target_folder_must_exist(data, tmp_path):
    with pytest.raises(BuildError) as info:
        build(data, tmp_path / "missing" / "h.db")
    assert "no folder" in str(info.value.problems[0])


def test_missing_data_dir(tmp_path):
    with pytest.raises(BuildError) as info:
        validate(tmp_path / "nope")
    assert str(info.value.problems[0]).endswith(
        "no such directory (expected a data directory with sites/, monuments/, sources/, events/)"
    )


def test_missing_vocabulary_file(data):
    (data / "vocabularies" / "causes.yml").unlink()
    with pytest.raises(BuildError) as info:
        validate(data)
    messages = [str(p) for p in info.value.problems]
    assert messages[0].endswith(
        "vocabularies/causes.yml:1: (file): vocabulary file is missing "
        "(expected a list of causes terms)"
    )


def test_problems_are_all_reported_and_capped(data):
    lines = "".join(f"- id: bad-{i}\n  name: Bad\n" for i in range(80))
    (data / "sites" / "bad.yml").write_text(lines)
    with pytest.raises(BuildError) as info:
        validate(data)
    assert len(info.value.problems) == 80
    report = info.value.report().splitlines()
    assert len(report) == 52
    assert report[-2] == "... and 30 more problem(s) not shown"
    assert report[-1] == "80 problem(s) found; nothing was written"


def test_sources_keep_what_monitors_keep(data, tmp_path):
    build(data, tmp_path / "h.db")
    conn = sqlite3.connect(tmp_path / "h.db")
    conn.row_factory = sqlite3.Row
    wire = conn.execute("SELECT * FROM sources WHERE id = 'wire-report'").fetchone()
    assert wire["source_type"] == "news-agency"
    assert wire["archive_url"].startswith("https://web.archive.org/")
    assert wire["accessed"] == "2016-12-12"
    text = (data / "sources" / "wire-report.txt").read_bytes()
    assert wire["text_sha256"] == __import__("hashlib").sha256(text).hexdigest()
    # The type is a vocabulary term, shipped with its label and description.
    (label,) = conn.execute(
        "SELECT t.label FROM sources s JOIN source_types t ON t.id = s.source_type "
        "WHERE s.id = 'wire-report'"
    ).fetchone()
    assert label == "News agency"


def test_the_source_types_file_is_needed_only_when_a_type_is_used(data, tmp_path):
    (data / "vocabularies" / "source_types.yml").unlink()
    with pytest.raises(BuildError) as info:
        build(data, tmp_path / "h.db")
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 3 and all("unknown source type" in p for p in problems)
    for name in ("wire-report.yml", "url-only.yml", "arabic-report.yml"):
        path = data / "sources" / name
        path.write_text(
            "".join(line for line in path.read_text().splitlines(True) if "source_type" not in line)
        )
    build(data, tmp_path / "h.db")
    conn = sqlite3.connect(tmp_path / "h.db")
    assert conn.execute("SELECT count(*) FROM source_types").fetchone() == (0,)
