"""The manifest of a build: which files it read (path, size, mtime, SHA-1),
and what changed in the data folder since.

It is kept in the user's cache folder, tied to the database it describes by
a token in that database's ``PRAGMA user_version``; a manifest whose token,
data folder or code fingerprint does not match is ignored (the next build
is cold). Not beside the database, so publishing the folder publishes
nothing extra; not in it, so its tables stay the public schema.

A database path has one manifest per token: the build's spare (spare.py),
the file the last build replaced, is found by its own token, and a new
manifest is written before the swap, so a kill on either side of the rename
leaves each file with the manifest that describes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .data_files import FOLDERS, RECORD_SUFFIXES, walk

FORMAT = 1
CACHE_ENV = "HERITAGE_CACHE_DIR"
# Files modified this close to the snapshot may change again within the same
# mtime tick; they are hashed on the next build instead of trusted by stat.
RACY_SECONDS = 2.0
# A racy file's mtime in the manifest: it never matches a stat.
UNTRUSTED_MTIME = -1


class FileState(NamedTuple):
    """What the manifest knows of one file (a JSON list in the manifest)."""

    size: int
    mtime_ns: int
    sha1: str


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "datasette-heritage"


def _key(db_path: Path) -> str:
    return hashlib.sha1(str(Path(db_path).resolve()).encode()).hexdigest()[:20]


def manifest_path(db_path: Path, token: int) -> Path:
    """Where the manifest of the build of ``db_path`` tied by ``token`` is."""
    return cache_dir() / f"build-{_key(db_path)}-{token}.json"


def forget_other_manifests(db_path: Path, keep: set[int]) -> None:
    """Remove the manifests of ``db_path`` whose token is not in ``keep``
    (those of files that are gone)."""
    prefix = f"build-{_key(db_path)}-"
    try:
        for path in cache_dir().glob(f"{prefix}*.json"):
            token = path.name[len(prefix) : -len(".json")]
            if not token.isdigit() or int(token) not in keep:
                path.unlink(missing_ok=True)
    except OSError:
        pass  # a stale manifest is ignored anyway (its token matches no file)


def code_fingerprint() -> str:
    """A digest of the code and schemas that decide what a build writes: a
    manifest made by other code is not trusted."""
    package = Path(__file__).parent.parent
    digest = hashlib.sha1(f"{FORMAT}".encode())
    code = sorted((package / "build").glob("*.py"))
    code += [package / "dates.py", package / "schema.py", package / "folding.py"]
    for path in code + sorted((package / "schemas").glob("*.json")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def stat_data_files(data_dir: Path, links: list[str] | None = None) -> dict[str, os.stat_result]:
    """Every file a build reads, by path relative to data_dir (POSIX), in
    load order (record type by record type, then path), then the texts; the
    symbolic links met on the way are added to ``links``."""
    found: dict[str, os.stat_result] = {}
    texts: dict[str, os.stat_result] = {}
    for _, folder in FOLDERS:
        suffixes = RECORD_SUFFIXES + (".txt",) if folder == "sources" else RECORD_SUFFIXES
        # One walk of the sources folder for records and texts alike.
        for parts, _, stat in walk(Path(data_dir) / folder, suffixes, True, links):
            assert stat is not None  # asked for
            rel = folder + "/" + "/".join(parts)
            (texts if rel.endswith(".txt") else found)[rel] = stat
    found.update(texts)
    return found


def _sha1(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha1").hexdigest()


def file_states(
    data_dir: Path,
    stats: dict[str, os.stat_result],
    previous: dict[str, FileState] | None = None,
) -> dict[str, FileState]:
    """The manifest entries for these files; hashes reused where stat agrees."""
    now = time.time_ns()
    files = {}
    for rel, st in stats.items():
        old = (previous or {}).get(rel)
        if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns and old.sha1:
            digest = old.sha1
        else:
            digest = _sha1(data_dir / rel)
        racy = st.st_mtime_ns > now - RACY_SECONDS * 1e9
        files[rel] = FileState(st.st_size, UNTRUSTED_MTIME if racy else st.st_mtime_ns, digest)
    return files


@dataclass
class Manifest:
    fingerprint: str
    data_dir: str
    token: int
    files: dict[str, FileState]

    def write(self, db_path: Path) -> None:
        path = manifest_path(db_path, self.token)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(f".{path.name}.{os.getpid()}")
            temp.write_text(
                json.dumps(
                    {
                        "format": FORMAT,
                        "fingerprint": self.fingerprint,
                        "data_dir": self.data_dir,
                        "token": self.token,
                        "files": self.files,
                    }
                ),
                encoding="utf-8",
            )
            os.replace(temp, path)
        except OSError:
            pass  # no cache: the next build is cold, which is slower, not wrong

    def with_files(self, files: dict[str, FileState], token: int | None = None) -> Manifest:
        """The manifest of the same data folder and code, with these files;
        tied to the database by ``token``, or by a new one for these files."""
        return Manifest(
            self.fingerprint, self.data_dir, token_for(files) if token is None else token, files
        )


def token_for(files: dict[str, FileState]) -> int:
    """The number that ties a manifest to its database (``PRAGMA user_version``)."""
    # Files are in scan order, the same for the same folder: no sorting.
    digest = hashlib.sha1(json.dumps(files).encode()).hexdigest()
    return int(digest[:7], 16) + 1  # positive, fits user_version


def take_manifest(data_dir: Path) -> Manifest:
    """The manifest a cold build records: taken before it reads anything, so
    an edit made while it runs shows as a change next time."""
    files = file_states(data_dir, stat_data_files(data_dir))
    return Manifest(code_fingerprint(), str(data_dir), token_for(files), files)


def read_manifest(db_path: Path, data_dir: Path, database: Path | None = None) -> Manifest | None:
    """The manifest of db_path, if there is one that describes that very file
    (or ``database``: its spare), this data folder and this code."""
    try:
        conn = sqlite3.connect(f"file:{database or db_path}?mode=ro", uri=True)
        try:
            token = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
        raw = json.loads(manifest_path(db_path, token).read_text(encoding="utf-8"))
    except (OSError, ValueError, sqlite3.Error):
        return None
    if (
        raw.get("format") != FORMAT
        or raw.get("token") != token
        or token == 0
        or raw.get("data_dir") != str(data_dir)
        or raw.get("fingerprint") != code_fingerprint()
    ):
        return None
    try:
        files = {rel: FileState(*entry) for rel, entry in raw["files"].items()}
    except (AttributeError, TypeError):
        return None
    return Manifest(raw["fingerprint"], raw["data_dir"], raw["token"], files)


@dataclass
class Changes:
    """What differs between the data folder and a manifest (paths relative to
    the data folder)."""

    yaml: set[str] = field(default_factory=set)  # changed, added or removed YAML
    texts: set[str] = field(default_factory=set)  # changed, added or removed .txt
    files: dict[str, FileState] = field(default_factory=dict)  # the new manifest's entries

    @property
    def vocabulary(self) -> bool:
        return any(rel.startswith("vocabularies/") for rel in self.yaml)


def changes_since(manifest: Manifest, files: dict[str, FileState]) -> Changes:
    """What differs between an older manifest and the data folder's ``files``
    (their states, as find_changes gives them): by hash, nothing read again."""
    result = Changes(files=files)
    for rel, entry in files.items():
        old = manifest.files.get(rel)
        if old is None or old.sha1 != entry.sha1:
            (result.texts if rel.endswith(".txt") else result.yaml).add(rel)
    for rel in manifest.files.keys() - files.keys():
        (result.texts if rel.endswith(".txt") else result.yaml).add(rel)
    return result


def find_changes(data_dir: Path, manifest: Manifest, links: list[str] | None = None) -> Changes:
    """Stat every file, hashing only those whose size or mtime moved; the
    symbolic links met are added to ``links``."""
    stats = stat_data_files(data_dir, links)
    result = Changes()
    for rel, st in stats.items():
        old = manifest.files.get(rel)
        if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
            result.files[rel] = old
            continue
        entry = file_states(data_dir, {rel: st})[rel]
        result.files[rel] = entry
        if old is None or old.sha1 != entry.sha1:
            (result.texts if rel.endswith(".txt") else result.yaml).add(rel)
    for rel in manifest.files.keys() - stats.keys():
        (result.texts if rel.endswith(".txt") else result.yaml).add(rel)
    return result
