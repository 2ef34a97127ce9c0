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
change under it. The copy costs the time to copy and fsync the whole file
(benchmarks/README.md), so there is rarely one: the file the previous build
replaced is kept as the spare (spare.py), and when no process has it open the
build patches that instead, with every edit since it was built (found from
the same stat scan, against its own manifest), and swaps it in.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from ..schema import VOCABULARIES
from . import writer
from .atomic_write import swapped_in, temp_path_for
from .build_summary import BuildSummary
from .manifest import Changes, Manifest, changes_since, find_changes, read_manifest
from .patch_database import (
    inconsistencies_in_changes,
    replace_rows_of_files,
    replace_vocabularies,
)
from .problems import ProblemLog, inconsistent_database
from .records import RecordLoader
from .reread import RereadRows, reread, sources_of_texts
from .spare import claim_spare, forget_unused_manifests, release_spare, spare_path


@dataclass
class Edits:
    """The files that changed since the build that wrote a database."""

    manifest: Manifest  # that build's (the target's, or its spare's)
    changes: Changes
    # vocabulary -> its rows, when the edits are to vocabularies alone
    vocabularies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def find_edits(data_dir: Path, target: Path) -> Edits | None:
    """The edits since the build that wrote ``target``; None when no
    incremental build can follow them (no manifest describes ``target``, this
    data folder and this code, or a vocabulary changed): build cold."""
    if not target.is_file() or not data_dir.is_dir():
        return None
    manifest = read_manifest(target, data_dir)
    if manifest is None:
        return None
    links: list[str] = []
    changes = find_changes(data_dir, manifest, links)
    if links:
        return None  # a cold build reports them
    return _followable(data_dir, target, manifest, changes)


def spare_edits(data_dir: Path, target: Path, edits: Edits) -> Edits | None:
    """The edits since the build that wrote the target's spare (spare.py),
    from the files' states ``edits`` found; None when there is no spare, or
    no manifest describes it, or an incremental build cannot follow them."""
    spare = spare_path(target)
    manifest = read_manifest(target, data_dir, spare) if spare.is_file() else None
    if manifest is None:
        return None
    changes = changes_since(manifest, edits.changes.files)
    if changes.vocabulary and edits.vocabularies and _same_vocabularies(manifest, edits.manifest):
        # Vocabulary edits after the target's edits to records: those were
        # checked against the vocabularies the spare has, so they are read
        # again with them, and then the vocabularies replaced (as the target
        # alone would be patched; no term is gone, find_edits saw to that).
        return Edits(manifest, changes, edits.vocabularies)
    return _followable(data_dir, spare, manifest, changes, edits.vocabularies)


def _same_vocabularies(one: Manifest, other: Manifest) -> bool:
    def vocabularies(manifest: Manifest) -> dict[str, str]:
        return {
            rel: state.sha1
            for rel, state in manifest.files.items()
            if rel.startswith("vocabularies/")
        }

    return vocabularies(one) == vocabularies(other)


def _followable(
    data_dir: Path,
    db_path: Path,
    manifest: Manifest,
    changes: Changes,
    vocabularies: dict[str, list[dict[str, Any]]] | None = None,
) -> Edits | None:
    """Edits an incremental build of ``db_path`` can follow, or None; with
    ``vocabularies``, the vocabulary files' rows as already read."""
    if not changes.vocabulary:
        return Edits(manifest, changes)
    if changes.texts or any(not rel.startswith("vocabularies/") for rel in changes.yaml):
        return None
    if not vocabularies:
        vocabularies = _read_vocabularies(data_dir, changes.files)
    return Edits(manifest, changes, vocabularies) if _keeps_terms(db_path, vocabularies) else None


def _read_vocabularies(data_dir: Path, files: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Every vocabulary's rows (``files``: the data folder's, as scanned),
    read and checked as a cold build reads them first (raises BuildError)."""
    problems = ProblemLog()
    loader = RecordLoader(data_dir, problems)
    vocabulary_files = [
        ("vocabulary", data_dir / rel) for rel in files if rel.startswith("vocabularies/")
    ]
    rows = dict(loader.load_files(vocabulary_files))
    problems.raise_if_any()
    return rows


def _keeps_terms(db_path: Path, vocabularies: dict[str, list[dict[str, Any]]]) -> bool:
    """Whether every term the database has is still there (if not, records
    using it must be checked again: a cold build does that)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        for name in VOCABULARIES:
            terms = {row["id"] for row in vocabularies.get(name, [])}
            if any(term not in terms for (term,) in conn.execute(f"SELECT id FROM [{name}]")):
                return False
    finally:
        conn.close()
    return True


def apply_edits(
    data_dir: Path,
    target: Path,
    edits: Edits,
    started: float,
    on_file: Callable[[Path], None] | None = None,
    in_place: bool = False,
    keep_spare: bool = True,
) -> BuildSummary:
    """Update ``target`` with the edits (``started``: the build's start, from
    time.perf_counter). Raises BuildError, leaving ``target`` byte-identical.
    With ``keep_spare`` (and not ``in_place``), the spare is patched when it
    can be, and the replaced file kept as the next spare."""
    changes = edits.changes
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        changed = _changed_record_files(conn, data_dir, edits)
        if not changed:
            totals = writer.row_counts(conn), writer.verified_citations(conn)
    finally:
        conn.close()
    read = RereadRows()
    if changed or edits.vocabularies:
        manifest = edits.manifest.with_files(changes.files)
        if in_place:
            read = _reread(data_dir, target, edits, changed, on_file)
            # Written first: a kill before the commit leaves the old token
            # in the database, and its manifest is still there.
            manifest.write(target)
            totals = _patch_in_place(target, read, edits.vocabularies, manifest.token)
        else:
            base, claimed = target, False
            if keep_spare and (from_spare := spare_edits(data_dir, target, edits)) is not None:
                temp = temp_path_for(target)
                claimed = claim_spare(target, from_spare.manifest.token, temp)
                if claimed:
                    base, edits = temp, from_spare
            try:
                read = _reread(data_dir, base, edits, None if claimed else changed, on_file)
            except BaseException:
                if claimed:
                    release_spare(target, base)  # not written yet: still a good spare
                raise
            copy_of = None if claimed else target
            with swapped_in(target, copy_of, claimed, keep_spare) as db:
                totals = _patch(db, target, read, edits.vocabularies, manifest.token)
                manifest.write(target)  # before the swap: a kill leaves each file its own
        forget_unused_manifests(target, manifest.token)
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


def _changed_record_files(conn: sqlite3.Connection, data_dir: Path, edits: Edits) -> set[str]:
    """The record files the edits change in the database of ``conn``: YAML
    changed, added or removed, and the sources whose text changed."""
    changes = edits.changes
    changed = {str(data_dir / rel) for rel in changes.yaml if not rel.startswith("vocabularies/")}
    return changed | sources_of_texts(conn, data_dir, changes.texts)


def _reread(
    data_dir: Path,
    db_path: Path,
    edits: Edits,
    changed: set[str] | None,
    on_file: Callable[[Path], None] | None,
) -> RereadRows:
    """The files ``edits`` change in ``db_path`` (``changed``, when already
    known) and their dependents, read again with the other records from it."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        if changed is None:
            changed = _changed_record_files(conn, data_dir, edits)
        if not changed:
            return RereadRows()
        return reread(data_dir, conn, changed, edits.changes.files, on_file)
    finally:
        conn.close()


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
