"""Incremental builds: after an edit, re-read only what changed.

The previous database is the cache of parsed rows: every row records the file
it came from (``record_file``). A manifest of the files it was built from
(path, size, mtime, SHA-1) is kept in the user's cache directory, tied to
that database by a token in its ``PRAGMA user_version``; a manifest whose
token, data folder, or code fingerprint does not match is ignored and the
build is cold. (Not beside the database, so publishing the folder publishes
nothing extra; not in it, so its tables stay the public schema.)

A build into an existing database then:

1. stats every file (hashing only those whose size or mtime moved) to find
   the YAML files that changed, were added or removed, and the source YAML
   files whose text file changed; a change to a vocabulary means a cold build;
2. loads just those files, record type by record type, with the loader's
   view of every other record (ids, sites of monuments, source texts) read
   from the previous database. Records elsewhere that depend on a record
   that changed (a monument's site, an event's monuments, sources, or a
   source's text) have their files loaded too, so every check a cold build
   makes is made again where its answer could differ, and problems are the
   ones a cold build reports. Nothing is written if there is a problem;
3. copies the previous database beside the target, deletes the changed
   files' rows from the copy, inserts the new ones, updates full-text search
   and the derived columns of the events and monuments they touch, checks
   the foreign keys of what changed and every table's row count, and swaps
   the copy in with an atomic rename, as a cold build does.

Copying, not changing the previous file in place, keeps the build's promise:
whatever happens (a problem, an exception, a kill), the previous file is
byte-identical, and a ``datasette serve -i`` reading it never sees a page
change under it. The price is the copy and its fsync: seconds for a 1 GB
database (benchmarks/README.md). ``in_place`` trades that promise for speed:
the changes go into the database itself, in one transaction with SQLite's
rollback journal. A problem in the records still writes nothing (they are
all checked before the first write), an exception rolls the transaction
back to the same bytes, and a kill leaves a journal that the next build
rolls back before anything else (build.recover_interrupted_write); but a
server reading the file with ``-i`` (immutable) ignores journals and may
read half a change, so use it where no such server is running.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..schema import VOCABULARIES
from . import writer
from .problems import BuildError, Problem, ProblemLog
from .records import FOLDERS, RecordLoader, discover_files, walk

FORMAT = 1
CACHE_ENV = "HERITAGE_CACHE_DIR"
# Files modified this close to the snapshot may change again within the same
# mtime tick; they are hashed on the next build instead of trusted by stat.
RACY_SECONDS = 2.0
TYPE_OF_FOLDER = {folder: record_type for record_type, folder in FOLDERS}
TABLE_OF_TYPE = {"site": "sites", "monument": "monuments", "source": "sources", "event": "events"}
# Files whose contents decide what the build writes, for the fingerprint.
_CODE = (
    "build/records.py",
    "build/writer.py",
    "dates.py",
    "build/quotes.py",
    "build/schema_check.py",
    "build/safe_yaml.py",
    "build/problems.py",
    "build/incremental.py",
)


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "datasette-heritage"


def manifest_path(db_path: Path) -> Path:
    key = hashlib.sha1(str(Path(db_path).resolve()).encode()).hexdigest()[:20]
    return cache_dir() / f"build-{key}.json"


def code_fingerprint() -> str:
    digest = hashlib.sha1(f"{FORMAT}".encode())
    here = Path(__file__).parent.parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    for path in sorted((here / "schemas").glob("*.json")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


# -- the files -----------------------------------------------------------------

FileState = list[Any]  # [size, mtime_ns, sha1]


def scan(data_dir: Path) -> dict[str, os.stat_result]:
    """Every file a build reads, by path relative to data_dir (POSIX)."""
    found = {}
    for folder, suffixes in [(f, (".yml", ".yaml")) for _, f in FOLDERS] + [("sources", (".txt",))]:
        for parts, _, stat in walk(Path(data_dir) / folder, suffixes, with_stat=True):
            found[folder + "/" + "/".join(parts)] = stat
    return found


def _sha1(path: Path) -> str:
    with open(path, "rb") as f:
        return (
            hashlib.file_digest(f, "sha1").hexdigest()
            if hasattr(hashlib, "file_digest")
            else hashlib.sha1(f.read()).hexdigest()
        )


def snapshot(
    data_dir: Path, stats: dict[str, os.stat_result], previous: dict[str, FileState] | None = None
) -> dict[str, FileState]:
    """The manifest entries for these files; hashes reused where stat agrees."""
    now = time.time_ns()
    files = {}
    for rel, st in stats.items():
        old = (previous or {}).get(rel)
        if old and old[0] == st.st_size and old[1] == st.st_mtime_ns and old[2]:
            digest = old[2]
        else:
            digest = _sha1(data_dir / rel)
        racy = st.st_mtime_ns > now - RACY_SECONDS * 1e9
        files[rel] = [st.st_size, -1 if racy else st.st_mtime_ns, digest]
    return files


@dataclass
class Manifest:
    fingerprint: str
    data_dir: str
    token: int
    files: dict[str, FileState]

    def write(self, db_path: Path) -> None:
        path = manifest_path(db_path)
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

    @staticmethod
    def token_for(files: dict[str, FileState]) -> int:
        # Files are in scan order, the same for the same folder: no sorting.
        digest = hashlib.sha1(json.dumps(files).encode()).hexdigest()
        return int(digest[:7], 16) + 1  # positive, fits user_version


def read_manifest(db_path: Path, data_dir: Path) -> Manifest | None:
    """The manifest of db_path, if it describes that file, this data folder and code."""
    try:
        raw = json.loads(manifest_path(db_path).read_text(encoding="utf-8"))
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            token = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
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
    return Manifest(raw["fingerprint"], raw["data_dir"], raw["token"], raw["files"])


@dataclass
class Changes:
    yaml: set[str] = field(default_factory=set)  # changed, added or removed YAML (relative)
    texts: set[str] = field(default_factory=set)  # changed, added or removed .txt (relative)
    files: dict[str, FileState] = field(default_factory=dict)  # the new manifest's entries

    @property
    def vocabulary(self) -> bool:
        return any(rel.startswith("vocabularies/") for rel in self.yaml)


def changes(data_dir: Path, manifest: Manifest) -> Changes:
    stats = scan(data_dir)
    result = Changes()
    for rel, st in stats.items():
        old = manifest.files.get(rel)
        if old and old[0] == st.st_size and old[1] == st.st_mtime_ns:
            result.files[rel] = old
            continue
        entry = snapshot(data_dir, {rel: st})[rel]
        result.files[rel] = entry
        if old is None or old[2] != entry[2]:
            (result.texts if rel.endswith(".txt") else result.yaml).add(rel)
    for rel in manifest.files.keys() - stats.keys():
        (result.texts if rel.endswith(".txt") else result.yaml).add(rel)
    return result


# -- the loader's view of the records that are not re-read ------------------------


class _FromDatabase:
    """A mapping (and set) over the previous database's records, minus those of
    the files being re-read, plus what this build has loaded so far."""

    def __init__(self, conn: sqlite3.Connection, table: str, columns: str, excluded: Iterable[str]):
        self.conn = conn
        self.table = table
        self.columns = columns
        self.excluded = json.dumps(sorted(excluded))
        self.added: dict[str, Any] = {}
        self.cache: dict[str, Any] = {}

    def _where(self) -> str:
        return "record_file NOT IN (SELECT value FROM json_each(?))"

    def _lookup(self, key: str) -> Any:
        if key in self.added:
            return self.added[key]
        if key not in self.cache:
            row = self.conn.execute(
                f"SELECT {self.columns} FROM [{self.table}] WHERE id = ? AND {self._where()}",
                (key, self.excluded),
            ).fetchone()
            self.cache[key] = _MISSING if row is None else (row[0] if len(row) == 1 else row)
        return self.cache[key]

    def __contains__(self, key: Any) -> bool:
        return isinstance(key, str) and self._lookup(key) is not _MISSING

    def __getitem__(self, key: str) -> Any:
        value = self._lookup(key)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self.added[key] = value

    def add(self, key: str) -> None:
        self.added[key] = True

    def _ids(self) -> list[str]:
        # Only on the way to an error message (a "did you mean" over all ids).
        ids = [
            row[0]
            for row in self.conn.execute(
                f"SELECT id FROM [{self.table}] WHERE {self._where()}", (self.excluded,)
            )
        ]
        return ids + [key for key in self.added if key not in set(ids)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids())

    def __len__(self) -> int:
        return len(self._ids())


_MISSING = object()


class _Seen(_FromDatabase):
    """Ids already defined, by (file, line). Knows when an id is defined in a
    file that loads after the one being read: a cold build would report the
    duplicate there, so that file must be re-read too."""

    def __init__(
        self, conn: sqlite3.Connection, table: str, excluded: Iterable[str], order: dict[str, int]
    ):
        super().__init__(conn, table, "record_file, record_line", excluded)
        self.order = order
        self.current = ""
        self.later: set[str] = set()

    def _lookup(self, key: str) -> Any:
        value = super()._lookup(key)
        if (
            value is not _MISSING
            and key not in self.added
            and self.order.get(value[0], -1) > self.order.get(self.current, -1)
        ):
            self.later.add(value[0])
        return value


# -- the build ---------------------------------------------------------------------


@dataclass
class Loaded:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, set[str]] = field(default_factory=dict)  # record type -> displays
    files_read: int = 0
    citations_verified: int = 0
    citations_unverified: int = 0


def load_changed(
    data_dir: Path,
    conn: sqlite3.Connection,
    dirty: set[str],
    on_file: Callable[[Path], None] | None = None,
    scanned: Iterable[str] | None = None,
) -> Loaded:
    """Load the dirty files (displays) and those that depend on what changed in
    them. Raises BuildError with the problems a cold build would report.
    ``scanned``: the relative paths scan() found, in its order (the load
    order), so as not to walk the folders twice."""
    if scanned is None:
        all_files = [(t, str(path)) for t, path in discover_files(data_dir)]
    else:
        all_files = [
            (TYPE_OF_FOLDER[rel.split("/", 1)[0]], str(data_dir / rel))
            for rel in scanned
            if not rel.endswith(".txt")
        ]
    order = {display: i for i, (_, display) in enumerate(all_files)}
    type_of = {display: t for t, display in all_files}
    for display in dirty:  # removed files: their type is their folder's
        if display not in type_of:
            folder = Path(display).relative_to(data_dir).parts[0]
            type_of[display] = TYPE_OF_FOLDER[folder]
    dirty = set(dirty)
    while True:
        loaded, later = _load_once(data_dir, conn, dirty, order, type_of, on_file)
        if not later - dirty:
            return loaded
        dirty |= later  # a duplicate id in a file that loads later: re-read it too


def _load_once(
    data_dir: Path,
    conn: sqlite3.Connection,
    dirty: set[str],
    order: dict[str, int],
    type_of: dict[str, str],
    on_file: Callable[[Path], None] | None,
) -> tuple[Loaded, set[str]]:
    problems = ProblemLog()
    loader = RecordLoader(data_dir, problems, on_file)
    loaded = Loaded()
    by_type = {t: {d for d in dirty if type_of[d] == t} for t in TABLE_OF_TYPE}
    _prepare(loader, conn, by_type, order)
    later: set[str] = set()
    for record_type, _table in TABLE_OF_TYPE.items():
        files = by_type[record_type]
        if record_type == "monument":
            files |= _dependents(conn, by_type, loaded, "site", "monuments", "site_id")
        if record_type == "event":
            files |= _event_dependents(conn, by_type, loaded)
        by_type[record_type] = files
        _exclude(loader, record_type, files)
        loaded.files[record_type] = files
        seen = loader.seen[record_type]
        for display in sorted(files, key=lambda d: order.get(d, -1)):
            if display not in order:
                continue  # removed: its rows go, nothing to read
            seen.current = display
            loaded.files_read += 1
            for table_name, rows in loader.load_files([(record_type, Path(display))]):
                loaded.rows.setdefault(table_name, []).extend(rows)
        later |= seen.later
    loaded.citations_verified = loader.stats.citations_verified
    loaded.citations_unverified = loader.stats.citations_unverified
    if later - dirty:
        return loaded, later
    problems.raise_if_any()
    return loaded, later


def _prepare(
    loader: RecordLoader,
    conn: sqlite3.Connection,
    by_type: dict[str, set[str]],
    order: dict[str, int],
) -> None:
    """Point the loader's view of other records at the previous database."""
    for name in VOCABULARIES:
        ids = [row[0] for row in conn.execute(f"SELECT id FROM [{name}]")]
        loader.vocab[name] = set(ids)
        for term in ids:
            loader.seen["vocabulary"][f"{name}:{term}"] = (name, 1)
    loader.ranks = {
        rank: term
        for term, rank in conn.execute("SELECT id, rank FROM damage_levels WHERE rank IS NOT NULL")
    }
    for record_type, table in TABLE_OF_TYPE.items():
        loader.seen[record_type] = _Seen(conn, table, by_type[record_type], order)
    loader.site_ids = _FromDatabase(conn, "sites", "1", by_type["site"])
    loader.monument_sites = _FromDatabase(conn, "monuments", "site_id", by_type["monument"])
    loader.source_texts = _FromDatabase(conn, "sources", "text", by_type["source"])


