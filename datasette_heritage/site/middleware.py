"""The ASGI wrapper around Datasette: it refuses writes on a read-only site
(read_only.py) and adds the response headers: security headers (security.py)
and cache headers (caching.py).

It wraps the whole Datasette app, so it sees each response's final headers,
after Datasette has marked personalised responses private.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from datasette.utils.asgi import Request

from . import caching, read_only, security

ASGIApp = Callable[[dict[str, Any], Callable, Callable], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]


def _set(headers: Headers, name: bytes, value: bytes, replace: bool) -> Headers:
    present = any(key.lower() == name for key, _ in headers)
    if present and not replace:
        return headers
    return [(k, v) for k, v in headers if k.lower() != name] + [(name, value)]


def wrap(app: ASGIApp, datasette) -> ASGIApp:
    plugin_headers: Headers | None = None

    async def with_headers(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        on_plugin_page = security.is_plugin_path(datasette, scope["path"])

        async def send_with_headers(message):
            nonlocal plugin_headers
            if message["type"] == "http.response.start":
                if on_plugin_page and plugin_headers is None:
                    # Built once, on the first response (Datasette has started
                    # by then), by rendering an empty page for this request;
                    # its csrftoken is only set by a middleware inside this one.
                    request = Request(dict(scope, csrftoken=lambda: ""), receive)
                    plugin_headers = await security.plugin_page_headers(datasette, request)
                headers: Headers = list(message.get("headers", []))
                for name, value in security.ALL_RESPONSE_HEADERS:
                    headers = _set(headers, name, value, replace=False)
                if on_plugin_page:
                    for name, value in plugin_headers:
                        headers = _set(headers, name, value, replace=True)
                cache = caching.cache_control(
                    datasette, scope["method"], message["status"], headers
                )
                if cache is not None:
                    headers = _set(headers, b"cache-control", cache, replace=True)
                message = dict(message, headers=headers)
            await send(message)

        if read_only.refuses(datasette, scope):
            await read_only.send_method_not_allowed(send_with_headers)
            return
        await app(scope, receive, send_with_headers)

    return with_headers
