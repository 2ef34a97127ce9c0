"""Security headers: a strict Content-Security-Policy on the plugin's pages,
``nosniff`` everywhere.

The plugin's pages show untrusted text (article texts, quotes, names). It is
escaped by the templates; the policy is the second line of defence: if a
string ever got through as markup, no script of it could run. The pages load
only the plugin's and datasette-leaflet's own files, so the policy allows
scripts and styles from this site only, images from this site plus the map
tiles (the one remote resource), and no inline script but those Datasette
puts on every page whatever it shows: its base template's menu script and
other plugins' extra_body_script (datasette-leaflet's settings). Those are
allowed by hash, taken from Datasette rendering an empty page, so no text of
a record can ever be among them; any other inline script, or event handler
attribute, or javascript: URL is refused.

Datasette's own pages keep Datasette's behaviour: they use inline scripts
(SQL editor, cluster map) that such a policy would break.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from datasette.utils.asgi import Request

from . import compat, pages
from .urls import BASE

# A page with no content of its own: what Datasette renders around any page.
_EMPTY_PAGE = '{% extends "base.html" %}'
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.S)


def is_plugin_path(datasette, path: str) -> bool:
    """True for the plugin's pages and their JSON twins (under /-/heritage)."""
    base = datasette.urls.path(BASE)
    return path == base or path == base + ".json" or path.startswith(base + "/")


async def trusted_inline_scripts(datasette, request: Request | None = None) -> list[str]:
    """CSP hash sources of the inline scripts on every Datasette page.

    Taken from the installed Datasette and plugins rather than written down
    here, so an upgrade that changes them cannot silently break the pages.
    The request is only there for plugins whose hooks look at it; what they
    add must not depend on it (the hashes are computed once).
    """
    empty = compat.jinja_environment(datasette, request).from_string(_EMPTY_PAGE)
    html = await datasette.render_template(empty, {}, request=request)
    hashes = []
    for body in _INLINE_SCRIPT.findall(html):
        digest = hashlib.sha256(body.encode("utf-8")).digest()
        source = "'sha256-{}'".format(base64.b64encode(digest).decode("ascii"))
        if source not in hashes:
            hashes.append(source)
    return hashes


def tile_source(tile_url: str) -> str:
    """The CSP source for a Leaflet tile URL template: its origin, with a
    ``{s}`` subdomain label as a wildcard."""
    parts = urlsplit(tile_url)
    labels = parts.hostname.split(".") if parts.hostname else []
    if labels and "{" in labels[0]:
        labels[0] = "*"
    if not labels or any("{" in label for label in labels):
        return f"{parts.scheme or 'https'}:"  # no narrower source can be written
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{'.'.join(labels)}{port}"


def content_security_policy(datasette, script_hashes: list[str]) -> str:
    script_src = " ".join(["'self'"] + script_hashes)
    # The tiles the pages' maps load (pages.py reads the plugin's settings).
    tiles = tile_source(pages._map_config(datasette)["tile_url"])
    directives = [
        "default-src 'self'",
        f"script-src {script_src}",
        "style-src 'self'",
        f"img-src 'self' data: {tiles}",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


async def plugin_page_headers(
    datasette, request: Request | None = None
) -> list[tuple[bytes, bytes]]:
    """Headers for every response of the plugin's pages."""
    policy = content_security_policy(datasette, await trusted_inline_scripts(datasette, request))
    return [
        (b"content-security-policy", policy.encode("ascii")),
        (b"x-frame-options", b"DENY"),
        # The tile servers require a Referer (OpenStreetMap's tile policy);
        # send the site's origin only, never the page's path.
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
    ]


# Every response: never let a browser guess a type (a text/plain CSV of
# hostile text must not be sniffed into HTML).
ALL_RESPONSE_HEADERS = [(b"x-content-type-options", b"nosniff")]
