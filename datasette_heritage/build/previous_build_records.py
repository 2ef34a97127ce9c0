"""The loader's knowledge of other records, read from the previous database.

An incremental build loads only some files. Every other record is in the
database the previous build wrote, each row with the file it came from
(``record_file``): ``RecordsInPreviousBuild`` answers the loader's questions
from what this build has loaded so far (in memory, as ``KnownRecords`` does)
and then from the previous database, leaving out the rows of the files this
build reads again, which are stale.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..schema import VOCABULARIES
from .data_files import RECORD_TABLES
from .known_records import KnownRecords

_MISSING = object()


class RecordsInPreviousBuild(KnownRecords):
    def __init__(
        self,
        conn: sqlite3.Connection,
        load_order: dict[str, int],
        reread: dict[str, set[str]],
    ) -> None:
        """``conn``: the previous database; ``load_order``: every record file's
        position in a cold build's order; ``reread``: the files of each
        record type this build reads again."""
        super().__init__()
        self.conn = conn
        self.load_order = load_order
        # The file being read: an id it defines that the previous database
        # has from a file loading later is a duplicate a cold build reports
        # in that later file, which must then be read again too.
        self.reading = ""
        self.defined_later: set[str] = set()
        self._reread: dict[str, str] = {}
        self._cache: dict[tuple[str, str, str], Any] = {}
        for record_type, files in reread.items():
            self.read_again(record_type, files)
        # Vocabulary files are never read by an incremental build (a change
        # to one means a cold build): their terms all come from the database.
        for name in VOCABULARIES:
            for (term,) in conn.execute(f"SELECT id FROM [{name}]"):
                self.add_term(name, term)
                self.define("vocabulary", f"{name}:{term}", name, 1)
        for term, rank in conn.execute("SELECT id, rank FROM damage_levels WHERE rank IS NOT NULL"):
            self.rank_damage_level(rank, term)

    def read_again(self, record_type: str, files: set[str]) -> None:
        """Leave out the previous build's records of these files (of this
        record type) from now on: this build reads them again."""
        table = RECORD_TABLES[record_type]
        listed = json.dumps(sorted(files))
        if self._reread.get(table) != listed:
            self._reread[table] = listed
            self._cache = {key: value for key, value in self._cache.items() if key[0] != table}

    def _previous(self, table: str, columns: str, key: str) -> Any:
        """``columns`` of the previous build's record ``key`` of ``table``
        (one value, or a row for several), or _MISSING."""
        cache_key = (table, columns, key)
        if cache_key not in self._cache:
            row = self.conn.execute(
                f"SELECT {columns} FROM [{table}] WHERE id = ? AND {_NOT_REREAD}",
                (key, self._reread.get(table, "[]")),
            ).fetchone()
            self._cache[cache_key] = _MISSING if row is None else (row[0] if len(row) == 1 else row)
        return self._cache[cache_key]

    def definition(self, record_type: str, key: str) -> tuple[str, int] | None:
        found = super().definition(record_type, key)
        if found is not None or record_type not in RECORD_TABLES:
            return found
        row = self._previous(RECORD_TABLES[record_type], "record_file, record_line", key)
        if row is _MISSING:
            return None
        record_file, line = row
        if self.load_order.get(record_file, -1) > self.load_order.get(self.reading, -1):
            self.defined_later.add(record_file)
        return record_file, line

    def is_valid(self, table: str, key: str) -> bool:
        if super().is_valid(table, key):
            return True
        return table not in VOCABULARIES and self._previous(table, "1", key) is not _MISSING

    def valid_ids(self, table: str) -> list[str]:
        ids = super().valid_ids(table)
        if table in VOCABULARIES:
            return ids
        # Only on the way to an error message (a "did you mean" over all ids).
        previous = [
            row[0]
            for row in self.conn.execute(
                f"SELECT id FROM [{table}] WHERE {_NOT_REREAD}", (self._reread.get(table, "[]"),)
            )
        ]
        seen = set(previous)
        return previous + [key for key in ids if key not in seen]

    def site_of_monument(self, monument_id: str) -> str | None:
        if super().is_valid("monuments", monument_id):
            return super().site_of_monument(monument_id)
        site = self._previous("monuments", "site_id", monument_id)
        return None if site is _MISSING else site

    def text_of_source(self, source_id: str) -> str | None:
        if super().is_valid("sources", source_id):
            return super().text_of_source(source_id)
        text = self._previous("sources", "text", source_id)
        return None if text is _MISSING else text


_NOT_REREAD = "record_file NOT IN (SELECT value FROM json_each(?))"
