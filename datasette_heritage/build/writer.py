"""The SQLite schema and how rows, derived columns, indexes, full-text search
and views are written into it.

Table and column names are the dataset's public API: people write SQL
against them and saved queries quote them (metadata.yml documents them).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from operator import itemgetter
from typing import Any, NamedTuple

import sqlite_utils

from ..folding import fold_for_search, search_lines
from ..schema import SEARCH_TEXT_COLUMNS, VOCABULARIES
from . import summaries

VOCABULARY_COLUMNS: dict[str, type] = {"id": str, "label": str, "description": str, "rank": int}


class Table(NamedTuple):
    columns: dict[str, type]  # in insert order, with their types
    primary_key: str | tuple[str, ...]
    foreign_keys: list[tuple[str, str, str]]  # (column, other table, its column)


TABLES: dict[str, Table] = {
    **{name: Table(VOCABULARY_COLUMNS, "id", []) for name in VOCABULARIES},
    "sites": Table(
        {
            "id": str,
            "name": str,
            "alternative_names": str,
            "names": str,
            "search_names": str,
            "country": str,
            "latitude": float,
            "longitude": float,
            "coordinates_precision": str,
            "wikidata": str,
            "unesco_whc_id": int,
            "description": str,
            "record_file": str,
            "record_line": int,
        },
        "id",
        [],
    ),
    "monuments": Table(
        {
            "id": str,
            "site_id": str,
            "name": str,
            "alternative_names": str,
            "names": str,
            "search_names": str,
            "type": str,
            "period": str,
            "latitude": float,
            "longitude": float,
            "coordinates_precision": str,
            "wikidata": str,
            "description": str,
            "condition": str,
            "record_file": str,
            "record_line": int,
        },
        "id",
        [
            ("site_id", "sites", "id"),
            ("type", "monument_types", "id"),
            ("condition", "damage_levels", "id"),
        ],
    ),
    "sources": Table(
        {
            "id": str,
            "title": str,
            "publisher": str,
            "credit": str,
            "photo_credits": str,
            "source_type": str,
            "published": str,
            "published_start": str,
            "published_end": str,
            "published_precision": str,
            "published_note": str,
            "url": str,
            "archive_url": str,
            "accessed": str,
            "language": str,
            "text": str,
            "text_file": str,
            "text_sha256": str,
            "search_text": str,
            "record_file": str,
            "record_line": int,
        },
        "id",
        [("source_type", "source_types", "id")],
    ),
    "events": Table(
        {
            "id": str,
            "kind": str,
            "title": str,
            "date": str,
            "date_start": str,
            "date_end": str,
            "date_precision": str,
            "date_uncertain": int,
            "date_approximate": int,
            "date_interval": int,
            "date_note": str,
            "site_id": str,
            "summary": str,
            "contested": int,
            "supporting_sources": int,
            "disputing_sources": int,
            "search_text": str,
            "record_file": str,
            "record_line": int,
        },
        "id",
        [("kind", "event_kinds", "id"), ("site_id", "sites", "id")],
    ),
    "event_monuments": Table(
        {
            "event_id": str,
            "monument_id": str,
            "damage_level": str,
            "cause": str,
        },
        ("event_id", "monument_id"),
        [
            ("event_id", "events", "id"),
            ("monument_id", "monuments", "id"),
            ("damage_level", "damage_levels", "id"),
            ("cause", "causes", "id"),
        ],
    ),
    "citations": Table(
        {
            "id": str,
            "event_id": str,
            "source_id": str,
            "quote": str,
            "translation": str,
            "quote_start": int,
            "quote_end": int,
            "verified": int,
            "claimant": str,
            "stance": str,
            "identification": str,
            "note": str,
            "search_text": str,
            "record_file": str,
            "record_line": int,
        },
        "id",
        [("event_id", "events", "id"), ("source_id", "sources", "id")],
    ),
}

NOT_NULL = {
    "sites": {"name", "country"},
    "monuments": {"site_id", "name", "type"},
    "sources": {"title", "language"},
    "events": {"kind", "title", "date", "site_id", "contested"},
    "citations": {"event_id", "source_id", "quote", "claimant", "stance", "identification"},
}

# Columns people facet and sort on, beyond the foreign keys.
FACET_INDEXES = {
    "monuments": ["condition"],
    "sources": ["publisher", "credit", "language", "published_start"],
    "events": ["date_start", "date_end", "date_precision", "contested", "supporting_sources"],
    "citations": ["claimant", "stance", "identification", "verified"],
}

# Columns are only ever added at the end: the site's snippets name them by
# position. search_text, where a table has it, is its other columns folded
# (schema.SEARCH_TEXT_COLUMNS): what is written with vowel signs is found
# typed without them, and the reverse (the site's search folds what is typed).
FTS = {
    "sources": [*SEARCH_TEXT_COLUMNS["sources"], "search_text"],
    "monuments": ["name", "alternative_names", "description", "search_names"],
    "sites": ["name", "alternative_names", "description", "search_names"],
    "events": [*SEARCH_TEXT_COLUMNS["events"], "search_text"],
    "citations": [*SEARCH_TEXT_COLUMNS["citations"], "search_text"],
}
# Porter stemming over unicode61 (any script; Latin diacritics folded), so
# "temple" also finds "temples" and "destroyed" finds "destroy".
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"

# Worst damage level any event reports for the monument (rank 1 = worst).
# (An event's own counts, contested and supporting/disputing sources, come
# from its record alone: the loader sets them, records._distinct_sources.)
CONDITION_SQL = """UPDATE monuments SET condition = (
    SELECT em.damage_level FROM event_monuments em
    JOIN damage_levels d ON d.id = em.damage_level
    WHERE em.monument_id = monuments.id ORDER BY d.rank LIMIT 1)"""

# The views read their base table's rows and look up the other columns with
# scalar subqueries, not joins: Datasette counts a view's rows on every page
# (select count(*) from the view), and SQLite then reads the base table
# alone (and, for citation_details, the monuments of each event) instead
# of joining a million rows. Every reference they look up exists (the
# build checks foreign keys), so the rows are those the joins would give.
VIEWS = {
    # One row per citation and affected monument: a CSV that stands on its own.
    "citation_details": """
