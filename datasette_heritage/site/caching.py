"""Cache-Control for a site whose databases are immutable.

Datasette 0.65 sends ``Cache-Control: max-age=<default_cache_ttl>`` on its
table, row and query pages, and nothing on the rest (the plugin's pages, the
index, static files). With every database opened immutable (``-i``) a page can
only change when a new build is deployed, so every anonymous GET is as
cacheable as those pages: the response gets ``public, max-age=<ttl>``, and
``public`` is added to Datasette's own ``max-age`` (some CDNs, Google Cloud
CDN among them, only store responses marked public).

Responses that depend on who asks are left alone: Datasette's router already
marks them ``private, no-store`` (cookies, Authorization, Set-Cookie) and adds
``Vary: Cookie, Authorization``, which a CDN keys its cache on.

A visitor's ``?_ttl=N`` may ask for a fresher copy (``_ttl=0``: revalidate),
on the plugin's pages as on Datasette's, but never a staler one: N above
default_cache_ttl is cut to it, so a link cannot make browsers keep a page
for years. Pages carry absolute links built from the Host header (facet
links, ``next_url``, the exports' ``Link``), so a public response also
varies on Host: a cache never hands one host's links to another.
"""

from __future__ import annotations

import re
from typing import Any

from .read_only import all_immutable
from .request_limits import query_pairs

Headers = list[tuple[bytes, bytes]]

_MAX_AGE_ONLY = re.compile(rb"\s*max-age=\d+\s*\Z")


def cache_control(datasette, scope: dict[str, Any], status: int, headers: Headers) -> bytes | None:
    """The Cache-Control value to send instead of the response's, or None to keep it."""
    # datasette serve --reload turns cache headers off; so do we.
    if not datasette.cache_headers or scope["method"] not in ("GET", "HEAD") or status != 200:
        return None
    if not all_immutable(datasette):
        return None
    current = [value for name, value in headers if name.lower() == b"cache-control"]
    if current and not (len(current) == 1 and _MAX_AGE_ONLY.match(current[0])):
        return None  # private, no-store, no-cache ...: Datasette's choice stands
    ttl = _ttl(datasette, scope)
    return b"no-cache" if ttl == 0 else b"public, max-age=%d" % ttl


def _ttl(datasette, scope: dict[str, Any]) -> int:
    """default_cache_ttl, or less if the visitor's ?_ttl= asks for less."""
    ttl = int(datasette.setting("default_cache_ttl"))
    asked = [v for k, v in query_pairs(scope) if k == "_ttl"]
    # Datasette reads the first _ttl; request_limits refuses one of many digits.
    if asked and asked[0].isdigit() and len(asked[0]) <= 18:
        ttl = min(ttl, int(asked[0]))
    return ttl


def vary_on_host(headers: Headers) -> Headers:
    """Add Host to the response's Vary."""
    vary = [v for k, v in headers if k.lower() == b"vary"]
    names = {n.strip().lower() for v in vary for n in v.split(b",")}
    if b"host" in names or b"*" in names:
        return headers
    value = b", ".join([*vary, b"Host"]) if vary else b"Host"
    return [(k, v) for k, v in headers if k.lower() != b"vary"] + [(b"vary", value)]
