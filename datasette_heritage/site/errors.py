"""Errors in words of the site's, not Python's, and with the right status.

Datasette answers an exception it does not know with a 500 whose message is
the exception's text (a query's SQL, "Python int too large to convert to
SQLite INTEGER"), in HTML and in the JSON twin. On the plugin's pages the
site says what happened instead: a query that ran out of time is a 503 (the
page may be ready on another try), anything else a 500 with a plain
sentence; the exception itself goes to the server's log. Errors that are
already sentences of the site's (400, 403, 404 ...) are left to Datasette.

On Datasette's own pages, some Datasettes answer a visitor's mistake as if
the server had failed, and the plugin answers a 400 instead, whatever the
version (on the others these never reach it):

- 0.65: a sort by a column the table cannot be sorted by (``_sort=nope``)
  is a 500; so is a CSV of a query that ran out of time (JSON and HTML
  answer a 400);
- 0.65: the CSV of a query that failed (``?sql=select nope``, a result over
  the size cap) is a 200 with an empty body, the error dropped; the
  middleware sees that body (a CSV always has a header row) and answers a
  400 instead (``FAILED_CSV``);
- 1.0: a Datasette facet on a column that does not exist (``_facet=nope``)
  is a 500.
"""

from __future__ import annotations

import sqlite3
import sys
import traceback
from typing import Any

from datasette.database import QueryInterrupted
from datasette.utils.asgi import Base400, Response
from datasette.views.base import DatasetteError

from .security import is_plugin_path

SLOW = "This page took longer to prepare than the site allows; try again later."
BROKEN = "Something went wrong while preparing this page; the site's log says what."
SLOW_SQL = (
    "The SQL query took longer than the site allows (sql_time_limit_ms): ask for less, "
    "or page through it"
)
FAILED_CSV = (
    "The SQL query failed, so there is no CSV of it: the same address without .csv says why"
)
# Datasette 0.65's words for a sort the table does not allow, raised as a 500.
_BAD_SORT = ("Cannot sort table by ", "Cannot use _sort and _sort_desc at the same time")


async def error_response(datasette, request, exception: Exception) -> Response | None:
    """The handle_exception hook: the response for an exception, or None to
    leave it to Datasette."""
    if request is None:
        return None
    if is_plugin_path(datasette, request.path):
        return await plugin_page_error(datasette, request, exception)
    message = visitor_mistake(exception)
    if message is None:
        return None
    return await error_page(datasette, request, 400, message)


def visitor_mistake(exception: Exception) -> str | None:
    """What the visitor asked wrongly, for an exception some Datasette
    answers with a 500 on its own pages; None for anything else."""
    if isinstance(exception, QueryInterrupted):
        return SLOW_SQL
    if isinstance(exception, DatasetteError) and exception.status >= 500:
        message = str(exception.message)
        return message if message.startswith(_BAD_SORT) else None
    if type(exception) is sqlite3.OperationalError and str(exception).startswith(
        "no such column: "
    ):
        return str(exception)
    return None


async def plugin_page_error(datasette, request, exception: Exception) -> Response | None:
    """The response for an exception on a plugin page; None to leave it to Datasette."""
    if isinstance(exception, Base400) or getattr(exception, "status", 500) < 500:
        return None
    if isinstance(exception, QueryInterrupted):
        status, message = 503, SLOW
    else:
        status, message = 500, BROKEN
        traceback.print_exception(type(exception), exception, exception.__traceback__)
        sys.stderr.flush()
    return await error_page(datasette, request, status, message)


def error_info(status: int, message: str) -> dict[str, Any]:
    """An error in Datasette's JSON shape."""
    return {"ok": False, "error": message, "status": status, "title": None}


async def error_page(datasette, request, status: int, message: str) -> Response:
    """Datasette's error shape: JSON for a .json address, plain text for a
    CSV, its error page otherwise."""
    info = error_info(status, message)
    if request.path.endswith(".json"):
        return Response.json(info, status=status)
    if request.path.endswith(".csv") or request.args.get("_format") == "csv":
        return Response.text(message, status=status)
    try:
        html = await datasette.render_template(["error.html"], info, request=request)
    except Exception:  # the page around the message needs the database too
        return Response.text(message, status=status)
    return Response.html(html, status=status)


def is_csv_request(scope: dict, pairs: list[tuple[str, str]]) -> bool:
    """A CSV with its header row (``pairs``: the query string's): the body of
    a query that ran is never empty."""
    wants_csv = scope["path"].endswith(".csv") or ("_format", "csv") in pairs
    return wants_csv and ("_header", "off") not in pairs


def is_failed_csv(status: int, body: bytes) -> bool:
    """A CSV of no columns at all: Datasette 0.65's answer to a failed query."""
    return status == 200 and body == b"\r\n"
