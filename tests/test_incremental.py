"""Incremental builds: after an edit, a build into the existing database reads
only what changed, and gives exactly what a cold build gives (or the same
problems), leaving the previous database byte-identical when it fails."""

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from datasette_heritage.build import incremental, summaries
from datasette_heritage.build.manifest import CACHE_ENV
from datasette_heritage.build.pipeline import build
from datasette_heritage.build.problems import BuildError
from datasette_heritage.build.safe_yaml import read_yaml_file
from datasette_heritage.build.writer import FTS, TABLES, VIEWS
from datasette_heritage.synth import record_yaml

from .conftest import rewrite_records


@pytest.fixture
def data(synth_copy):
    return synth_copy(3000, 11)


@pytest.fixture
def built(data, tmp_path):
    target = tmp_path / "out" / "heritage.db"
    target.parent.mkdir()
    summary = build(data, target, incremental=True)
    assert summary.files_reread is None  # the first build is cold
    return target


def dump(db_path):
    """Every table and view, rows in key order (rowids aside), and what full-text
    search finds, after FTS5's own integrity check."""
    conn = sqlite3.connect(db_path)
    out = {}
    for name in list(TABLES) + list(summaries.TABLES) + list(VIEWS):
        rows = conn.execute(f"SELECT * FROM [{name}]").fetchall()
        out[name] = sorted(rows, key=repr)
    for table, _columns in FTS.items():
        conn.execute(f"INSERT INTO [{table}_fts]([{table}_fts]) VALUES('integrity-check')")
        # English, and Arabic typed plain (the corpus's Arabic is often vocalised).
        for term in ("temple", "militants", "tomb", "said", "control", "فجروا", "سيطروا", "قال"):
            out[f"{table} search {term}"] = sorted(
                row[0]
                for row in conn.execute(
                    f"SELECT t.id FROM [{table}_fts] f JOIN [{table}] t ON t.rowid = f.rowid "
                    f"WHERE [{table}_fts] MATCH ?",
                    (term,),
                )
            )
    conn.close()
    return out


def assert_same_as_cold(data, db_path, tmp_path):
    cold = tmp_path / "cold.db"
    build(data, cold)
    got, want = dump(db_path), dump(cold)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name] == want[name], name


def first(folder: Path, pattern: str = "*.yml") -> Path:
    return sorted(folder.rglob(pattern))[0]


def plain_arabic_quote(events, source_id):
    for event in events:
        for citation in event["citations"]:
            if citation["source_id"] == source_id:
                citation["quote"] = "".join(
                    c for c in citation["quote"] if not "\u064b" <= c <= "\u0652"
                )
                return


@pytest.mark.parametrize("in_place", [False, True])
def test_edits_give_what_a_cold_build_gives(data, built, tmp_path, in_place):
    events_file = first(data / "events")

    def edit_events(events):
        del events[0]
        events[1]["title"] = "A new title"
        events[1]["date"] = "2016-03?"
        links = [e for e in events if e.get("monuments")]
        links[0]["monuments"][0]["damage_level"] = "destroyed"
        dispute = dict(events[3]["citations"][0])
        dispute.update(stance="disputes", claimant="the army")
        events[3]["citations"].append(dispute)
        copy = dict(events[4])
        copy["id"] = "a-brand-new-event"
        events.append(copy)

    rewrite_records(events_file, edit_events)
    # A source's text gains a paragraph: every offset of its citations moves.
    text_file = first(data / "sources", "*.txt")
    text_file.write_text(
        "An editor's note first.\n\n" + text_file.read_text(encoding="utf-8"), encoding="utf-8"
    )
    # An Arabic text gains a vocalised paragraph, and an Arabic quote loses its vowel signs.
    arabic = next(
        p for p in sorted((data / "sources").rglob("*.yml")) if "language: ar" in p.read_text()
    )
    arabic_text = arabic.with_suffix(".txt")
    arabic_text.write_text(
        "قالَ مُحَرِّرٌ: فَجَّرُوا.\n\n" + arabic_text.read_text(encoding="utf-8"), encoding="utf-8"
    )
    for events_path in sorted((data / "events").glob("*.yml"))[1:]:
        if arabic.stem in events_path.read_text(encoding="utf-8"):
            rewrite_records(events_path, lambda events: plain_arabic_quote(events, arabic.stem))
            break
    rewrite_records(
        first(data / "monuments"),
        lambda monuments: monuments[0].update(name="Temple of Renamed Things"),
    )
    new_monument = dict(
        read_yaml_file(str(first(data / "monuments")), "x")[0][1], id="a-new-monument"
    )
    (data / "monuments" / "zz-new.yml").write_text(record_yaml(new_monument), encoding="utf-8")

    summary = build(data, built, incremental=True, in_place=in_place)
    assert 0 < summary.files_reread < summary.files / 2
    assert_same_as_cold(data, built, tmp_path)
    # A copy replaces the database and keeps the old one as the spare.
    spare = [] if in_place else [".heritage.db.previous"]
    assert sorted(p.name for p in built.parent.iterdir()) == spare + ["heritage.db"]


