"""The site is read-only: every database is opened immutable.

Then nothing can be written through a database, table, row or query page, so
they answer only GET, HEAD and OPTIONS; anything else gets a clean 405 before
it reaches Datasette (Datasette 0.65 answers a POST to a table page with a
500 error; request_limits.py sends the 405). Datasette's and plugins' own endpoints under /-/ (login, logout
...) keep their methods.
"""

from __future__ import annotations

from typing import Any

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def all_immutable(datasette) -> bool:
    """True when every file database is immutable (in-memory ones hold no data)."""
    files = [db for db in datasette.databases.values() if not db.is_memory]
    return bool(files) and not any(db.is_mutable for db in files)


def refuses(datasette, scope: dict[str, Any]) -> bool:
    """Whether this request asks to change something on a read-only site."""
    if scope["method"] in SAFE_METHODS:
        return False
    base_url = datasette.setting("base_url")
    path = scope["path"]
    if base_url != "/" and path.startswith(base_url):
        path = "/" + path[len(base_url) :]
    if path.startswith("/-/"):
        return False
    return all_immutable(datasette)
