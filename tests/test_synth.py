"""The synthetic corpus: deterministic, in proportion, and a clean build that
exercises everything the real data does (verification, precisions, disputes)."""

import filecmp
import re
import sqlite3
import subprocess
import sys

import pytest

from datasette_heritage.build.pipeline import build
from datasette_heritage.folding import normalise
from datasette_heritage.synth import synthesize

N = 3000


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "data"
    summary = synthesize(path, N, seed=7)
    return path, summary


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory):
    path, _ = corpus
    db_path = tmp_path_factory.mktemp("synth-db") / "synth.db"
    summary = build(path, db_path)
    conn = sqlite3.connect(db_path)
    yield conn, summary
    conn.close()


def _tree(path):
    return sorted(p.relative_to(path) for p in path.rglob("*") if p.is_file())


def test_same_seed_gives_identical_files(corpus, tmp_path):
    path, _ = corpus
    again = tmp_path / "again"
    synthesize(again, N, seed=7)
    assert _tree(again) == _tree(path)
    mismatch = filecmp.cmpfiles(path, again, [str(p) for p in _tree(path)], shallow=False)[1]
    assert mismatch == []


def test_another_seed_gives_another_corpus(corpus, tmp_path):
    path, _ = corpus
    other = tmp_path / "other"
    synthesize(other, N, seed=8)
    events = sorted((path / "events").glob("*.yml"))[0]
    assert events.read_bytes() != (other / "events" / events.name).read_bytes()


def test_proportions(tmp_path):
    summary = synthesize(tmp_path / "big", 20000, seed=1)
    assert summary.counts["citations"] == 20000
    assert summary.counts["sites"] == 20
    assert summary.counts["monuments"] == 2000
    assert summary.counts["events"] == 6000
    assert summary.counts["sources"] == 400
    # Split like editors split: many files, one YAML and one text per source.
    assert len(list((tmp_path / "big" / "sources").rglob("*.yml"))) == 400
    assert len(list((tmp_path / "big" / "sources").rglob("*.txt"))) == 400
    assert len(list((tmp_path / "big" / "events").glob("*.yml"))) == 6


def test_builds_cleanly_with_every_quote_verified(corpus, built):
    _, synth_summary = corpus
    _conn, summary = built
    assert summary.citations_verified == N
    assert summary.citations_unverified == 0
    for table in ("sites", "monuments", "sources", "events", "citations"):
        assert summary.tables[table] == synth_summary.counts[table], table


def test_quotes_need_the_tolerant_match(built):
    """Some quotes differ from the article in quotes, dashes or white space, so
    verification does more than a substring search."""
    conn, _ = built
    rows = conn.execute("""SELECT c.quote, substr(s.text, c.quote_start + 1,
                                  c.quote_end - c.quote_start)
                           FROM citations c JOIN sources s ON s.id = c.source_id""").fetchall()
    differing = [quote for quote, passage in rows if quote != passage]
    assert len(differing) > N // 10
    assert any("\n" in passage for _, passage in rows)
    assert any("\u201d" in passage for _, passage in rows)


def test_some_sources_are_arabic_and_their_quotes_typed_either_way(built):
    """Made-up Arabic sources: vocalised or not, tatweel, Arabic-Indic digits;
    quotes typed with or without the vowel signs, Latin digits, each with its
    translation; all verified, and found by full-text search typed plain."""
    conn, _ = built
    rows = conn.execute("""SELECT c.id, c.quote, c.translation,
                                  substr(s.text, c.quote_start + 1, c.quote_end - c.quote_start)
                           FROM citations c JOIN sources s ON s.id = c.source_id
                           WHERE s.language = 'ar'""").fetchall()
    assert len(rows) > 10
    vowels = re.compile("[\u064b-\u0652]")
    assert all(translation and translation.isascii() for _, _, translation, _ in rows)
    assert any(vowels.search(q) and vowels.search(p) for _, q, _, p in rows)
    assert any(vowels.search(p) and not vowels.search(q) for _, q, _, p in rows)
    assert any("\u0640" in p for _, _, _, p in rows)
    assert any(re.search("[\u0660-\u0669]", p) and re.search("[0-9]", q) for _, q, _, p in rows)
    # A vocalised passage is found by its words typed plain.
    cid, _, _, passage = next(r for r in rows if vowels.search(r[3]))
    word = max(normalise(passage).split(), key=len)
    found = conn.execute(
        "SELECT c.id FROM citations_fts f JOIN citations c ON c.rowid = f.rowid "
        "WHERE citations_fts MATCH ?",
        (f'"{word}"',),
    ).fetchall()
    assert cid in [r[0] for r in found]


def test_contested_events_and_inferred_identifications(built):
    conn, _ = built
    contested = conn.execute("SELECT count(*) FROM events WHERE contested = 1").fetchone()[0]
    assert contested > 0
    assert (
        conn.execute("""SELECT count(*) FROM events WHERE contested = 1
                           AND supporting_sources >= 1 AND disputing_sources >= 1""").fetchone()[0]
        == contested
    )
    inferred = conn.execute("""SELECT count(*), count(note) FROM citations
                               WHERE identification = 'inferred'""").fetchone()
    assert inferred[0] > 0 and inferred[0] == inferred[1]


def test_dates_of_every_precision(built):
    conn, _ = built
    precisions = {row[0] for row in conn.execute("SELECT DISTINCT date_precision FROM events")}
    assert {"day", "month", "year", "season"} <= precisions
    flags = conn.execute("""SELECT sum(date_uncertain), sum(date_approximate), sum(date_interval),
                                   sum(date_start IS NULL), sum(date_end IS NULL)
                            FROM events""").fetchone()
    assert all(flag > 0 for flag in flags), flags


def test_monuments_get_a_condition(built):
    conn, _ = built
    conditions = {row[0] for row in conn.execute("SELECT DISTINCT condition FROM monuments")}
    assert {"destroyed", "severely-damaged"} <= conditions


def test_cli_writes_a_corpus_and_refuses_a_non_empty_folder(tmp_path):
    out = tmp_path / "corpus"
    command = [
        sys.executable,
        "-m",
        "datasette_heritage.cli",
        "synth",
        str(out),
        "--citations",
        "500",
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "500 citations" in done.stdout
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 1
    assert "not empty" in again.stderr and "Traceback" not in again.stderr