def _exclude(loader: RecordLoader, record_type: str, files: set[str]) -> None:
    """Files added to a type's set after _prepare: hide their old records too."""
    excluded = json.dumps(sorted(files))
    views = [loader.seen[record_type]]
    views += {
        "site": [loader.site_ids],
        "monument": [loader.monument_sites],
        "source": [loader.source_texts],
    }.get(record_type, [])
    for view in views:
        if view.excluded != excluded:
            view.excluded = excluded
            view.cache.clear()


def _changed_ids(
    conn: sqlite3.Connection,
    table: str,
    files: set[str],
    new_rows: list[dict],
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


def _dependents(
    conn: sqlite3.Connection,
    by_type: dict[str, set[str]],
    loaded: Loaded,
    upstream: str,
    table: str,
    column: str,
) -> set[str]:
    ids = _changed_ids(
        conn,
        TABLE_OF_TYPE[upstream],
        by_type[upstream],
        loaded.rows.get(TABLE_OF_TYPE[upstream], []),
        (),
    )
    return _files_referring(
        conn,
        f"SELECT DISTINCT record_file FROM [{table}] WHERE "
        f"{column} IN (SELECT value FROM json_each(?))",
        ids,
    )


def _event_dependents(
    conn: sqlite3.Connection, by_type: dict[str, set[str]], loaded: Loaded
) -> set[str]:
    """Event files whose checks could come out differently: they refer to a
    site, monument or source that is gone or changed."""
    files = _dependents(conn, by_type, loaded, "site", "events", "site_id")
    monuments = _changed_ids(
        conn, "monuments", by_type["monument"], loaded.rows.get("monuments", []), ("site_id",)
    )
    files |= _files_referring(
        conn,
        """
        SELECT DISTINCT e.record_file FROM event_monuments em JOIN events e ON e.id = em.event_id
        WHERE em.monument_id IN (SELECT value FROM json_each(?))""",
        monuments,
    )
    sources = _changed_ids(
        conn, "sources", by_type["source"], loaded.rows.get("sources", []), ("text",)
    )
    files |= _files_referring(
        conn,
        """
        SELECT DISTINCT e.record_file FROM citations c JOIN events e ON e.id = c.event_id
        WHERE c.source_id IN (SELECT value FROM json_each(?))""",
        sources,
    )
    return files


def sources_of_texts(conn: sqlite3.Connection, data_dir: Path, texts: set[str]) -> set[str]:
    """Source YAML files (displays) whose text file is one of ``texts``."""
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


# -- writing the changes -----------------------------------------------------------


def apply(db: Any, loaded: Loaded) -> dict[str, int]:
    """Replace the rows of the re-read files in ``db`` (a sqlite_utils Database),
    inside the caller's transaction; returns the expected row count of every
    table."""
    conn = db.conn
    counts = writer.table_counts(db)
    files = {t: json.dumps(sorted(loaded.files.get(t, ()))) for t in TABLE_OF_TYPE}
    in_files = "record_file IN (SELECT value FROM json_each(?))"
    old_events = [
        row[0] for row in conn.execute(f"SELECT id FROM events WHERE {in_files}", (files["event"],))
    ]
    old_event_ids = json.dumps(old_events)
    touched_monuments = {
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT monument_id FROM event_monuments WHERE event_id IN "
            "(SELECT value FROM json_each(?))",
            (old_event_ids,),
        )
    }
    # Citations go with their events, not by file: their full-text entries too.
    _fts(
        conn,
        "citations",
        "'delete', ",
        "event_id IN (SELECT value FROM json_each(?))",
        old_event_ids,
    )
    for table in ("event_monuments", "citations"):
        cursor = conn.execute(
            f"DELETE FROM [{table}] WHERE event_id IN (SELECT value FROM json_each(?))",
            (old_event_ids,),
        )
        counts[table] -= cursor.rowcount
    for record_type in ("event", "source", "monument", "site"):
        table = TABLE_OF_TYPE[record_type]
        if table in writer.FTS:
            _fts(conn, table, "'delete', ", in_files, files[record_type])
        cursor = conn.execute(f"DELETE FROM [{table}] WHERE {in_files}", (files[record_type],))
        counts[table] -= cursor.rowcount
    for record_type in ("site", "monument", "source", "event"):
        table = TABLE_OF_TYPE[record_type]
        for name in [table, "event_monuments", "citations"] if table == "events" else [table]:
            rows = loaded.rows.get(name, [])
            if rows:
                writer.insert_rows(db, name, rows)
                counts[name] += len(rows)
        if table in writer.FTS:
            _fts(conn, table, "", in_files, files[record_type])
    new_events = [row["id"] for row in loaded.rows.get("events", [])]
    _fts(
        conn,
        "citations",
        "",
        "event_id IN (SELECT value FROM json_each(?))",
        json.dumps(new_events),
    )
    touched_monuments |= {row["monument_id"] for row in loaded.rows.get("event_monuments", [])}
    touched_monuments |= {row["id"] for row in loaded.rows.get("monuments", [])}
    writer.derive(db, events=new_events, monuments=sorted(touched_monuments))
    return counts


