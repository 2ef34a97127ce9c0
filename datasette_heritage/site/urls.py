"""Addresses of the plugin's pages: one place that knows them.

Every page has a JSON twin at the same path plus ``.json``. A citation's
passage is the ``citation-<id>`` anchor on the page of its source's page
that ``?citation=<id>`` shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

BASE = "/-/heritage"

_WEB_ADDRESS = re.compile(r"https?://\S+", re.IGNORECASE)


def web_address(value: Any) -> str | None:
    """The value as a link target if it is an http or https address without
    white space; None for anything else (a javascript: or data: URL stays
    text). The one rule for every link the site makes from a record."""
    if value is None:
        return None
    text = str(value).strip()
    return text if _WEB_ADDRESS.fullmatch(text) else None


def _page(datasette, path: str, json: bool = False) -> str:
    return datasette.urls.path(BASE + path + (".json" if json else ""))


def overview_url(datasette, json: bool = False) -> str:
    return _page(datasette, "", json)


def timeline_url(datasette, json: bool = False) -> str:
    return _page(datasette, "/timeline", json)


def search_url(datasette, json: bool = False) -> str:
    return _page(datasette, "/search", json)


def timeline_feed_url(datasette, site: str | None = None) -> str:
    """The Atom feed of every event, or of a site's."""
    url = _page(datasette, "/timeline.atom")
    return url + ("?site=" + quote(site, safe="") if site else "")


def monument_feed_url(datasette, monument_id: str) -> str:
    return _page(datasette, "/monuments/" + quote(monument_id, safe="") + ".atom")


def monument_url(datasette, monument_id: str, json: bool = False) -> str:
    return _page(datasette, "/monuments/" + quote(monument_id, safe=""), json)


def event_url(datasette, event_id: str, json: bool = False) -> str:
    return _page(datasette, "/events/" + quote(event_id, safe=""), json)


def source_url(datasette, source_id: str, json: bool = False) -> str:
    return _page(datasette, "/sources/" + quote(source_id, safe=""), json)


def citation_anchor(citation_id: str) -> str:
    return "citation-" + quote(citation_id, safe="")


def citation_url(datasette, source_id: str, citation_id: str) -> str:
    """The source page, scrolled to the citation's highlighted passage: on
    the page of passages that holds it (``?citation=``), which only the
    source page knows."""
    return (
        source_url(datasette, source_id)
        + "?citation="
        + quote(citation_id, safe="")
        + "#"
        + citation_anchor(citation_id)
    )


def heritage_url_for(
    datasette, table: str, row_id: str, row: Mapping[str, Any] | None = None
) -> str | None:
    """The plugin page that shows a row of ``table`` (None when there is none).

    For links from Datasette's own table and row pages (row pages, and
    render_cell on primary keys). A citation's page is its passage on its
    source's page, so it needs the row (its ``source_id``).
    """
    if row_id is None:
        return None
    row_id = str(row_id)
    if table == "monuments":
        return monument_url(datasette, row_id)
    if table == "events":
        return event_url(datasette, row_id)
    if table == "sources":
        return source_url(datasette, row_id)
    if table == "citations":
        source_id = row.get("source_id") if row is not None else None
        return citation_url(datasette, str(source_id), row_id) if source_id else None
    if table == "sites":
        return timeline_url(datasette) + "?site=" + quote(row_id, safe="")
    return None
