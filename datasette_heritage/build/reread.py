"""Which record files an edit makes an incremental build read again, and
reading them.

A cold build checks every record against all the others; an incremental one
reads the files that changed (added, edited or removed, and the YAML of a
source whose text file changed) and, so that its problems are the ones a
cold build reports, every file where a check could now come out differently:

- monuments and events at a site that is gone;
- events of a monument that is gone or at another site, and events citing a
  source that is gone or whose text changed;
- a file, loading later, that defines an id a re-read file now defines too
  (a cold build reports the duplicate there).

The other records come from the previous database (RecordsInPreviousBuild).
Nothing here writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .data_files import FOLDERS, RECORD_TABLES
from .previous_build_records import RecordsInPreviousBuild
from .problems import ProblemLog
from .records import RecordLoader

RECORD_TYPE_OF_FOLDER = {folder: record_type for record_type, folder in FOLDERS}


@dataclass
class RereadRows:
    """What an incremental build read again."""

    # table -> the rows of the files read
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # record type -> the record files whose previous rows go (re-read or removed)
    files: dict[str, set[str]] = field(default_factory=dict)
    files_read: int = 0
    # Lines that do not stop the build (quotes.py: a quote found twice)
    warnings: list[Any] = field(default_factory=list)


def sources_of_texts(conn: sqlite3.Connection, data_dir: Path, texts: set[str]) -> set[str]:
    """Source record files whose text file is one of ``texts`` (relative paths)."""
    wanted = {str(data_dir / rel) for rel in texts}
    names = sorted({Path(rel).name for rel in texts})
    rows = conn.execute(
        "SELECT DISTINCT record_file, text_file FROM sources WHERE text_file IN "
        "(SELECT value FROM json_each(?))",
        (json.dumps(names),),
    )
    return {
        record_file
        for record_file, text_file in rows
        if str(Path(record_file).parent / text_file) in wanted
    }


def reread(
    data_dir: Path,
    conn: sqlite3.Connection,
    changed: set[str],
    scanned: Iterable[str],
    on_file: Callable[[Path], None] | None = None,
) -> RereadRows:
    """Load the changed record files and those whose checks depend on them.
    Raises BuildError with the problems a cold build would report.

    ``conn``: the previous database; ``scanned``: the relative paths of every
    file the build reads, in load order (manifest.stat_data_files)."""
    # str(data_dir / rel) without a Path per file (40,000 at a million
    # citations): the folder's string with its separator, then rel.
    prefix = str(data_dir / "_")[:-1]
    all_files = [
        (RECORD_TYPE_OF_FOLDER[rel.split("/", 1)[0]], prefix + rel)
        for rel in scanned
        if not rel.endswith(".txt")
    ]
    load_order = {record_file: i for i, (_, record_file) in enumerate(all_files)}
    type_of = {record_file: t for t, record_file in all_files}
    for record_file in changed:  # removed files: their type is their folder's
        if record_file not in type_of:
            folder = Path(record_file).relative_to(data_dir).parts[0]
            type_of[record_file] = RECORD_TYPE_OF_FOLDER[folder]
    to_read = set(changed)
    while True:
        result, defined_later = _read_with_dependents(
            data_dir, conn, to_read, load_order, type_of, on_file
        )
        if not defined_later - to_read:
            return result
        to_read |= defined_later  # a duplicate id in a file that loads later: read it too


def _read_with_dependents(
    data_dir: Path,
    conn: sqlite3.Connection,
    to_read: set[str],
    load_order: dict[str, int],
    type_of: dict[str, str],
    on_file: Callable[[Path], None] | None,
) -> tuple[RereadRows, set[str]]:
    """Read ``to_read`` and its dependents, record type by record type; also
    return the files loading later that define an id these files define. The
    problems are raised only when there are no such files left to add."""
    problems = ProblemLog()
    by_type = {t: {f for f in to_read if type_of[f] == t} for t in RECORD_TABLES}
    known = RecordsInPreviousBuild(conn, load_order, by_type)
    loader = RecordLoader(data_dir, problems, on_file, known)
    result = RereadRows()
    defined_later: set[str] = set()
    for record_type in RECORD_TABLES:
        files = by_type[record_type]
        if record_type == "monument":
            files |= _files_at_changed_sites(conn, by_type, result, "monuments")
        if record_type == "event":
            files |= _event_files_to_check_again(conn, by_type, result)
        known.read_again(record_type, files)
        result.files[record_type] = files
        for record_file in sorted(files, key=lambda f: load_order.get(f, -1)):
            if record_file not in load_order:
                continue  # removed: its rows go, nothing to read
            known.reading = record_file
            result.files_read += 1
            for table, rows in loader.load_files([(record_type, Path(record_file))]):
                result.rows.setdefault(table, []).extend(rows)
        defined_later |= known.defined_later
    result.warnings = loader.stats.warnings
    if defined_later - to_read:
        return result, defined_later
    problems.raise_if_any()
    return result, defined_later


def _changed_ids(
    conn: sqlite3.Connection,
    table: str,
    files: set[str],
    new_rows: list[dict[str, Any]],
    columns: tuple[str, ...],
) -> set[str]:
    """Ids of the old records of ``files`` that are gone or differ in ``columns``."""
    if not files:
        return set()
    old = {
        row[0]: tuple(row[1:])
        for row in conn.execute(
            f"SELECT id{''.join(', ' + c for c in columns)} FROM [{table}] "
            f"WHERE record_file IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(files)),),
        )
    }
    new = {row["id"]: tuple(row[c] for c in columns) for row in new_rows}
    return {key for key, value in old.items() if new.get(key) != value}


def _files_referring(conn: sqlite3.Connection, sql: str, ids: set[str]) -> set[str]:
    if not ids:
        return set()
    return {row[0] for row in conn.execute(sql, (json.dumps(sorted(ids)),))}


def _files_at_changed_sites(
    conn: sqlite3.Connection, by_type: dict[str, set[str]], result: RereadRows, table: str
) -> set[str]:
    """Files of ``table`` (monuments or events) with a record at a site that is gone."""
    sites = _changed_ids(conn, "sites", by_type["site"], result.rows.get("sites", []), ())
    return _files_referring(
        conn,
        f"SELECT DISTINCT record_file FROM [{table}] WHERE "
        f"site_id IN (SELECT value FROM json_each(?))",
        sites,
    )


# What an event's checks read of other records: (record type, the columns of
# it they read, the table that links events to it, the linking column).
_EVENT_REFERENCES = (
    ("monument", ("site_id",), "event_monuments", "monument_id"),
    ("source", ("text",), "citations", "source_id"),
)


def _event_files_to_check_again(
    conn: sqlite3.Connection, by_type: dict[str, set[str]], result: RereadRows
) -> set[str]:
    """Event files whose checks could come out differently: they refer to a
    site, monument or source that is gone or changed."""
    files = _files_at_changed_sites(conn, by_type, result, "events")
    for record_type, columns, link, column in _EVENT_REFERENCES:
        table = RECORD_TABLES[record_type]
        ids = _changed_ids(conn, table, by_type[record_type], result.rows.get(table, []), columns)
        files |= _files_referring(
            conn,
            f"SELECT DISTINCT e.record_file FROM [{link}] l JOIN events e ON e.id = l.event_id "
            f"WHERE l.[{column}] IN (SELECT value FROM json_each(?))",
            ids,
        )
    return files
