"""Where the records are: one folder under ``data/`` per record type, read in
dependency order, and the files in them.

The build reads nothing outside its data folder: a symbolic link (to a file
or a folder) anywhere in it is reported, never followed, and a file is read
only if it is a regular file (not a FIFO or a device) of bounded size. A
contributor's ``sources/x.txt -> /proc/self/environ`` would otherwise be
stored in ``sources.text`` and published."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# Folder under data/ for each record type, in the order they are loaded.
FOLDERS = (
    ("vocabulary", "vocabularies"),
    ("site", "sites"),
    ("monument", "monuments"),
    ("source", "sources"),
    ("event", "events"),
)
RECORD_SUFFIXES = (".yml", ".yaml")
# The largest record file read (the synthetic corpus's are about 1 MB for
# 1,000 events); its parse takes several times that in memory.
MAX_YAML_BYTES = 50_000_000
LINK = "is a symbolic link: the build reads only what is inside the data folder"
LINK_EXPECTED = "a file or folder, not a link to one"


class NotAPlainFile(Exception):
    """A path the build will not read: a link, a special file, or too large."""

    def __init__(self, message: str, expected: str):
        super().__init__(message)
        self.message, self.expected = message, expected


def read_data_file(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file reached without following a link, at most
    ``limit`` of them. Raises NotAPlainFile, or OSError when it cannot be read."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    if not hasattr(os, "O_NOFOLLOW") and os.path.islink(path):
        raise NotAPlainFile(LINK, LINK_EXPECTED)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise NotAPlainFile(LINK, LINK_EXPECTED) from None
        raise
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotAPlainFile("is not a regular file", "a file of text")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise NotAPlainFile(
            f"is larger than {limit:,} bytes", f"at most {limit:,} bytes: split it or shorten it"
        )
    return data


# The table of each record type (vocabularies: one table per file).
RECORD_TABLES = {"site": "sites", "monument": "monuments", "source": "sources", "event": "events"}


def discover_files(data_dir: Path, links: list[str] | None = None) -> list[tuple[str, Path]]:
    """Every record file under data_dir as (record type, path), in load order;
    the symbolic links met on the way are added to ``links``."""
    found: list[tuple[str, Path]] = []
    for record_type, folder in FOLDERS:
        found.extend(
            (record_type, Path(path))
            for _, path, _ in walk(Path(data_dir) / folder, RECORD_SUFFIXES, links=links)
        )
    return found


def walk(
    base: Path,
    suffixes: tuple[str, ...],
    with_stat: bool = False,
    links: list[str] | None = None,
) -> list[tuple[tuple[str, ...], str, os.stat_result | None]]:
    """Files under ``base`` whose suffix is one of ``suffixes``, in the order
    their paths sort: (path parts below base, path, stat if asked). No link
    is followed: each one met (``base`` itself included) is added to
    ``links`` instead.

    os.scandir, not Path.rglob: a folder entry says whether it is a file
    without another system call, and no Path object is made per entry, which
    matters for the 40,000 files of a corpus of a million citations."""
    found: list[tuple[tuple[str, ...], str, os.stat_result | None]] = []

    def visit(folder: str, parts: tuple[str, ...]) -> None:
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return
        for entry in entries:
            if entry.is_symlink():
                # A link that could stand for a file or folder read here (a
                # linked text is refused where its source names it).
                if links is not None and (
                    os.path.splitext(entry.name)[1] in suffixes or entry.is_dir()
                ):
                    links.append(entry.path)
            elif entry.is_dir(follow_symlinks=False):
                visit(entry.path, parts + (entry.name,))
            elif os.path.splitext(entry.name)[1] in suffixes and entry.is_file(
                follow_symlinks=False
            ):
                found.append(
                    (parts + (entry.name,), entry.path, entry.stat() if with_stat else None)
                )

    if os.path.islink(base):
        if links is not None:
            links.append(str(base))
        return found
    visit(str(base), ())
    found.sort(key=lambda item: item[0])
    return found
