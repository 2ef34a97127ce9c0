"""Admission control for visitors' SQL: at most a few at once, the rest told
promptly to come back.

Datasette runs every query on a few SQL threads (``num_sql_threads``, 3)
and lets each run for ``sql_time_limit_ms``. Visitors' SQL (``?sql=`` on a
database's page, and the saved queries of metadata.yml) can take that whole
second, and a crowd of them queued far more work than the threads could do:
with 32 clients looping on such a query, a static file or the overview
waited 10-13 s (benchmarks/README.md, "Hostile requests"). Measured: the event loop sat in a futex wait, not short of CPU;
it was freeing the SQLite cursor of a query Datasette had interrupted (its
error carries the cursor's frame to the event loop), which waits for that
thread's connection, already running the next queued query for up to a
second. With no query queued for the threads, the stall went away.

So the site runs at most ``max_sql_requests`` such requests at once; a few
more wait here (which costs nothing: they are not in Datasette's queue) for
a slot, up to twice the SQL time limit; any other gets a 503 at once, and so
does one that waited too long, with ``Retry-After`` and a sentence saying
why, in the shape it asked for (JSON, CSV or an HTML page). The plugin's
pages, Datasette's table pages and static files are never refused.

The limit is a plugin setting (``plugins: datasette-heritage:
max_sql_requests: N`` in metadata.yml); the default leaves one SQL thread
free for pages.
"""

from __future__ import annotations

import asyncio
from typing import Any

from datasette.utils import tilde_decode

from .request_limits import Refusal, is_database_page
from .which_database import PLUGIN_NAME, table_names

SETTING = "max_sql_requests"
RETRY_AFTER_SECONDS = 2
# How many may wait for a slot, per slot: a burst of quick saved queries
# waits a moment rather than being refused.
QUEUE_PER_REQUEST = 4
BUSY = (
    "The site is answering as many SQL queries as it can at once ({limit}); "
    "try again in a few seconds. Its pages and tables are not affected."
)


def limit(datasette) -> int:
    """How many visitors' SQL requests may run or wait at once: the plugin
    setting, or one fewer than Datasette's SQL threads (at least 1)."""
    config = datasette.plugin_config(PLUGIN_NAME) or {}
    value = config.get(SETTING) if isinstance(config, dict) else None
    if value is not None:
        try:
            chosen = int(value)
        except (TypeError, ValueError):
            chosen = 0
        if chosen < 1:
            raise ValueError(
                f"plugins: {PLUGIN_NAME}: {SETTING}: {value!r} (expected a whole number, 1 or more)"
            )
        return chosen
    return max(1, int(datasette.setting("num_sql_threads") or 1) - 1)


async def runs_visitors_sql(datasette, scope: dict[str, Any], pairs: list[tuple[str, str]]) -> bool:
    """Whether the request runs SQL a visitor chose: ``sql=`` on a
    database's page or query page, or a saved query."""
    path = scope["path"]
    if is_database_page(datasette, path):
        return any(key == "sql" and value.strip() for key, value in pairs)
    base = datasette.urls.path("/")
    if not path.startswith(base):
        return False
    database, _, rest = path[len(base) :].partition("/")
    if not rest or "/" in rest or rest.startswith("-"):
        return False
    database = tilde_decode(database)
    db = datasette.databases.get(database)
    if db is None:
        return False
    # /db/name, /db/name.json, /db/name.csv ...: a name may hold dots itself.
    candidates = {tilde_decode(rest), tilde_decode(rest.rsplit(".", 1)[0])}
    if not candidates.isdisjoint(await table_names(db)):
        return False  # a table's page, most of the traffic: no lookup
    return not candidates.isdisjoint(await _saved_query_names(datasette, database))


async def _saved_query_names(datasette, database: str) -> set[str]:
    get = getattr(datasette, "get_canned_queries", None)
    if get is not None:
        return set(await get(database, None) or {})
    # A Datasette without that method: the queries of its configuration.
    config = getattr(datasette, "config", None) or {}
    queries = ((config.get("databases") or {}).get(database) or {}).get("queries") or {}
    return set(queries)


class SqlAdmission:
    """Visitors' SQL requests in progress, for one Datasette: at most
    ``limit`` run at once; up to QUEUE_PER_REQUEST x limit more wait here (not
    in Datasette's queue for its threads, where they would stall the event
    loop) for at most twice the SQL time limit; any other is refused."""

    def __init__(self) -> None:
        self._slots: asyncio.Semaphore | None = None
        self.waiting = 0

    async def enter(self, datasette) -> Refusal | None:
        """None once the request may run (call ``leave`` when its response
        has been sent), or the 503 to answer instead."""
        most = limit(datasette)
        if self._slots is None:
            self._slots = asyncio.Semaphore(most)
        busy = Refusal(
            503,
            BUSY.format(limit=most),
            [(b"retry-after", str(RETRY_AFTER_SECONDS).encode("ascii"))],
        )
        if self._slots.locked() and self.waiting >= QUEUE_PER_REQUEST * most:
            return busy
        wait = 2 * datasette.setting("sql_time_limit_ms") / 1000
        self.waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), wait)
        except TimeoutError:
            return busy
        finally:
            self.waiting -= 1
        return None

    def leave(self) -> None:
        if self._slots is not None:
            self._slots.release()