def test_a_removed_file_removes_its_records(data, built, tmp_path):
    # The last events file; events cite sources, nothing refers to events.
    last = sorted((data / "events").glob("*.yml"))[-1]
    last.unlink()
    build(data, built, incremental=True)
    assert_same_as_cold(data, built, tmp_path)


def test_nothing_changed_writes_nothing(data, built):
    before = built.read_bytes(), built.stat().st_mtime_ns
    summary = build(data, built, incremental=True)
    assert summary.files_reread == 0
    assert (built.read_bytes(), built.stat().st_mtime_ns) == before
    # Touching a file without changing it: hashed, found unchanged.
    path = first(data / "events")
    path.write_bytes(path.read_bytes())
    assert build(data, built, incremental=True).files_reread == 0
    # The new stat is remembered for the same database: still incremental.
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 10**10))
    assert build(data, built, incremental=True).files_reread == 0
    assert build(data, built, incremental=True).files_reread == 0


def problems_of(data, target, **kwargs):
    with pytest.raises(BuildError) as info:
        build(data, target, **kwargs)
    return [str(p) for p in info.value.problems]


def test_problems_are_those_of_a_cold_build_and_nothing_is_written(data, built, tmp_path):
    # A monument that unchanged event files refer to disappears.
    monuments_file = first(data / "monuments")
    rewrite_records(monuments_file, lambda monuments: monuments.pop(0))
    before = built.read_bytes()
    got = problems_of(data, built, incremental=True)
    assert got and all("unknown monument" in p for p in got)
    assert got == problems_of(data, tmp_path / "cold.db")
    assert built.read_bytes() == before
    assert sorted(p.name for p in built.parent.iterdir()) == ["heritage.db"]


def test_a_changed_text_is_checked_against_its_recorded_sha256(data, built, tmp_path):
    import hashlib

    text_file = first(data / "sources", "*.txt")
    digest = hashlib.sha256(text_file.read_bytes()).hexdigest()
    rewrite_records(
        text_file.with_suffix(".yml"), lambda sources: sources[0].update(text_sha256=digest)
    )
    build(data, built, incremental=True)
    assert_same_as_cold(data, built, tmp_path)
    # The text changes and its recorded digest does not: the same one problem
    # as a cold build, naming the text file, and nothing written.
    text_file.write_text("A silent edit.\n" + text_file.read_text(encoding="utf-8"))
    before = built.read_bytes()
    got = problems_of(data, built, incremental=True)
    assert len(got) == 1 and "text_sha256" in got[0] and str(text_file) in got[0]
    assert got == problems_of(data, tmp_path / "cold.db")
    assert built.read_bytes() == before


def test_duplicate_id_in_a_file_that_loads_earlier(data, built, tmp_path):
    """The cold build reports the duplicate in the later, unchanged file."""
    events_file = first(data / "events")
    event = read_yaml_file(str(events_file), "x")[0][0]
    (data / "events" / "aaa-earlier.yml").write_text(record_yaml(event), encoding="utf-8")
    got = problems_of(data, built, incremental=True)
    assert len(got) == 1 and str(events_file) in got[0] and "aaa-earlier.yml" in got[0]
    assert got == problems_of(data, tmp_path / "cold.db")


def test_vocabulary_labels_descriptions_and_ranks_are_patched(data, built, tmp_path):
    # A description edited: only the (small) vocabulary files are read again.
    vocabulary_files = len(list((data / "vocabularies").glob("*.yml")))
    rewrite_records(
        data / "vocabularies" / "causes.yml",
        lambda terms: terms[0].update(description="Edited description."),
    )
    assert build(data, built, incremental=True).files_reread == vocabulary_files
    assert_same_as_cold(data, built, tmp_path)

    # Two damage levels swap ranks and a term is added: every monument's
    # condition (the worst level reported) may change.
    def swap_ranks(levels):
        levels[0]["rank"], levels[1]["rank"] = levels[1]["rank"], levels[0]["rank"]
        levels[0]["label"] = "Relabelled"
        levels.append(dict(levels[-1], id="a-new-level", rank=99))

    rewrite_records(data / "vocabularies" / "damage_levels.yml", swap_ranks)
    conditions_before = rows_of(built, "SELECT id, condition FROM monuments")
    assert build(data, built, incremental=True).files_reread == vocabulary_files
    assert_same_as_cold(data, built, tmp_path)
    assert rows_of(built, "SELECT id, condition FROM monuments") != conditions_before


