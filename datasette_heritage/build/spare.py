"""The spare: the database file the previous build replaced, kept beside the
target (``.NAME.previous``) so that the next incremental build can bring it
up to date in place instead of copying the whole target.

A build that replaces the target gives the old file a second name (the
spare) before the rename, so nothing is copied: the target's previous
generation simply stays on disk, as large as the target. The next
incremental build renames the spare to its own temporary name, patches it
with everything that changed since it was built (two builds' edits), fsyncs
it and renames it over the target, which becomes the new spare. So the
target itself is never written, as with a copy.

The spare is rewritten only when that is sure to be harmless:

- its ``PRAGMA user_version`` is the token of a manifest of this target, data
  folder and code (manifest.read_manifest), so its contents are known;
- it has no other name (a kill between the link and the rename leaves the
  spare and the target one file; a user's hard link too);
- no process has it open: a server that opened the target before a build
  replaced it still reads the old file, which is now the spare. Linux
  answers that for every process of every user with a write lease
  (``F_SETLEASE``), granted only to a file no one else has open; elsewhere,
  or on a network or unknown filesystem (whose other readers no lease sees),
  the build copies the target as before.

Otherwise the spare is dropped and the build copies the target. A kill at
any moment leaves at worst a temporary file, removed by the next build
(atomic_write.remove_stale_temp_files): the spare is never written under its
own name, and a half-written file never has it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no leases, so the build always copies
    fcntl = None  # type: ignore[assignment]

from .manifest import forget_other_manifests

SPARE_SUFFIX = ".previous"
# Filesystems on a local disk (or in memory): any process that has a file
# open is on this machine, where a lease sees it.
LOCAL_FILESYSTEMS = frozenset(
    {"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "tmpfs", "bcachefs", "jfs", "zfs"}
)
_SQLITE_MAGIC = b"SQLite format 3\x00"


def spare_path(target: Path) -> Path:
    return target.parent / f".{target.name}{SPARE_SUFFIX}"


def database_token(path: Path) -> int | None:
    """The ``PRAGMA user_version`` of an SQLite file, read from its header
    without opening it in SQLite; None if it is not one."""
    try:
        with open(path, "rb") as f:
            return _header_token(f.read(100))
    except OSError:
        return None


def _header_token(header: bytes) -> int | None:
    """The user_version in an SQLite file's first 100 bytes."""
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        return None
    return int.from_bytes(header[60:64], "big", signed=True)


def claim_spare(target: Path, token: int, temp: Path) -> bool:
    """Rename the spare to ``temp`` (this build's temporary path) for the
    build to patch, if it is the file of manifest ``token`` and nobody else
    has it open. Otherwise False, and a spare that cannot be used is gone."""
    if not hasattr(fcntl, "F_SETLEASE"):
        return False  # not Linux: no way to know who has it open
    try:
        os.rename(spare_path(target), temp)
    except OSError:
        return False
    if _only_ours(temp, token):
        return True
    temp.unlink(missing_ok=True)
    return False


def release_spare(target: Path, temp: Path) -> None:
    """Give an unwritten claimed spare its name back (a build that stopped
    at a problem in the records)."""
    try:
        os.rename(temp, spare_path(target))
    except OSError:
        temp.unlink(missing_ok=True)


def _only_ours(path: Path, token: int) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or not _on_local_disk(st.st_dev):
            return False
        header = os.pread(fd, 100, 0)
        if not _whole_database(header, st.st_size) or _header_token(header) != token:
            return False
        try:
            # Granted only when no other open file (any process, any user)
            # refers to it; dropped at once: the file's name is ours now,
            # so no one opens it afresh.
            fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
            fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        except OSError:
            return False
        return True
    finally:
        os.close(fd)


def _whole_database(header: bytes, size: int) -> bool:
    """Whether ``header`` is an SQLite header whose page count fits ``size``
    (a file cut short is not used, however it came to be)."""
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        return False
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count is valid when its "version valid for" matches the
    # change counter (SQLite >= 3.7.0 writes both).
    if header[92:96] != header[24:28]:
        return False
    return pages > 0 and size == pages * page_size


def _on_local_disk(device: int) -> bool:
    """Whether the filesystem of ``device`` (st_dev) is a local one."""
    wanted = f"{os.major(device)}:{os.minor(device)}"
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                fields = line.split()
                if len(fields) > 7 and fields[2] == wanted and "-" in fields[6:]:
                    return fields[fields.index("-", 6) + 1] in LOCAL_FILESYSTEMS
    except OSError:
        pass
    return False


def keep_previous(target: Path, keep: bool) -> None:
    """Before a new file is renamed over ``target``: make the current one the
    spare (a second name, nothing copied), or with ``keep`` False just
    remove any spare."""
    spare = spare_path(target)
    spare.unlink(missing_ok=True)
    if keep and target.is_file() and not target.is_symlink():
        try:
            os.link(target, spare)
        except OSError:
            pass  # no spare: the next build copies, which is slower, not wrong


def forget_unused_manifests(target: Path, token: int | None) -> None:
    """Keep the manifests of the target (tied by ``token``, None when it has
    none) and of its spare; remove the others."""
    keep = {token, database_token(spare_path(target))}
    forget_other_manifests(target, {t for t in keep if t})
