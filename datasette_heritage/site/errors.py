"""Errors of the plugin's pages, in words of the site's, not Python's.

Datasette answers an exception it does not know with a 500 whose message is
the exception's text (a query's SQL, "Python int too large to convert to
SQLite INTEGER"), in HTML and in the JSON twin. On the plugin's pages the
site says what happened instead: a query that ran out of time is a 503 (the
page may be ready on another try), anything else a 500 with a plain
sentence; the exception itself goes to the server's log. Errors that are
already sentences of the site's (400, 403, 404 ...) are left to Datasette.
"""

from __future__ import annotations

import sys
import traceback

from datasette.database import QueryInterrupted
from datasette.utils.asgi import Base400, Response

from .security import is_plugin_path

SLOW = "This page took longer to prepare than the site allows; try again later."
BROKEN = "Something went wrong while preparing this page; the site's log says what."


async def plugin_page_error(datasette, request, exception: Exception) -> Response | None:
    """The response for an exception on a plugin page; None to leave it to Datasette."""
    if request is None or not is_plugin_path(datasette, request.path):
        return None
    if isinstance(exception, Base400) or getattr(exception, "status", 500) < 500:
        return None
    if isinstance(exception, QueryInterrupted):
        status, message = 503, SLOW
    else:
        status, message = 500, BROKEN
        traceback.print_exception(type(exception), exception, exception.__traceback__)
        sys.stderr.flush()
    info = {"ok": False, "error": message, "status": status, "title": None}
    if request.path.endswith(".json"):
        return Response.json(info, status=status)
    try:
        html = await datasette.render_template(["error.html"], info, request=request)
    except Exception:  # the page around the message needs the database too
        return Response.text(message, status=status)
    return Response.html(html, status=status)
