"""robots.txt and a sitemap of the plugin's pages, so that search engines
index the records (the monument, event and source pages, the overview and
the timelines) and stay away from what only multiplies addresses: facets,
sorts, SQL, searches, exports and paging.

The sitemap is an index of sitemaps, one per kind of page and range of
rowids (at most 50,000 addresses each, the protocol's limit): every one is
read by primary key ranges, so its cost does not grow with the database.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from datasette.utils.asgi import NotFound, Response

from . import compat, urls
from .which_database import HeritageDatabaseMissing, heritage_database

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_SIZE = 50_000
XML_TYPE = "application/xml; charset=utf-8"
# kind -> (table, address of a record's page)
KINDS = {
    "monuments": ("monuments", urls.monument_url),
    "events": ("events", urls.event_url),
    "sources": ("sources", urls.source_url),
}
# What crawlers should not fetch: Datasette's addresses that only re-slice
# the same rows (wildcards as Google and Bing read them), the plugin's search.
DISALLOWED = (
    "/*?sql=",
    "/*&sql=",
    "/*_facet",
    "/*_sort",
    "/*_search",
    "/*_where",
    "/*_next=",
    "/*_size=",
    "/*_col",
    "/*_nocol",
    "/*_shape=",
    "/*.csv",
    "/*.json",
    "/*.geojson",
    "/*.csljson",
    "/*.ris",
    "/-/",
)


def routes() -> list[tuple[str, Any]]:
    base = re.escape(urls.BASE)
    kinds = "|".join(KINDS)
    return [
        (r"^/robots\.txt$", robots_txt),
        (rf"^{base}/sitemap\.xml$", sitemap_index),
        (rf"^{base}/sitemap-pages\.xml$", sitemap_pages),
        (rf"^{base}/sitemap-(?P<kind>{kinds})-(?P<page>[0-9]{{1,7}})\.xml$", sitemap_records),
    ]


def sitemap_url(datasette, name: str = "sitemap") -> str:
    return datasette.urls.path(f"{urls.BASE}/{name}.xml")


def robots(datasette, sitemap: str | None) -> str:
    lines = ["User-agent: *"]
    # The plugin's pages under /-/ are the records' pages: allowed (a
    # longer rule wins over "/-/"), its search is not.
    lines.append(f"Allow: {urls.overview_url(datasette)}")
    lines.append(f"Disallow: {urls.search_url(datasette)}")
    # The pages' JSON twins repeat them; filters by kind multiply them.
    lines.append(f"Disallow: {urls.overview_url(datasette)}*.json")
    lines.append(f"Disallow: {urls.timeline_url(datasette)}?*kind=")
    lines += [f"Disallow: {datasette.urls.path(rule)}" for rule in DISALLOWED]
    lines.append(f"Allow: {datasette.urls.path('/-/static/')}")
    lines.append(f"Allow: {datasette.urls.path('/-/static-plugins/')}")
    if sitemap:
        lines.append(f"Sitemap: {sitemap}")
    return "\n".join(lines) + "\n"


async def robots_txt(datasette, request) -> Response:
    try:
        await heritage_database(datasette)
        sitemap = datasette.absolute_url(request, sitemap_url(datasette))
    except HeritageDatabaseMissing:
        sitemap = None
    return Response.text(robots(datasette, sitemap))


def _xml(root: ET.Element) -> Response:
    return Response(
        ET.tostring(root, encoding="utf-8", xml_declaration=True),
        content_type=XML_TYPE,
    )


def _urlset(locations: list[str]) -> Response:
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for location in locations:
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = location
    return _xml(root)


async def _database(datasette, request):
    db = await heritage_database(datasette)
    # The same permission as the pages the sitemap lists.
    await compat.ensure_can_view_database(datasette, request.actor, db.name)
    return db


async def sitemap_index(datasette, request) -> Response:
    db = await _database(datasette, request)
    names = ["sitemap-pages"]
    for kind, (table, _) in KINDS.items():
        last = (await db.execute(f"SELECT max(rowid) FROM [{table}]")).rows[0][0] or 0
        names += [f"sitemap-{kind}-{page}" for page in range(1, last // SITEMAP_SIZE + 2)]
    root = ET.Element("sitemapindex", {"xmlns": SITEMAP_NS})
    for name in names:
        entry = ET.SubElement(root, "sitemap")
        loc = ET.SubElement(entry, "loc")
        loc.text = datasette.absolute_url(request, sitemap_url(datasette, name))
    return _xml(root)


async def sitemap_pages(datasette, request) -> Response:
    """The overview, the timeline and each site's timeline."""
    db = await _database(datasette, request)
    sites = await db.execute(
        "SELECT id FROM sites ORDER BY rowid LIMIT :limit", {"limit": SITEMAP_SIZE - 2}
    )
    pages = [urls.overview_url(datasette), urls.timeline_url(datasette)]
    pages += [page for r in sites.rows if (page := urls.heritage_url_for(datasette, "sites", r[0]))]
    return _urlset([datasette.absolute_url(request, page) for page in pages])


async def sitemap_records(datasette, request) -> Response:
    db = await _database(datasette, request)
    table, page_url = KINDS[request.url_vars["kind"]]
    page = int(request.url_vars["page"])
    if page < 1:
        raise NotFound("No such sitemap")
    rows = await db.execute(
        f"SELECT id FROM [{table}] WHERE rowid > :low AND rowid <= :high ORDER BY rowid",
        {"low": (page - 1) * SITEMAP_SIZE, "high": page * SITEMAP_SIZE},
    )
    return _urlset([datasette.absolute_url(request, page_url(datasette, r[0])) for r in rows.rows])
