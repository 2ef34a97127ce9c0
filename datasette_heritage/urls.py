"""Addresses of the plugin's pages: one place that knows them.

Every page has a JSON twin at the same path plus ``.json``. A citation's
passage is the ``citation-<id>`` anchor on its source's page.
"""
from __future__ import annotations

from urllib.parse import quote

BASE = "/-/heritage"


def _page(datasette, path: str, json: bool = False) -> str:
    return datasette.urls.path(BASE + path + (".json" if json else ""))


def overview_url(datasette, json: bool = False) -> str:
    return _page(datasette, "", json)


def timeline_url(datasette, json: bool = False) -> str:
    return _page(datasette, "/timeline", json)


def monument_url(datasette, monument_id: str, json: bool = False) -> str:
    return _page(datasette, "/monuments/" + quote(monument_id, safe=""), json)


def event_url(datasette, event_id: str, json: bool = False) -> str:
    return _page(datasette, "/events/" + quote(event_id, safe=""), json)


def source_url(datasette, source_id: str, json: bool = False) -> str:
    return _page(datasette, "/sources/" + quote(source_id, safe=""), json)


def citation_anchor(citation_id: str) -> str:
    return "citation-" + quote(citation_id, safe="")


def citation_url(datasette, source_id: str, citation_id: str) -> str:
    """The source page, scrolled to the citation's highlighted passage."""
    return source_url(datasette, source_id) + "#" + citation_anchor(citation_id)
