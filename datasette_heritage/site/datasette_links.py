"""Links from Datasette's own table and row pages to the plugin's pages.

Table pages get entries in their table-actions menu (the ``table_actions``
hook). Datasette 0.65 has no hook for row pages, so the plugin's
``templates/row.html`` extends Datasette's own (``default:row.html``) and
shows ``heritage_row_link``, which ``row_link_vars`` supplies through
``extra_template_vars`` on the heritage database's row pages only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from datasette.utils import urlsafe_components

from . import urls
from .which_database import HeritageDatabaseMissing, heritage_database, is_heritage_database

ROW_LABELS = {
    "monuments": "Monument page: damage timeline, claims and map",
    "events": "Event page: when, who says so, who disputes it",
    "sources": "Source page: the text with its cited passages highlighted",
    "citations": "This passage, highlighted in its source",
    "sites": "Timeline of this site's events",
}


async def table_actions(datasette, database: str, table: str, request) -> list[dict[str, str]]:
    if not await is_heritage_database(datasette, database):
        return []
    links = []
    if table == "events":
        # Carry the table page's site/kind filters over to the timeline.
        args = request.args if request is not None else {}
        query = urlencode(
            [
                (name, args.get(column))
                for name, column in (("site", "site_id"), ("kind", "kind"))
                if args.get(column)
            ]
        )
        links.append(
            {
                "href": urls.timeline_url(datasette) + ("?" + query if query else ""),
                "label": "Timeline of these events",
            }
        )
    links.append(
        {
            "href": urls.overview_url(datasette),
            "label": "Heritage overview: map, counts and latest events",
        }
    )
    if table != "events":
        links.append({"href": urls.timeline_url(datasette), "label": "Timeline of all events"})
    return links


async def row_link_vars(
    datasette, database: str | None, table: str | None, view_name: str, request
) -> dict[str, Any]:
    if view_name != "row" or table not in ROW_LABELS or request is None:
        return {}
    if database is None or not await is_heritage_database(datasette, database):
        return {}
    pks = urlsafe_components(request.url_vars.get("pks", ""))
    if len(pks) != 1:
        return {}
    row_id = pks[0]
    row = None
    if table == "citations":
        db = await heritage_database(datasette)
        result = await db.execute("SELECT source_id FROM citations WHERE id = :id", {"id": row_id})
        row = dict(result.rows[0]) if result.rows else None
    href = urls.heritage_url_for(datasette, table, row_id, row)
    if href is None:
        return {}
    return {"heritage_row_link": {"href": href, "label": ROW_LABELS[table]}}


async def header_vars(datasette) -> dict[str, Any]:
    """What every page's header needs: the search's address, while a
    heritage database is served (templates/base.html)."""
    try:
        await heritage_database(datasette)
    except HeritageDatabaseMissing:
        return {}
    return {"heritage_search_url": urls.search_url(datasette)}
