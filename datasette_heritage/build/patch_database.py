"""Patch a built database with what an incremental build read again: the
rows of those files replace their old rows, full-text search and the derived
columns of the events and monuments they touch follow, and the changed rows
are checked."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import sqlite_utils

from . import summaries, writer
from .data_files import RECORD_TABLES
from .reread import RereadRows

_IN_FILES = "record_file IN (SELECT value FROM json_each(?))"
_OF_EVENTS = "event_id IN (SELECT value FROM json_each(?))"


def replace_rows_of_files(db: sqlite_utils.Database, reread: RereadRows) -> dict[str, int]:
    """Replace the rows of the re-read (or removed) files in ``db``, inside
    the caller's transaction; returns the row count every table should have."""
    conn = db.conn
    counts = writer.row_counts(conn)
    files = {t: json.dumps(sorted(reread.files.get(t, ()))) for t in RECORD_TABLES}
    old_events = [
        row[0]
        for row in conn.execute(f"SELECT id FROM events WHERE {_IN_FILES}", (files["event"],))
    ]
    old_event_ids = json.dumps(old_events)
    touched_monuments = {
        row[0]
        for row in conn.execute(
            f"SELECT DISTINCT monument_id FROM event_monuments WHERE {_OF_EVENTS}",
            (old_event_ids,),
        )
    }
    # Citations go with their events, not by file: their full-text entries too.
    _update_full_text_search(conn, "citations", _OF_EVENTS, old_event_ids, delete=True)
    summaries.remove(conn, old_events)
    for table in ("event_monuments", "citations"):
        cursor = conn.execute(
            f"DELETE FROM [{table}] WHERE {_OF_EVENTS}",
            (old_event_ids,),
        )
        counts[table] -= cursor.rowcount
    for record_type in ("event", "source", "monument", "site"):
        table = RECORD_TABLES[record_type]
        if table in writer.FTS:
            _update_full_text_search(conn, table, _IN_FILES, files[record_type], delete=True)
        cursor = conn.execute(f"DELETE FROM [{table}] WHERE {_IN_FILES}", (files[record_type],))
        counts[table] -= cursor.rowcount
    for record_type in ("site", "monument", "source", "event"):
        table = RECORD_TABLES[record_type]
        for name in [table, "event_monuments", "citations"] if table == "events" else [table]:
            rows = reread.rows.get(name, [])
            if rows:
                writer.insert_rows(db, name, rows)
                counts[name] += len(rows)
        if table in writer.FTS:
            _update_full_text_search(conn, table, _IN_FILES, files[record_type], delete=False)
    new_events = [row["id"] for row in reread.rows.get("events", [])]
    _update_full_text_search(conn, "citations", _OF_EVENTS, json.dumps(new_events), delete=False)
    touched_monuments |= {row["monument_id"] for row in reread.rows.get("event_monuments", [])}
    touched_monuments |= {row["id"] for row in reread.rows.get("monuments", [])}
    writer.update_conditions(db, sorted(touched_monuments))
    summaries.add(conn, new_events)
    return counts


def replace_vocabularies(
    db: sqlite_utils.Database, vocabularies: dict[str, list[dict[str, Any]]]
) -> dict[str, int]:
    """Replace the vocabulary tables' rows (no term the records use is gone:
    incremental.find_edits sees to that); when the damage levels' ranks
    moved, every monument's condition (the worst level) is derived again.
    Returns each vocabulary's row count."""
    ranks_before = db.execute("SELECT id, rank FROM damage_levels ORDER BY id").fetchall()
    counts = {}
    for name, rows in vocabularies.items():
        db.execute(f"DELETE FROM [{name}]")
        writer.insert_rows(db, name, rows)
        counts[name] = len(rows)
    if db.execute("SELECT id, rank FROM damage_levels ORDER BY id").fetchall() != ranks_before:
        writer.update_conditions(db)
    return counts


def _update_full_text_search(
    conn: sqlite3.Connection, table: str, where: str, parameter: str, delete: bool
) -> None:
    """Add (or remove) the full-text entries of the rows ``where`` selects
    (with one parameter: a JSON list)."""
    columns = writer.FTS[table]
    listed = ", ".join(f"[{c}]" for c in columns)
    # FTS5 external content: a row is removed by inserting its old values
    # with the table's own name as the command.
    command, values = (f"[{table}_fts], ", "'delete', ") if delete else ("", "")
    conn.execute(
        f"INSERT INTO [{table}_fts] ({command}rowid, {listed}) "
        f"SELECT {values}rowid, {listed} FROM [{table}] WHERE {where}",
        (parameter,),
    )


def inconsistencies_in_changes(
    db: sqlite_utils.Database, reread: RereadRows, expected_rows: dict[str, int]
) -> list[str]:
    """What is wrong with the changed rows: broken references either way, and
    row counts. (The rest of the file was checked when it was built.)"""
    failures = []
    conn = db.conn
    for table, (_, _, fks) in writer.TABLES.items():
        for column, other, other_column in fks:
            broken = conn.execute(
                f"SELECT count(*) FROM [{table}] t WHERE t.[{column}] IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM [{other}] o WHERE o.[{other_column}] = t.[{column}])"
                + _only_changed(table, reread)
            ).fetchone()[0]
            if broken:
                failures.append(f"{table}.{column}: {broken} broken reference(s)")
    return failures + writer.row_count_mismatches(conn, expected_rows)


def _only_changed(table: str, reread: RereadRows) -> str:
    # References from unchanged rows to removed records: those rows' files were
    # re-read as dependents, so checking every table whole would add nothing
    # but time; small tables are checked whole anyway.
    if table in ("event_monuments", "citations"):
        ids = [row["id"] for row in reread.rows.get("events", [])]
        return f" AND t.event_id IN (SELECT value FROM json_each('{_sql_json(ids)}'))"
    if table in ("events", "monuments"):
        ids = [row["id"] for row in reread.rows.get(table, [])]
        return f" AND t.id IN (SELECT value FROM json_each('{_sql_json(ids)}'))"
    return ""


def _sql_json(values: list[str]) -> str:
    return json.dumps(values).replace("'", "''")