def test_a_vocabulary_term_removed_means_a_cold_build(data, built, tmp_path):
    # Records may use the term: a cold build checks them all.
    rewrite_records(data / "vocabularies" / "causes.yml", lambda terms: terms.pop())
    summary = problems_or_summary(data, built)
    assert summary is None or summary.files_reread is None


def test_a_vocabulary_edit_with_other_edits_means_a_cold_build(data, built, tmp_path):
    rewrite_records(
        data / "vocabularies" / "causes.yml", lambda terms: terms[0].update(label="Renamed")
    )
    rewrite_records(first(data / "events"), lambda events: events[0].update(title="Changed"))
    assert build(data, built, incremental=True).files_reread is None
    assert_same_as_cold(data, built, tmp_path)


def rows_of(db_path, sql):
    conn = sqlite3.connect(db_path)
    try:
        return sorted(conn.execute(sql).fetchall())
    finally:
        conn.close()


def problems_or_summary(data, target):
    """The build's summary, or None when it reports problems (a term in use
    removed: the cold build it falls back to reports each use)."""
    try:
        return build(data, target, incremental=True)
    except BuildError:
        return None


def test_another_data_folder_means_a_cold_build(data, built, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(data, other)
    assert build(other, built, incremental=True).files_reread is None


@pytest.mark.parametrize("in_place", [False, True])
def test_a_failure_while_writing_leaves_the_previous_database(data, built, monkeypatch, in_place):
    rewrite_records(first(data / "events"), lambda events: events[0].update(title="Changed"))
    before = built.read_bytes()

    def broken(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(incremental, "inconsistencies_in_changes", broken)
    with pytest.raises(RuntimeError):
        build(data, built, incremental=True, in_place=in_place)
    assert built.read_bytes() == before
    assert sorted(p.name for p in built.parent.iterdir()) == ["heritage.db"]
    monkeypatch.undo()
    monkeypatch.setenv(CACHE_ENV, str(built.parent.parent / "cache"))
    assert build(data, built, incremental=True).files_reread == 1


def test_cli_builds_incrementally_unless_told_not_to(data, tmp_path):
    from click.testing import CliRunner

    from datasette_heritage.cli import cli

    target = tmp_path / "h.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", str(data), str(target)]).exit_code == 0
    rewrite_records(first(data / "events"), lambda events: events[0].update(title="Changed"))
    result = runner.invoke(cli, ["build", str(data), str(target)])
    assert result.exit_code == 0, result.output
    assert "re-read 1 changed file(s)" in result.output
    result = runner.invoke(cli, ["build", "--full", str(data), str(target)])
    assert result.exit_code == 0 and "re-read" not in result.output


KILLED_BUILD = """
import os, sys
from datasette_heritage.build import incremental
from datasette_heritage.build.pipeline import build

def killed(*args):
    os._exit(9)  # after the rows were changed, before the commit

incremental.inconsistencies_in_changes = killed
build(sys.argv[1], sys.argv[2], incremental=True, in_place=True)
"""


def test_an_in_place_build_killed_midway_is_rolled_back(data, built, tmp_path):
    import subprocess
    import sys

    rewrite_records(first(data / "events"), lambda events: events[0].update(title="Changed"))
    before = built.read_bytes()
    done = subprocess.run([sys.executable, "-c", KILLED_BUILD, str(data), str(built)])
    assert done.returncode == 9
    journal = Path(str(built) + "-journal")
    assert journal.exists() and built.read_bytes() != before
    # The next build rolls the journal back first, then sees the same edit.
    summary = build(data, built, incremental=True, in_place=True)
    assert not journal.exists()
    assert summary.files_reread == 1
    assert_same_as_cold(data, built, tmp_path)


def test_recovery_restores_the_bytes_before_the_killed_build(data, built, tmp_path):
    import subprocess
    import sys

    rewrite_records(first(data / "events"), lambda events: events[0].update(title="Changed"))
    before = built.read_bytes()
    subprocess.run([sys.executable, "-c", KILLED_BUILD, str(data), str(built)])
    from datasette_heritage.build.atomic_write import recover_interrupted_write

    recover_interrupted_write(built)
    assert built.read_bytes() == before
    assert not Path(str(built) + "-journal").exists()