def _fts(conn: sqlite3.Connection, table: str, command: str, where: str, files: str) -> None:
    """Add (or, with command "'delete', ", remove) the full-text entries of
    the rows ``where`` selects (one parameter: ``files``)."""
    columns = writer.FTS[table]
    listed = ", ".join(f"[{c}]" for c in columns)
    conn.execute(
        f"INSERT INTO [{table}_fts] ({'[' + table + '_fts], ' if command else ''}"
        f"rowid, {listed}) SELECT {command}rowid, {listed} FROM [{table}] "
        f"WHERE {where}",
        (files,),
    )


def check_changes(db: Any, loaded: Loaded, expected: dict[str, int]) -> list[str]:
    """What is wrong with the changed rows: broken references either way, and
    row counts. (The rest of the file was checked when it was built.)"""
    failures = []
    conn = db.conn
    for table, (_, _, fks) in writer.TABLES.items():
        for column, other, other_column in fks:
            broken = conn.execute(
                f"SELECT count(*) FROM [{table}] t WHERE t.[{column}] IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM [{other}] o WHERE o.[{other_column}] = t.[{column}])"
                + _only_changed(table, loaded)
            ).fetchone()[0]
            if broken:
                failures.append(f"{table}.{column}: {broken} broken reference(s)")
    actual = writer.table_counts(db)
    for table in writer.TABLES:
        if actual[table] != expected.get(table, 0):
            failures.append(f"{table}: {actual[table]} rows written, {expected[table]} loaded")
    return failures


