"""Build the database: load everything, write it beside the target, check it,
then swap it in (atomic_write.py); or, when the target was built from the
same folder, patch it with the files that changed (incremental.py).

A build never touches the previous database until the new one is complete and
checked: any failure, including a kill, leaves the previous file as it was.
"""

from __future__ import annotations

import gc
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import summaries, writer
from .atomic_write import recover_interrupted_write, remove_stale_temp_files, swapped_in
from .build_summary import BuildSummary
from .incremental import apply_edits, find_edits
from .manifest import Manifest, take_manifest
from .problems import BuildError, Problem, ProblemLog, inconsistent_database
from .records import RecordLoader
from .spare import forget_unused_manifests

__all__ = ["BuildSummary", "build"]


def build(
    data_dir: Path,
    db_path: Path,
    on_file: Callable[[Path], None] | None = None,
    incremental: bool = False,
    in_place: bool = False,
    allow_empty: bool = False,
    keep_spare: bool = True,
) -> BuildSummary:
    """Build ``db_path`` from ``data_dir``. Raises BuildError, leaving any
    existing ``db_path`` untouched.

    With ``incremental``, a build into a database that an incremental build
    wrote reads only the files that changed since (see incremental.py), and
    a cold build records what it read so that the next one can. With
    ``in_place`` too, an incremental build changes ``db_path`` in one SQLite
    transaction instead of a copy (faster for a large database; not while a
    ``datasette serve -i`` is reading it: see incremental.py). A data folder
    with no records (only vocabularies, or nothing) is a problem unless
    ``allow_empty``: an empty database must not replace a live one by mistake.

    An incremental build keeps the file it replaces beside ``db_path`` as
    ``.NAME.previous`` (spare.py) and, when it can, patches that file
    instead of copying the database; without ``keep_spare`` it removes it."""
    started = time.perf_counter()
    data_dir, target = Path(data_dir), Path(db_path)
    if target.exists() and target.is_dir():
        raise BuildError(
            [Problem(str(target), 1, "", "is a directory", "a path for the database file")]
        )
    if not target.parent.is_dir():
        raise BuildError(
            [
                Problem(
                    str(target),
                    1,
                    "",
                    f"no folder {str(target.parent)!r}",
                    "an existing folder for the database",
                )
            ]
        )
    remove_stale_temp_files(target)
    recover_interrupted_write(target)
    try:
        with _cyclic_collector_paused():
            summary = _build(
                data_dir, target, on_file, started, incremental, in_place, allow_empty, keep_spare
            )
    except sqlite3.Error as error:
        # A full disk, a folder that is not writable ...: one line, and the
        # previous database is as it was (the temporary copy is gone).
        raise BuildError(
            [
                Problem(
                    str(target),
                    1,
                    "",
                    f"cannot write the database: {error}",
                    "free disk space and a writable folder",
                )
            ]
        ) from None
    return summary


@contextmanager
def _cyclic_collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while building: the loader makes
    millions of small dicts and lists, none of them in a cycle, and the
    collector would walk the live ones over and over (benchmarks/README.md)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(
    data_dir: Path,
    target: Path,
    on_file: Callable[[Path], None] | None,
    started: float,
    incremental: bool,
    in_place: bool,
    allow_empty: bool,
    keep_spare: bool,
) -> BuildSummary:
    if not incremental:
        return _build_cold(data_dir, target, on_file, started, None, allow_empty)
    edits = find_edits(data_dir, target)
    if edits is None:
        manifest = take_manifest(data_dir) if data_dir.is_dir() else None
        return _build_cold(data_dir, target, on_file, started, manifest, allow_empty, keep_spare)
    summary = apply_edits(data_dir, target, edits, started, on_file, in_place, keep_spare)
    _refuse_empty(target, summary.tables, allow_empty, written=True)
    return summary


# Record tables: a database without a row in any of them has no records.
RECORDS = ("sites", "monuments", "sources", "events")


def _refuse_empty(
    target: Path, tables: dict[str, int], allow_empty: bool, written: bool = False
) -> None:
    if allow_empty or any(tables.get(table) for table in RECORDS):
        return
    # An incremental build that emptied the database has swapped it in
    # already; it cannot be refused after the fact, only said.
    what = "was built and replaced the previous one" if written else "was not written"
    raise BuildError(
        [
            Problem(
                str(target),
                1,
                "",
                f"the data folder has no sites, monuments, sources or events: the database {what}",
                "records under sites/, monuments/, sources/ and events/, or --allow-empty",
            )
        ]
    )


def _build_cold(
    data_dir: Path,
    target: Path,
    on_file: Callable[[Path], None] | None,
    started: float,
    manifest: Manifest | None,
    allow_empty: bool = False,
    keep_spare: bool = False,
) -> BuildSummary:
    """Read every file; write a new database and swap it in. With a
    ``manifest`` (taken before reading), record it for the next build, and
    with ``keep_spare`` too keep the replaced file as the spare."""
    problems = ProblemLog()
    loader = RecordLoader(data_dir, problems, on_file)
    with swapped_in(target, keep_spare=keep_spare and manifest is not None) as db:
        writer.create_schema(db)
        with db.conn:
            for table, rows in loader.rows():
                if not problems:
                    writer.insert_rows(db, table, rows)
        problems.raise_if_any()
        writer.create_indexes(db)
        with db.conn:
            writer.update_conditions(db)
            summaries.write(db.conn)
        writer.create_full_text_search(db)
        writer.create_views(db)
        writer.gather_statistics(db)
        failures = writer.inconsistencies(db, loader.stats.rows)
        if failures:
            raise inconsistent_database(target, failures)
        tables = writer.row_counts(db.conn)
        _refuse_empty(target, tables, allow_empty)
        if manifest is not None:
            # Ties the manifest to this very file (manifest.read_manifest);
            # written before the swap, so a kill leaves each file its own.
            db.execute(f"PRAGMA user_version = {manifest.token}")
            manifest.write(target)
    forget_unused_manifests(target, manifest.token if manifest is not None else None)
    return BuildSummary(
        tables,
        loader.stats.files,
        loader.stats.citations_verified,
        loader.stats.citations_unverified,
        time.perf_counter() - started,
        warnings=loader.stats.warnings,
    )
