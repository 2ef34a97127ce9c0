"""The built database: public schema, derived columns, indexes, search, views."""

import sqlite3

import sqlite_utils

from datasette_heritage.build.writer import FACET_INDEXES, TABLES
from datasette_heritage.folding import normalise

from .conftest import FIXTURE_DATA


def test_public_schema_columns(fixture_db):
    db = sqlite_utils.Database(fixture_db)
    # The public schema's names (README "The database"), which saved queries and users rely on.
    promised = {
        "sites": ["id", "name", "country", "latitude", "longitude", "wikidata", "unesco_whc_id"],
        "monuments": [
            "id",
            "site_id",
            "name",
            "alternative_names",
            "type",
            "period",
            "latitude",
            "longitude",
            "wikidata",
            "description",
            "condition",
        ],
        "sources": ["id", "title", "publisher", "credit", "published", "url", "language", "text"],
        "events": [
            "id",
            "kind",
            "title",
            "date",
            "date_start",
            "date_end",
            "date_precision",
            "site_id",
            "summary",
            "contested",
        ],
        "event_monuments": ["event_id", "monument_id", "damage_level", "cause"],
        "citations": [
            "id",
            "event_id",
            "source_id",
            "quote",
            "quote_start",
            "quote_end",
            "claimant",
            "stance",
            "identification",
            "note",
        ],
    }
    for table, columns in promised.items():
        assert set(columns) <= set(db[table].columns_dict), table
    for vocabulary in ("damage_levels", "causes", "event_kinds", "monument_types"):
        assert set(db[vocabulary].columns_dict) == {"id", "label", "description", "rank"}


def test_foreign_keys_link_rows(fixture_db):
    db = sqlite_utils.Database(fixture_db)
    fks = {(fk.column, fk.other_table) for fk in db["citations"].foreign_keys}
    assert fks == {("event_id", "events"), ("source_id", "sources")}
    fks = {(fk.column, fk.other_table) for fk in db["event_monuments"].foreign_keys}
    assert ("damage_level", "damage_levels") in fks and ("monument_id", "monuments") in fks


def test_every_foreign_key_and_facet_column_is_indexed(fixture_db):
    db = sqlite_utils.Database(fixture_db)
    for table, (_, _, fks) in TABLES.items():
        indexed = {next(iter(i.columns)) for i in db[table].indexes}
        pk = TABLES[table].primary_key
        leading = pk[0] if isinstance(pk, tuple) else pk
        for column, _, _ in fks:
            assert column in indexed or column == leading, (table, column)
        for column in FACET_INDEXES.get(table, []):
            assert column in indexed, (table, column)


def test_derived_columns(fixture_db):
    db = sqlite_utils.Database(fixture_db)
    events = {r["id"]: r for r in db["events"].rows}
    retake = events["militants-retake-testopolis"]
    assert (retake["contested"], retake["supporting_sources"], retake["disputing_sources"]) == (
        1,
        1,
        1,
    )
    destroyed = events["temple-of-tests-destroyed"]
    # Three supporting citations from two distinct sources.
    assert (destroyed["contested"], destroyed["supporting_sources"]) == (0, 2)
    conditions = {r["id"]: r["condition"] for r in db["monuments"].rows}
    assert conditions == {
        "temple-of-tests": "destroyed",
        "test-arch": "severely-damaged",
        "test-castle": None,
    }


def test_citation_offsets_point_at_the_passage(fixture_db):
    db = sqlite_utils.Database(fixture_db)
    rows = db.execute("""SELECT c.quote, substr(s.text, c.quote_start + 1, c.quote_end - c.quote_start)
                         FROM citations c JOIN sources s ON s.id = c.source_id
                         WHERE c.verified = 1""").fetchall()
    assert len(rows) == 7
    for quote, passage in rows:
        assert normalise(passage) == normalise(quote)