SELECT c.id AS citation_id, c.event_id,
       (SELECT kind FROM events WHERE id = c.event_id) AS event_kind,
       (SELECT title FROM events WHERE id = c.event_id) AS event_title,
       (SELECT date FROM events WHERE id = c.event_id) AS event_date,
       (SELECT date_start FROM events WHERE id = c.event_id) AS date_start,
       (SELECT date_end FROM events WHERE id = c.event_id) AS date_end,
       (SELECT date_precision FROM events WHERE id = c.event_id) AS date_precision,
       (SELECT contested FROM events WHERE id = c.event_id) AS contested,
       (SELECT site_id FROM events WHERE id = c.event_id) AS site_id,
       (SELECT s.name FROM events e JOIN sites s ON s.id = e.site_id
        WHERE e.id = c.event_id) AS site_name,
       em.monument_id,
       (SELECT name FROM monuments WHERE id = em.monument_id) AS monument_name,
       em.damage_level, em.cause, c.claimant, c.stance, c.identification, c.quote,
       c.translation, c.note, c.verified, c.source_id,
       (SELECT title FROM sources WHERE id = c.source_id) AS source_title,
       (SELECT publisher FROM sources WHERE id = c.source_id) AS publisher,
       (SELECT credit FROM sources WHERE id = c.source_id) AS credit,
       (SELECT source_type FROM sources WHERE id = c.source_id) AS source_type,
       (SELECT language FROM sources WHERE id = c.source_id) AS source_language,
       (SELECT published FROM sources WHERE id = c.source_id) AS published,
       (SELECT url FROM sources WHERE id = c.source_id) AS url
FROM citations c
LEFT JOIN event_monuments em ON em.event_id = c.event_id""",
    # One row per monument affected by an event, with the event's date and weight.
    # identification: explicit when a supporting citation names the monument,
    # inferred when every one is tied to it by the editors' inference.
    "monument_damage": """
