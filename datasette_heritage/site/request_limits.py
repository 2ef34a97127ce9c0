"""What a request may ask of the site, checked before Datasette sees it.

The address is the visitor's: every value in it is hostile until checked.
These checks refuse, with a clear 4xx, requests that would otherwise reach
code that fails with a 500 or does unbounded work:

- writes on a read-only site (read_only.py), and anything but GET and HEAD
  on the plugin's pages (405);
- a facet's settings given as JSON (``_facet_year={"column": ...}``) must be
  a JSON object: Datasette parses every ``_facet*`` value that starts with
  ``{`` and fails with a 500 on one that is not;
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
NUMERIC = frozenset({"_ttl", "_size", "_facet_size", "_timelimit"})
MAX_DIGITS = 18


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


def query_pairs(scope: dict[str, Any]) -> list[tuple[str, str]]:
    query = scope.get("query_string", b"").decode("latin-1")
    return parse_qsl(query, keep_blank_values=True)


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
    for key, value in query_pairs(scope):
        if key.startswith("_facet") and value.startswith("{"):
            problem = _facet_config_problem(value)
            if problem:
                return Refusal(400, f"{key[:50]}: {problem}")
        elif key in NUMERIC and len(value) > MAX_DIGITS:
            return Refusal(400, f"{key}: too long (expected at most {MAX_DIGITS} digits)")
    return None


def _facet_config_problem(value: str) -> str | None:
    try:
        config = json.loads(value)
    except (ValueError, RecursionError):
        return "not valid JSON (expected a column name or a JSON object of options)"
    if not isinstance(config, dict):
        return "expected a column name or a JSON object of options"
    return None
