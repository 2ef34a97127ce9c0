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
"""

from __future__ import annotations

import sqlite3

# The longest string or blob any expression may build. The largest values in
# the database are article texts, a few tens of kilobytes each.
MAX_VALUE_BYTES = 10_000_000

REFUSED_FUNCTIONS = frozenset({"fts3_tokenizer"})


def _authorize(
    action: int, arg1: str | None, arg2: str | None, database: str | None, source: str | None
) -> int:
    # Called while a statement is prepared; for a function call, arg2 is its
    # name. Refusing it makes the query fail with "not authorized".
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def prepare_connection(conn: sqlite3.Connection) -> None:
    # Connection.setlimit exists from Python 3.11.
    if hasattr(conn, "setlimit"):
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.set_authorizer(_authorize)
