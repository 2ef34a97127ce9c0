"""What a request may ask of the site, checked before Datasette sees it.

The address is the visitor's: every value in it is hostile until checked.
These checks refuse, with a clear 4xx, requests that would otherwise reach
code that fails with a 500 or does unbounded work:

- writes on a read-only site (read_only.py), and anything but GET and HEAD
  on the plugin's pages (405);
- a facet's settings given as JSON (``_facet_year={"column": ...}``) must be
  a JSON object: Datasette parses every ``_facet*`` value that starts with
  ``{`` and fails with a 500 on one that is not;
- an address of at most 8 KB of query string, outside a database's own
  page (where ``?sql=`` lives): every facet value's link repeats the
  address, so Datasette's facets on a table of 20 columns, 1,000 values
  each (``_facet_size=max``) and a 60 KB address make a body of 1 GB; at
  8 KB (what many CDNs and proxies accept) it stays near 100 MB;
- at most 16 MB of facet links: facets in the address x values each
  (``_facet_size``) x the address's length, so a long address may ask for
  fewer facets or values (Datasette's own facets have no such bound);
- Datasette's numeric settings (``_ttl``, ``_size``, ``_facet_size``,
  ``_timelimit``) must be numbers of at most 18 digits: Python refuses to
  read one of more than 4,300 and Datasette answers a 500.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from . import read_only
from .security import is_plugin_path

PAGE_METHODS = ("GET", "HEAD")
MAX_QUERY_BYTES = 8192
FACET_LINK_BUDGET = 16_000_000
NUMERIC = frozenset({"_ttl", "_size", "_facet_size", "_timelimit"})
MAX_DIGITS = 18


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


_PAIRS_KEY = "datasette_heritage.query_pairs"


def query_pairs(scope: dict[str, Any]) -> list[tuple[str, str]]:
    """The request's query string as (name, value) pairs, parsed once a
    request and kept in its scope: the refusals, the SQL admission, the CSV
    guard and the cache headers all read them (never change the list)."""
    pairs = scope.get(_PAIRS_KEY)
    if pairs is None:
        query = scope.get("query_string", b"").decode("latin-1")
        pairs = scope[_PAIRS_KEY] = parse_qsl(query, keep_blank_values=True)
    return pairs


def refusal(datasette, scope: dict[str, Any]) -> Refusal | None:
    """Why this request is refused, or None when it may go on."""
    if read_only.refuses(datasette, scope):
        return Refusal(
            405,
            "405 Method Not Allowed: this site is read-only (GET and HEAD only)",
            [(b"allow", b"GET, HEAD, OPTIONS")],
        )
    if is_plugin_path(datasette, scope["path"]) and scope["method"] not in PAGE_METHODS:
        return Refusal(
            405,
            f"405 Method Not Allowed: {scope['method'][:20]} (expected GET or HEAD)",
            [(b"allow", ", ".join(PAGE_METHODS).encode("ascii"))],
        )
    query = scope.get("query_string", b"")
    if len(query) > MAX_QUERY_BYTES and not is_database_page(datasette, scope["path"]):
        return Refusal(
            414,
            f"414 URI Too Long: {len(query):,} bytes of query string "
            f"(expected at most {MAX_QUERY_BYTES:,} outside the SQL page)",
        )
    pairs = query_pairs(scope)
    links = _facet_link_bytes(datasette, pairs, len(query))
    if links > FACET_LINK_BUDGET:
        return Refusal(
            400,
            f"These facets would need {links / 1e6:,.0f} MB of links (facets x values x "
            f"the address's length; expected at most {FACET_LINK_BUDGET // 1_000_000} MB): "
            "ask for fewer facets, a smaller _facet_size or a shorter address",
        )
    for key, value in pairs:
        if key.startswith("_facet") and value.startswith("{"):
            problem = _facet_config_problem(value)
            if problem:
                return Refusal(400, f"{key[:50]}: {problem}")
        elif key in NUMERIC and len(value) > MAX_DIGITS:
            return Refusal(400, f"{key}: too long (expected at most {MAX_DIGITS} digits)")
    return None


def _facet_link_bytes(datasette, pairs: list[tuple[str, str]], query_bytes: int) -> int:
    """What the facets asked for in the address may write as links: each
    value's link repeats the address."""
    facets = sum(1 for k, _ in pairs if k.startswith("_facet") and k != "_facet_size")
    if not facets:
        return 0
    most = datasette.setting("max_returned_rows")
    size = next((v for k, v in pairs if k == "_facet_size"), "")
    if size == "max":
        values = most
    elif size.isdigit() and len(size) <= MAX_DIGITS:
        values = min(int(size), most)
    else:
        values = datasette.setting("default_facet_size")
    return facets * values * (query_bytes + 100)


def is_database_page(datasette, path: str) -> bool:
    """A database's page (/NAME, /NAME.json ...) or, on Datasette 1.0, its
    query page (/NAME/-/query, /NAME/-/query.json ...), where SQL is run; it
    has no facets, and a query may be long."""
    base = datasette.urls.path("/")
    if not path.startswith(base):
        return False
    rest = path[len(base) :]
    name, _, page = rest.partition("/")
    if page and (page == "-/query" or page.startswith("-/query.")):
        rest = name
    return bool(rest) and "/" not in rest and not rest.startswith("-")


def _facet_config_problem(value: str) -> str | None:
    try:
        config = json.loads(value)
    except (ValueError, RecursionError):
        return "not valid JSON (expected a column name or a JSON object of options)"
    if not isinstance(config, dict):
        return "expected a column name or a JSON object of options"
    return None