def _only_changed(table: str, loaded: Loaded) -> str:
    # References from unchanged rows to removed records: those rows' files were
    # re-read as dependents, so checking every table whole would add nothing
    # but time; small tables are checked whole anyway.
    if table in ("event_monuments", "citations"):
        ids = [row["id"] for row in loaded.rows.get("events", [])]
        return f" AND t.event_id IN (SELECT value FROM json_each('{_sql_json(ids)}'))"
    if table in ("events", "monuments"):
        ids = [row["id"] for row in loaded.rows.get(table, [])]
        return f" AND t.id IN (SELECT value FROM json_each('{_sql_json(ids)}'))"
    return ""


def _sql_json(values: list[str]) -> str:
    return json.dumps(values).replace("'", "''")


# -- the whole incremental build ---------------------------------------------------


def cold_manifest(data_dir: Path) -> Manifest:
    """The manifest a cold build records: taken before it reads anything, so
    an edit made while it runs shows as a change next time."""
    files = snapshot(data_dir, scan(data_dir))
    return Manifest(code_fingerprint(), str(data_dir), Manifest.token_for(files), files)


def build_incrementally(
    data_dir: Path,
    target: Path,
    on_file: Callable[[Path], None] | None,
    started: float,
    in_place: bool = False,
) -> Any:
    """Update ``target`` from the files that changed; a BuildSummary, or None
    when only a cold build will do (no usable manifest, a vocabulary changed).
    Raises BuildError, leaving ``target`` byte-identical."""

    from .pipeline import BuildSummary

    if not target.is_file() or not Path(data_dir).is_dir():
        return None
    manifest = read_manifest(target, data_dir)
    if manifest is None:
        return None
    found = changes(data_dir, manifest)
    if found.vocabulary:
        return None
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        dirty = {str(data_dir / rel) for rel in found.yaml}
        dirty |= sources_of_texts(conn, data_dir, found.texts)
        loaded = load_changed(data_dir, conn, dirty, on_file, found.files) if dirty else Loaded()
    finally:
        conn.close()
    if not dirty:
        if found.files != manifest.files:  # touched, not changed: remember the new stat
            Manifest(manifest.fingerprint, str(data_dir), manifest.token, found.files).write(target)
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            tables, verified, unverified = _totals(conn)
        finally:
            conn.close()
        return BuildSummary(
            tables,
            _yaml_count(found.files),
            verified,
            unverified,
            time.perf_counter() - started,
            files_reread=0,
        )
    new_manifest = Manifest(
        manifest.fingerprint, str(data_dir), Manifest.token_for(found.files), found.files
    )
    if in_place:
        tables, verified, unverified = _apply_in_place(target, loaded, new_manifest.token)
    else:
        tables, verified, unverified = _apply_to_copy(target, loaded, new_manifest.token)
    new_manifest.write(target)
    return BuildSummary(
        tables,
        _yaml_count(found.files),
        verified,
        unverified,
        time.perf_counter() - started,
        files_reread=loaded.files_read,
    )


