"""Incremental builds: after an edit, read again only what changed.

The previous database is the cache of parsed rows: every row records the file
it came from (``record_file``), and a manifest of the files it was built from
(manifest.py) says which changed since. A build into that database then:

1. finds the YAML files that changed, were added or removed, and the source
   YAML files whose text file changed (manifest.find_changes). A change to
   the vocabularies alone (labels, descriptions, ranks, new terms) replaces
   their tables, and the monuments' conditions when ranks moved; one that
   removes a term, or comes with other edits, means a cold build;
2. reads just those files, and those whose checks depend on them, with the
   other records taken from the previous database (reread.py), so the
   problems are the ones a cold build reports. Nothing is written if there
   is a problem;
3. copies the previous database beside the target, replaces the rows of the
   files read again, updates full-text search and derived columns, checks
   the changed rows and every table's row count (patch_database.py), and
   swaps the copy in with an atomic rename, as a cold build does.

Copying, not changing the previous file in place, keeps the build's promise:
whatever happens (a problem, an exception, a kill), the previous file is
byte-identical, and a ``datasette serve -i`` reading it never sees a page
change under it. The price is the copy and its fsync (benchmarks/README.md).
``in_place`` trades that promise for speed: the changes go into the database
itself, in one transaction with SQLite's rollback journal. A problem in the
records still writes nothing (they are all checked before the first write),
an exception rolls the transaction back to the same bytes, and a kill leaves
a journal that the next build rolls back before anything else
(atomic_write.recover_interrupted_write); but a server reading the file with
``-i`` (immutable) ignores journals and may read half a change, so use it
where no such server is running.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from ..schema import VOCABULARIES
from . import writer
from .atomic_write import swapped_in
from .build_summary import BuildSummary
from .data_files import discover_files, links_in
from .manifest import Changes, Manifest, find_changes, read_manifest
from .patch_database import (
    inconsistencies_in_changes,
    replace_rows_of_files,
    replace_vocabularies,
)
from .problems import ProblemLog, inconsistent_database
from .records import RecordLoader
from .reread import RereadRows, reread, sources_of_texts


@dataclass
class Edits:
    """The files that changed since the build that wrote a database."""

    manifest: Manifest  # that build's
    changes: Changes
    # vocabulary -> its rows, when the edits are to vocabularies alone
    vocabularies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def find_edits(data_dir: Path, target: Path) -> Edits | None:
    """The edits since the build that wrote ``target``; None when no
    incremental build can follow them (no manifest describes ``target``, this
    data folder and this code, or a vocabulary changed): build cold."""
    if not target.is_file() or not data_dir.is_dir():
        return None
    if links_in(data_dir):
        return None  # a cold build reports them
    manifest = read_manifest(target, data_dir)
    if manifest is None:
        return None
    changes = find_changes(data_dir, manifest)
    if not changes.vocabulary:
        return Edits(manifest, changes)
    if changes.texts or any(not rel.startswith("vocabularies/") for rel in changes.yaml):
        return None
    vocabularies = _vocabularies_that_keep_their_terms(data_dir, target)
    return None if vocabularies is None else Edits(manifest, changes, vocabularies)


def _vocabularies_that_keep_their_terms(
    data_dir: Path, target: Path
) -> dict[str, list[dict[str, Any]]] | None:
    """Every vocabulary's rows, read and checked as a cold build reads them
    first (raises BuildError); None when a term the database has is gone
    (records using it must be checked again: a cold build does that)."""
    problems = ProblemLog()
    loader = RecordLoader(data_dir, problems)
    files = [(t, p) for t, p in discover_files(data_dir) if t == "vocabulary"]
    rows = dict(loader.load_files(files))
    problems.raise_if_any()
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        for name in VOCABULARIES:
            terms = {row["id"] for row in rows.get(name, [])}
            if any(term not in terms for (term,) in conn.execute(f"SELECT id FROM [{name}]")):
                return None
    finally:
        conn.close()
    return rows


def apply_edits(
    data_dir: Path,
    target: Path,
    edits: Edits,
    started: float,
    on_file: Callable[[Path], None] | None = None,
    in_place: bool = False,
) -> BuildSummary:
    """Update ``target`` with the edits (``started``: the build's start, from
    time.perf_counter). Raises BuildError, leaving ``target`` byte-identical."""
    changes = edits.changes
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        changed = {str(data_dir / rel) for rel in changes.yaml if not changes.vocabulary}
        changed |= sources_of_texts(conn, data_dir, changes.texts)
        if changed:
            read = reread(data_dir, conn, changed, changes.files, on_file)
        else:
            read = RereadRows()
            totals = writer.row_counts(conn), writer.verified_citations(conn)
    finally:
        conn.close()
    if changed or edits.vocabularies:
        manifest = edits.manifest.with_files(changes.files)
        if in_place:
            totals = _patch_in_place(target, read, edits.vocabularies, manifest.token)
        else:
            with swapped_in(target, copy_of=target) as db:
                totals = _patch(db, target, read, edits.vocabularies, manifest.token)
        manifest.write(target)
    elif changes.files != edits.manifest.files:
        # Touched, not changed: remember the new stat, for the same database.
        edits.manifest.with_files(changes.files, edits.manifest.token).write(target)
    tables, verified = totals
    return BuildSummary(
        tables,
        sum(1 for rel in changes.files if not rel.endswith(".txt")),
        verified,
        tables["citations"] - verified,
        time.perf_counter() - started,
        files_reread=read.files_read + len(edits.vocabularies),
        warnings=read.warnings,
    )


def _patch(
    db: sqlite_utils.Database,
    target: Path,
    read: RereadRows,
    vocabularies: dict[str, list[dict[str, Any]]],
    token: int,
) -> tuple[dict[str, int], int]:
    """Patch ``db`` in one transaction (all of it, or on an exception none of
    it); the row counts (checked) and verified citations after."""
    with db.conn:
        expected = replace_rows_of_files(db, read)
        if vocabularies:
            expected.update(replace_vocabularies(db, vocabularies))
        failures = inconsistencies_in_changes(db, read, expected)
        if failures:
            raise inconsistent_database(target, failures)
        # Ties the new manifest to this very file (manifest.read_manifest).
        db.execute(f"PRAGMA user_version = {token}")
    return expected, writer.verified_citations(db.conn)


def _patch_in_place(
    target: Path, read: RereadRows, vocabularies: dict[str, list[dict[str, Any]]], token: int
) -> tuple[dict[str, int], int]:
    """SQLite's own rollback journal instead of a copy: on an exception the
    transaction rolls back and the file is as it was; if the process is
    killed, the journal left beside it rolls it back the next time SQLite
    opens it for writing (but a ``datasette serve -i`` reading it meanwhile
    ignores the journal and may see half a change)."""
    db = sqlite_utils.Database(str(target))
    try:
        db.execute("PRAGMA journal_mode = DELETE")
        db.execute("PRAGMA synchronous = FULL")
        return _patch(db, target, read, vocabularies, token)
    finally:
        db.close()
