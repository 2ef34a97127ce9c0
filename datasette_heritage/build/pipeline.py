"""Build the database: load everything, write it beside the target, check it,
then swap it in.

A build never touches the previous database until the new one is complete and
checked: it writes ``.NAME.PID.building`` in the target's folder and renames
it over the target (an atomic rename on POSIX). Any failure, including a
kill, leaves the previous file as it was; a later build removes the temporary
files of builds that died.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from . import writer
from .problems import BuildError, Problem, ProblemLog
from .records import LoadStats, RecordLoader

TEMP_SUFFIX = ".building"


@dataclass
class BuildSummary:
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    citations_verified: int = 0
    citations_unverified: int = 0
    seconds: float = 0.0
    # Incremental builds: how many files were read again (None: a cold build).
    files_reread: int | None = None


def temp_path_for(target: Path) -> Path:
    return target.parent / f".{target.name}.{os.getpid()}{TEMP_SUFFIX}"


def remove_stale_temp_files(target: Path) -> None:
    """Delete temporary files left by builds of ``target`` whose process is gone."""
    prefix = f".{target.name}."
    for path in target.parent.glob(f"{prefix}*{TEMP_SUFFIX}*"):
        pid_text = path.name[len(prefix) :].split(".", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and _alive(int(pid_text)):
            continue
        _unlink(path)


def recover_interrupted_write(target: Path) -> None:
    """Roll back what an in-place build that was killed left half done.

    Its SQLite rollback journal is beside the database; SQLite applies it the
    first time it opens the file for writing. Do that now, before the file is
    read or replaced: a journal must never meet another database file."""
    if Path(str(target) + "-journal").exists() and target.is_file():
        conn = sqlite3.connect(str(target))
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def validate(data_dir: Path, on_file: Callable[[Path], None] | None = None) -> LoadStats:
    """Run every check the build runs; write nothing. Raises BuildError."""
    problems = ProblemLog()
    loader = RecordLoader(Path(data_dir), problems, on_file)
    for _ in loader.rows():
        pass
    problems.raise_if_any()
    return loader.stats


def build(
    data_dir: Path,
    db_path: Path,
    on_file: Callable[[Path], None] | None = None,
    incremental: bool = False,
    in_place: bool = False,
) -> BuildSummary:
    """Build ``db_path`` from ``data_dir``. Raises BuildError, leaving any
    existing ``db_path`` untouched.

    With ``incremental``, a build into a database that an incremental build
    wrote reads only the files that changed since (see incremental.py), and
    a cold build records what it read so that the next one can. With
    ``in_place`` too, an incremental build changes ``db_path`` in one SQLite
    transaction instead of a copy (faster for a large database; not while a
    ``datasette serve -i`` is reading it: see incremental.py)."""
    started = time.perf_counter()
    target = Path(db_path)
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
    manifest = None
    if incremental:
        from . import incremental as incremental_build

        summary = incremental_build.build_incrementally(
            Path(data_dir), target, on_file, started, in_place
        )
        if summary is not None:
            return summary
        if Path(data_dir).is_dir():
            manifest = incremental_build.cold_manifest(Path(data_dir))
    problems = ProblemLog()
    loader = RecordLoader(Path(data_dir), problems, on_file)
    with swapped_in(target) as db:
        writer.create_schema(db)
        with db.conn:
            for table, rows in loader.rows():
                if not problems:
                    writer.insert_rows(db, table, rows)
        problems.raise_if_any()
        writer.finish(db)
        failures = writer.check(db, loader.stats.rows)
        if failures:
            raise BuildError(
                [
                    Problem(
                        str(target), 1, "", "database check failed: " + f, "a consistent database"
                    )
                    for f in failures
                ]
            )
        tables = writer.table_counts(db)
        if manifest is not None:
            # Ties the manifest to this very file (incremental.read_manifest).
            db.execute(f"PRAGMA user_version = {manifest.token}")
    if manifest is not None:
        manifest.write(target)
    return BuildSummary(
        tables,
        loader.stats.files,
        loader.stats.citations_verified,
        loader.stats.citations_unverified,
        time.perf_counter() - started,
    )


@contextmanager
def swapped_in(target: Path, copy_of: Path | None = None) -> Iterator[sqlite_utils.Database]:
    """A database written beside ``target`` (new, or a copy of ``copy_of``)
    that replaces ``target`` with an atomic rename when the block ends; on any
    exception (or a kill) ``target`` is untouched and the temporary file goes."""
    temp = temp_path_for(target)
    db: sqlite_utils.Database | None = None
    try:
        if copy_of is not None:
            shutil.copyfile(copy_of, temp)
        db = sqlite_utils.Database(str(temp), recreate=copy_of is None)
        # The temporary file is thrown away on any failure, so it needs no
        # journal; durability comes from the fsync before the rename.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        yield db
        db.close()
        db = None
        _fsync(temp)
        os.replace(temp, target)
        _fsync(target.parent)
    except BaseException:
        if db is not None:
            db.close()
        _unlink(temp)
        _unlink(Path(str(temp) + "-journal"))
        raise


def _fsync(path: Path) -> None:
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
