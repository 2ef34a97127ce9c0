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
"""

from __future__ import annotations

import re

from .read_only import all_immutable

Headers = list[tuple[bytes, bytes]]

_MAX_AGE_ONLY = re.compile(rb"\s*max-age=\d+\s*\Z")


def cache_control(datasette, method: str, status: int, headers: Headers) -> bytes | None:
    """The Cache-Control value to send instead of the response's, or None to keep it."""
    # datasette serve --reload turns cache headers off; so do we.
    if not datasette.cache_headers or method not in ("GET", "HEAD") or status != 200:
        return None
    if not all_immutable(datasette):
        return None
    current = [value for name, value in headers if name.lower() == b"cache-control"]
    if not current:
        ttl = int(datasette.setting("default_cache_ttl"))
        return b"no-cache" if ttl == 0 else b"public, max-age=%d" % ttl
    if len(current) == 1 and _MAX_AGE_ONLY.match(current[0]):
        return b"public, " + current[0].strip()
    return None