SELECT em.monument_id,
       (SELECT name FROM monuments WHERE id = em.monument_id) AS monument_name,
       (SELECT site_id FROM monuments WHERE id = em.monument_id) AS site_id,
       (SELECT type FROM monuments WHERE id = em.monument_id) AS type,
       (SELECT latitude FROM monuments WHERE id = em.monument_id) AS latitude,
       (SELECT longitude FROM monuments WHERE id = em.monument_id) AS longitude,
       em.event_id,
       (SELECT kind FROM events WHERE id = em.event_id) AS event_kind,
       (SELECT title FROM events WHERE id = em.event_id) AS event_title,
       (SELECT date FROM events WHERE id = em.event_id) AS event_date,
       (SELECT date_start FROM events WHERE id = em.event_id) AS date_start,
       (SELECT date_end FROM events WHERE id = em.event_id) AS date_end,
       (SELECT date_precision FROM events WHERE id = em.event_id) AS date_precision,
       em.damage_level,
       (SELECT rank FROM damage_levels WHERE id = em.damage_level) AS damage_rank,
       em.cause,
       (SELECT contested FROM events WHERE id = em.event_id) AS contested,
       (SELECT supporting_sources FROM events WHERE id = em.event_id) AS supporting_sources,
       (SELECT disputing_sources FROM events WHERE id = em.event_id) AS disputing_sources,
       (SELECT CASE WHEN max(c.identification = 'explicit') THEN 'explicit'
                    WHEN count(*) THEN 'inferred' END
        FROM citations c WHERE c.event_id = em.event_id AND c.stance = 'supports')
         AS identification
FROM event_monuments em""",
    # What each outlet reported: one row per source and event it speaks to,
    # from the source_events summary (summaries.py).
    "source_reports": """
SELECT r.source_id,
       (SELECT title FROM sources WHERE id = r.source_id) AS source_title,
       (SELECT publisher FROM sources WHERE id = r.source_id) AS publisher,
       (SELECT credit FROM sources WHERE id = r.source_id) AS credit,
       (SELECT source_type FROM sources WHERE id = r.source_id) AS source_type,
       (SELECT published FROM sources WHERE id = r.source_id) AS published,
       r.event_id,
       (SELECT title FROM events WHERE id = r.event_id) AS event_title,
       (SELECT date FROM events WHERE id = r.event_id) AS event_date,
       r.citations, r.claimants, r.stances