def test_unverified_citation_of_a_source_without_text(fixture_db):
    db = sqlite_utils.Database(fixture_db)
    row = db.execute(
        "SELECT verified, quote_start, quote_end FROM citations WHERE source_id = 'url-only'"
    ).fetchone()
    assert row == (0, None, None)


def test_dates_are_derived(fixture_db):
    db = sqlite_utils.Database(fixture_db)
    row = db.execute(
        "SELECT date, date_start, date_end, date_precision, date_interval "
        "FROM events WHERE id = 'test-arch-blown-up'"
    ).fetchone()
    assert row == ("2015-05/2016-03", "2015-05-01", "2016-03-31", "month", 1)
    row = db.execute(
        "SELECT published, published_start, published_precision FROM sources "
        "WHERE id = 'wire-report'"
    ).fetchone()
    assert row == ("2016-12-11?", "2016-12-11", "day")


def test_full_text_search(fixture_db):
    db = sqlite_utils.Database(fixture_db)
    assert [r["id"] for r in db["sources"].search("repelled")] == ["wire-report"]
    assert [r["id"] for r in db["monuments"].search("Baal")] == ["temple-of-tests"]


def test_views_flatten_citations(fixture_db):
    db = sqlite_utils.Database(fixture_db)
    assert set(db.view_names()) >= {"citation_details", "monument_damage", "source_reports"}
    rows = list(db["citation_details"].rows_where("event_id = ?", ["temple-of-tests-destroyed"]))
    assert len(rows) == 3
    assert {r["monument_name"] for r in rows} == {"Temple of Tests"}
    assert {r["source_title"] for r in rows} == {
        "Militants retake Testopolis",
        "A report we only have the address of",
    }


def test_record_origin_is_kept(fixture_db):
    db = sqlite_utils.Database(fixture_db)
    row = db.execute(
        "SELECT record_file, record_line FROM monuments WHERE id = 'test-arch'"
    ).fetchone()
    written = (FIXTURE_DATA / "monuments" / "testopolis.yml").read_text().splitlines()
    assert row[0].endswith("monuments/testopolis.yml")
    assert written[row[1] - 1] == "- id: test-arch"


def test_database_is_sound(fixture_db):
    db = sqlite_utils.Database(fixture_db)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_arabic_is_found_with_or_without_vowel_signs_in_every_text(fixture_db):
    """Words the made-up Arabic fixtures hold only vocalised, stretched with
    tatweel or in Arabic-Indic digits (and one only plain) are found typed
    plain, as the site's search folds what is typed; rows in English carry no
    folded copy."""
    conn = sqlite3.connect(fixture_db)
    for table, column, word, written, record in (
        ("sources", "text", "فجروا", "فَجَّرُوا", "arabic-report"),
        ("sources", "text", "المعبد", "المـعـبد", "arabic-report"),
        ("sources", "text", "2015", "٢٠١٥", "arabic-report"),
        ("citations", "quote", "ناشطون", "ناشِطونَ", "test-arch-blown-up-ar-2"),
        ("events", "summary", "مسلحون", "مُسَلَّحُونَ", "test-arch-blown-up-ar"),
    ):
        (stored,) = conn.execute(f"SELECT {column} FROM [{table}] WHERE id = ?", (record,))
        assert written in stored[0] and word not in stored[0]
        found = conn.execute(
            f"SELECT t.id FROM [{table}_fts] f JOIN [{table}] t ON t.rowid = f.rowid "
            f"WHERE [{table}_fts] MATCH ?",
            (f'"{word}"',),
        ).fetchall()
        assert record in [r[0] for r in found], (table, word)
    for table, english in (
        ("sources", "language = 'en'"),
        ("citations", "source_id IN (SELECT id FROM sources WHERE language = 'en')"),
        ("events", "id NOT LIKE '%-ar'"),
    ):
        copies = conn.execute(
            f"SELECT count(*), count(search_text) FROM [{table}] WHERE {english}"
        ).fetchone()
        assert copies[0] and copies[1] == 0, table
    conn.close()
