"""The ASGI wrapper around Datasette: it refuses what the site will not
answer (request_limits.py: writes, other methods on the plugin's pages,
malformed facet settings), turns the empty CSV of a failed query into a 400
(errors.py), and adds the response headers: security headers (security.py)
and cache headers (caching.py).

It wraps the whole Datasette app, so it sees each response's final headers,
after Datasette has marked personalised responses private.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from datasette.utils.asgi import Request

from . import caching, cells, errors, request_limits, security, sql_admission

ASGIApp = Callable[[dict[str, Any], Callable, Callable], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]


def _set(headers: Headers, name: bytes, value: bytes, replace: bool) -> Headers:
    present = any(key.lower() == name for key, _ in headers)
    if present and not replace:
        return headers
    return [(k, v) for k, v in headers if k.lower() != name] + [(name, value)]


def wrap(app: ASGIApp, datasette) -> ASGIApp:
    plugin_headers: Headers | None = None
    admission = sql_admission.SqlAdmission()

    async def with_headers(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        on_plugin_page = security.is_plugin_path(datasette, scope["path"])
        cells.request_path.set(scope["path"])

        async def send_with_headers(message):
            nonlocal plugin_headers
            if message["type"] == "http.response.start":
                if on_plugin_page and plugin_headers is None:
                    # Built once, on the first response (Datasette has started
                    # by then), by rendering an empty page for this request.
                    plugin_headers = await security.plugin_page_headers(
                        datasette, _request(scope, receive)
                    )
                headers: Headers = list(message.get("headers", []))
                for name, value in security.ALL_RESPONSE_HEADERS:
                    headers = _set(headers, name, value, replace=False)
                if on_plugin_page:
                    for name, value in plugin_headers or ():
                        headers = _set(headers, name, value, replace=True)
                cache = caching.cache_control(datasette, scope, message["status"], headers)
                if cache is not None:
                    headers = _set(headers, b"cache-control", cache, replace=True)
                    headers = caching.vary_on_host(headers)
                message = dict(message, headers=headers)
            await send(message)

        refused = request_limits.refusal(datasette, scope)
        if refused is not None:
            await _send_refusal(send_with_headers, scope["path"], refused)
            return
        pairs = request_limits.query_pairs(scope)
        counted = await sql_admission.runs_visitors_sql(datasette, scope, pairs)
        if counted:
            busy = await admission.enter(datasette)
            if busy is not None:
                await _send_busy(datasette, scope, receive, pairs, send_with_headers, busy)
                return
        try:
            if errors.is_csv_request(scope, pairs):
                await app(scope, receive, _failed_csv_guard(send_with_headers, scope["path"]))
            else:
                await app(scope, receive, send_with_headers)
        finally:
            if counted:
                admission.leave()

    return with_headers


def _request(scope, receive) -> Request:
    """The request, for rendering a page outside Datasette: its csrftoken is
    set by a middleware inside this one (the pages rendered here have no form)."""
    return Request(dict(scope, csrftoken=lambda: ""), receive)


async def _send_busy(
    datasette, scope, receive, pairs: list[tuple[str, str]], send, busy: request_limits.Refusal
) -> None:
    """The 503 of a visitor's SQL request over the limit: an HTML page for a
    page, JSON for .json, plain text for any other format."""
    last = scope["path"].rsplit("/", 1)[-1]
    if "." in last or any(key == "_format" for key, _ in pairs):
        await _send_refusal(send, scope["path"], busy)
        return
    response = await errors.error_page(
        datasette, _request(scope, receive), busy.status, busy.message
    )
    for name, value in busy.headers:
        response.headers[name.decode("latin-1")] = value.decode("latin-1")
    await response.asgi_send(send)


def _failed_csv_guard(send, path: str):
    """``send`` for a CSV response, holding it back until its body shows a
    header row; a CSV that ends without one is a failed query (errors.py),
    answered as a 400 instead of an empty 200."""
    held: list[dict] = []
    body = b""
    passing = False

    async def guarded(message):
        nonlocal body, passing
        if passing:
            await send(message)
            return
        held.append(message)
        if message["type"] == "http.response.start":
            passing = message["status"] != 200
        else:
            body += message.get("body", b"")
            # Anything but the start of a bare line end is a header row.
            passing = not b"\r\n".startswith(body)
            if not passing and not message.get("more_body", False):
                if errors.is_failed_csv(held[0]["status"], body):
                    await _send_refusal(send, path, request_limits.Refusal(400, errors.FAILED_CSV))
                    return
                passing = True
        if passing:
            for waiting in held:
                await send(waiting)
            held.clear()

    return guarded


async def _send_refusal(send, path: str, refused: request_limits.Refusal) -> None:
    """The refusal in Datasette's error shape: JSON for a .json address."""
    if path.endswith(".json"):
        body = json.dumps(errors.error_info(refused.status, refused.message)).encode("utf-8")
        content_type = b"application/json; charset=utf-8"
    else:
        body = (refused.message + "\n").encode("utf-8")
        content_type = b"text/plain; charset=utf-8"
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode("ascii")),
        *refused.headers,
    ]
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