FROM source_events r""",
}


def create_schema(db: sqlite_utils.Database) -> None:
    """Create every table, empty, with keys and foreign keys."""
    for name, (columns, pk, fks) in TABLES.items():
        db.table(name).create(columns, pk=pk, foreign_keys=fks, not_null=NOT_NULL.get(name, set()))
    summaries.create(db.conn)


def insert_rows(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]]) -> None:
    # Raw executemany: sqlite-utils' insert_all inspects each batch, and the
    # rows here are already validated and shaped like the table. itemgetter
    # takes a row's values in column order in C.
    columns = list(TABLES[table].columns)
    if table in SEARCH_TEXT_COLUMNS:
        add_search_text(table, rows)
    sql = f"INSERT INTO [{table}] ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    db.conn.executemany(sql, map(itemgetter(*columns), rows))


def add_search_text(table: str, rows: list[dict[str, Any]]) -> None:
    """Set each row's ``search_text`` (schema.SEARCH_TEXT_COLUMNS), derived
    here, as rows are written, so cold and incremental builds derive it alike."""
    values_of = itemgetter(*SEARCH_TEXT_COLUMNS[table])
    for row in rows:
        row["search_text"] = fold_for_search(search_lines(values_of(row)))


# Indexes of several columns (and the record_file ones), by table. A foreign
# key or facet column that leads one of these (or the primary key) gets no
# index of its own: the longer one serves the same lookups and GROUP BYs.
COMPOSITE_INDEXES: dict[str, list[list[str]]] = {
    # The per-event aggregates.
    "citations": [["event_id", "stance", "source_id"]],
    # The monument timeline.
    "event_monuments": [["monument_id", "damage_level"]],
    "events": [
        # Covering indexes for the custom facets (site/facets.py): the year
        # facet groups by (start, end) in index order, without a sort, and so
        # does the events_per_year saved query, which counts kind and
        # contested too; corroboration sums both of its columns from one index.
        ["date_start", "date_end", "kind", "contested"],
        ["supporting_sources", "contested"],
        # The timeline pages (queries.timeline): a site's or a kind's events
        # in date order, read in index order up to the page's LIMIT.
        ["site_id", "date_start"],
        ["kind", "date_start"],
        # An incremental build replaces the rows of the files that changed.
        ["record_file"],
    ],
    "sources": [["published_start", "published_end"], ["record_file"]],
    "monuments": [["record_file"]],
}


def single_column_indexes() -> dict[str, list[str]]:
    """The foreign key and facet columns that need an index of their own."""
    wanted: dict[str, list[str]] = {}
    for name, (_, pk, fks) in TABLES.items():
        led = {columns[0] for columns in COMPOSITE_INDEXES.get(name, [])}
        led.add(pk[0] if isinstance(pk, tuple) else pk)
        for column in [fk[0] for fk in fks] + FACET_INDEXES.get(name, []):
            if column not in led and column not in wanted.get(name, []):
                wanted.setdefault(name, []).append(column)
    return wanted


def create_indexes(db: sqlite_utils.Database) -> None:
    """An index for every foreign key, facet column and query the site makes."""
    for name, columns in single_column_indexes().items():
        for column in columns:
            db.table(name).create_index([column])
    for name, indexes in COMPOSITE_INDEXES.items():
        for columns in indexes:
            db.table(name).create_index(columns)
    # outlet_reports reads the sources in outlet order, a source at a time.
    db.execute(
        "CREATE INDEX idx_sources_outlet "
        "ON sources (coalesce(publisher, credit) IS NULL, coalesce(publisher, credit), published)"
    )


def update_conditions(db: sqlite_utils.Database, monuments: Iterable[str] | None = None) -> None:
    """The condition (CONDITION_SQL) of every monument, or (an incremental
    build) of only the monuments given."""
    if monuments is None:
        db.execute(CONDITION_SQL)
    else:
        db.execute(
            CONDITION_SQL + " WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(monuments))],
        )


def create_full_text_search(db: sqlite_utils.Database) -> None:
    for name, columns in FTS.items():
        db.table(name).enable_fts(
            columns, fts_version="FTS5", create_triggers=False, tokenize=FTS_TOKENIZE
        )


def create_views(db: sqlite_utils.Database) -> None:
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip())


def gather_statistics(db: sqlite_utils.Database) -> None:
    """ANALYZE: the statistics SQLite's query planner chooses indexes by."""
    db.execute("ANALYZE")


def row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows in each table."""
    return {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in TABLES}


def verified_citations(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM citations WHERE verified = 1").fetchone()[0])


def row_count_mismatches(conn: sqlite3.Connection, expected_rows: dict[str, int]) -> list[str]:
    """Tables whose row count is not the number of rows loaded for them."""
    return [
        f"{table}: {count} rows written, {expected_rows.get(table, 0)} loaded"
        for table, count in row_counts(conn).items()
        if count != expected_rows.get(table, 0)
    ]


def inconsistencies(db: sqlite_utils.Database, expected_rows: dict[str, int]) -> list[str]:
    """What is wrong with a finished database (empty when it is sound):
    SQLite's integrity and foreign key checks, and the row counts."""
    failures = []
    # quick_check reads every page and record as integrity_check does, but
    # does not look up every table row in each of its indexes: that part is
    # most of the check's time and guards against bugs in SQLite's own writes.
    result = db.execute("PRAGMA quick_check").fetchall()
    if result != [("ok",)]:
        failures.append(f"quick_check: {result[:3]}")
    broken = db.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        failures.append(f"foreign_key_check: {len(broken)} broken reference(s), e.g. {broken[0]}")
    return failures + row_count_mismatches(db.conn, expected_rows)
