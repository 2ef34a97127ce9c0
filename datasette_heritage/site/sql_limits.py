"""Limits on the SQL that visitors run in the browser, beyond Datasette's.

Datasette refuses statements that are not SELECTs, opens the database
immutable (so a write inside a WITH fails: "attempt to write a readonly
database") and interrupts a query after sql_time_limit_ms. Two holes remain
that no time limit closes, because each is a single step of SQLite's virtual
machine, which the interrupt cannot stop:

- one huge value: ``select length(randomblob(900000000))`` allocates 900 MB
  and takes seconds, whatever the time limit;
- ``fts3_tokenizer()``, which reads and sets raw C pointers of FTS3
  tokenizers (enabled in Debian's SQLite): the classic first step of
  exploiting SQLite through SQL.

And one that the value cap alone leaves open: many large values. A 250-byte
query returning 80 rows of 9 MB each made a 720 MB JSON body and took 4 GB
of the server's memory (rows, JSON text, bytes). So every statement's rows
are counted as they are fetched, whatever asks for them (the SQL box, table
pages, facets, exports, the plugin's pages): past MAX_RESULT_BYTES the fetch
fails with ResultTooLarge, an SQLite error, which Datasette shows as any
other (a 400 naming the limit).
"""

from __future__ import annotations

import sqlite3
import weakref
from typing import Any

from ..schema import MAX_TEXT_BYTES

# The longest string or blob any expression may build: the longest text the
# build stores (article texts are a few tens of kilobytes each).
MAX_VALUE_BYTES = MAX_TEXT_BYTES

REFUSED_FUNCTIONS = frozenset({"fts3_tokenizer"})

# What one statement may return, counted as its JSON would be written: a text
# value's characters (6 bytes each, \uXXXX, when it is not all ASCII), twice
# the bytes of a blob (base64 and more), 8 per other value, and the column
# names once per row (a JSON object repeats them). A page of 1,000 English
# sources with their article texts is a few tens of MB; the JSON of a result
# takes a few times its size in memory while it is built.
MAX_RESULT_BYTES = 50_000_000


class ResultTooLarge(sqlite3.OperationalError):
    """A statement's rows went past MAX_RESULT_BYTES."""

    def __init__(self) -> None:
        super().__init__(
            f"The result is larger than {MAX_RESULT_BYTES // 1_000_000} MB, the most one "
            "response may hold: ask for fewer rows (_size=) or fewer or shorter columns"
        )


def _authorize(
    action: int, arg1: str | None, arg2: str | None, database: str | None, source: str | None
) -> int:
    # Called while a statement is prepared; for a function call, arg2 is its
    # name. Refusing it makes the query fail with "not authorized".
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def counted_rows(row_factory: Any) -> Any:
    """A row factory that makes rows as ``row_factory`` does and raises
    ResultTooLarge once a cursor's rows add up to more than MAX_RESULT_BYTES."""
    # cursor -> [bytes so far, bytes of the column names]
    used: weakref.WeakKeyDictionary[sqlite3.Cursor, list[int]] = weakref.WeakKeyDictionary()

    def make_row(cursor: sqlite3.Cursor, row: tuple) -> Any:
        counts = used.get(cursor)
        if counts is None:
            names = sum(len(d[0]) for d in cursor.description or ())
            counts = used[cursor] = [0, names]
        size = counts[1] + 8 * len(row)
        for value in row:
            if isinstance(value, str):
                size += len(value) if value.isascii() else 6 * len(value)
            elif isinstance(value, bytes):
                size += 2 * len(value)
        counts[0] += size
        if counts[0] > MAX_RESULT_BYTES:
            raise ResultTooLarge()
        return row_factory(cursor, row) if row_factory is not None else row

    return make_row


def check_supported(connection_type: type = sqlite3.Connection) -> None:
    """Refuse to start where a limit cannot be set, rather than serve
    without it: Connection.setlimit exists from Python 3.11."""
    if not hasattr(connection_type, "setlimit"):
        raise RuntimeError(
            "datasette-heritage needs Python 3.11 or later: its cap on the size of any "
            f"SQL value ({MAX_VALUE_BYTES:,} bytes) uses sqlite3.Connection.setlimit, "
            "which this Python lacks, and the site is not served without it"
        )


def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.set_authorizer(_authorize)
    # Datasette has set its row factory (sqlite3.Row) by now, in 0.65 and 1.0.
    conn.row_factory = counted_rows(conn.row_factory)