def _apply_and_check(
    db: Any, target: Path, loaded: Loaded, token: int
) -> tuple[dict[str, int], int, int]:
    with db.conn:  # one transaction: all of it, or (an exception) none of it
        expected = apply(db, loaded)
        failures = check_changes(db, loaded, expected)
        if failures:
            raise BuildError(
                [
                    Problem(
                        str(target), 1, "", "database check failed: " + f, "a consistent database"
                    )
                    for f in failures
                ]
            )
        db.execute(f"PRAGMA user_version = {token}")
    return _totals(db.conn)


def _apply_to_copy(target: Path, loaded: Loaded, token: int) -> tuple[dict[str, int], int, int]:
    from .pipeline import swapped_in

    with swapped_in(target, copy_of=target) as db:
        totals = _apply_and_check(db, target, loaded, token)
    return totals


def _apply_in_place(target: Path, loaded: Loaded, token: int) -> tuple[dict[str, int], int, int]:
    """SQLite's own rollback journal instead of a copy: on an exception the
    transaction rolls back and the file is as it was; if the process is
    killed, the journal left beside it rolls it back the next time SQLite
    opens it for writing (but a ``datasette serve -i`` reading it meanwhile
    ignores the journal and may see half a change)."""
    import sqlite_utils

    db = sqlite_utils.Database(str(target))
    try:
        db.execute("PRAGMA journal_mode = DELETE")
        db.execute("PRAGMA synchronous = FULL")
        return _apply_and_check(db, target, loaded, token)
    finally:
        db.close()


def _yaml_count(files: dict[str, FileState]) -> int:
    return sum(1 for rel in files if not rel.endswith(".txt"))


def _totals(conn: sqlite3.Connection) -> tuple[dict[str, int], int, int]:
    tables = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in writer.TABLES}
    verified = conn.execute("SELECT count(*) FROM citations WHERE verified = 1").fetchone()[0]
    return tables, verified, tables["citations"] - verified
