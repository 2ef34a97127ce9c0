"""A database is replaced whole or not at all.

A build writes ``.NAME.PID.building`` in the target's folder and renames it
over the target (an atomic rename on POSIX). Any failure, including a kill,
leaves the previous file as it was; a later build removes the temporary
files of builds that died, and rolls back what an in-place incremental
build that was killed left half done. The file a build replaces can stay as
the spare for the next one (spare.py).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from .spare import keep_previous

TEMP_SUFFIX = ".building"


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


@contextmanager
def swapped_in(
    target: Path, copy_of: Path | None = None, claimed: bool = False, keep_spare: bool = False
) -> Iterator[sqlite_utils.Database]:
    """A database written beside ``target`` (new, a copy of ``copy_of``, or
    with ``claimed`` the spare the build renamed to its temporary path) that
    replaces ``target`` with an atomic rename when the block ends; on any
    exception (or a kill) ``target`` is untouched and the temporary file goes.
    With ``keep_spare`` the replaced file stays as the next build's spare;
    without, any spare is removed."""
    temp = temp_path_for(target)
    db: sqlite_utils.Database | None = None
    try:
        if copy_of is not None:
            shutil.copyfile(copy_of, temp)
        db = sqlite_utils.Database(str(temp), recreate=copy_of is None and not claimed)
        # The temporary file is thrown away on any failure, so it needs no
        # journal; durability comes from the fsync before the rename.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        yield db
        db.close()
        db = None
        _fsync(temp)
        keep_previous(target, keep_spare)
        os.replace(temp, target)
        _fsync(target.parent)
    except BaseException:
        if db is not None:
            db.close()
        _unlink(temp)
        _unlink(Path(str(temp) + "-journal"))
        raise


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


def _fsync(path: Path) -> None:
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
