"""The plugin's pages: route handlers that fetch a page's data (queries.py),
add its links, and answer with HTML or, at the same path plus ``.json``,
the same data as JSON.
"""

from __future__ import annotations

import weakref
from typing import Any
from urllib.parse import unquote, urlencode

from datasette.database import Database
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import BadRequest, NotFound, Response
from markupsafe import Markup

from . import compat, errors, feed, queries, search, urls
from .highlight import Passage, highlight, locatable
from .which_database import PLUGIN_NAME, heritage_database

ID = r"(?P<id>[^/]+?)"
JSON = r"(?P<format>\.json)?"

TILE_URL = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
TILE_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


def routes() -> list[tuple[str, Any]]:
    return [
        (rf"^{urls.BASE}{JSON}$", overview_page),
        (rf"^{urls.BASE}/timeline\.atom$", timeline_feed),
        (rf"^{urls.BASE}/monuments/{ID}\.atom$", monument_feed),
        (rf"^{urls.BASE}/timeline{JSON}$", timeline_page),
        (rf"^{urls.BASE}/search{JSON}$", search_page),
        (rf"^{urls.BASE}/monuments/{ID}{JSON}$", monument_page),
        (rf"^{urls.BASE}/events/{ID}{JSON}$", event_page),
        (rf"^{urls.BASE}/sources/{ID}{JSON}$", source_page),
    ]


class Links:
    """Every link a page carries: to the plugin's pages and to Datasette's own
    row and table pages for the same records."""

    def __init__(self, datasette, db: Database):
        self.datasette = datasette
        self.db = db
        # A page links the same few tables and sources over and over (the
        # claims of a monument's events to a few sources): each is made once.
        self._tables: dict[str, str] = {}
        self._sources: dict[str, str] = {}

    def row(self, table: str, pk: str) -> str:
        # What datasette.urls.row gives: the table's address, then the key.
        prefix = self._tables.get(table)
        if prefix is None:
            prefix = self._tables[table] = self.datasette.urls.table(self.db.name, table)
        return f"{prefix}/{tilde_encode(str(pk))}"

    def source(self, source_id: str) -> str:
        url = self._sources.get(source_id)
        if url is None:
            url = self._sources[source_id] = urls.source_url(self.datasette, source_id)
        return url

    def table(self, table: str, **filters: str) -> str:
        url = self.datasette.urls.table(self.db.name, table)
        return url + ("?" + urlencode(filters) if filters else "")

    def timeline(self, **filters: str | None) -> str:
        chosen = {k: v for k, v in filters.items() if v}
        return urls.timeline_url(self.datasette) + ("?" + urlencode(chosen) if chosen else "")

    def monument(self, m: dict[str, Any], id_key: str = "id") -> dict[str, Any]:
        m["url"] = urls.monument_url(self.datasette, m[id_key])
        m["row_url"] = self.row("monuments", m[id_key])
        return m

    def event(self, e: dict[str, Any]) -> dict[str, Any]:
        e["url"] = urls.event_url(self.datasette, e["id"])
        e["row_url"] = self.row("events", e["id"])
        if e.get("site_id"):
            e["site_timeline_url"] = self.timeline(site=e["site_id"])
        for m in e.get("monuments", []):
            self.monument(m)
        for c in e.get("citations", []):
            self.citation(c)
        return e

    def passage(self, c: dict[str, Any]) -> dict[str, Any]:
        """A citation as its source's page lists it: the page is the source's,
        so the passage's place on it is its ``anchor``, and a link to the event."""
        c["anchor"] = urls.citation_anchor(c["id"])
        c["event_url"] = urls.event_url(self.datasette, c["event_id"])
        return c

    def citation(self, c: dict[str, Any]) -> dict[str, Any]:
        # Lands on the highlighted passage; for a source without stored text,
        # on the citation's entry in the source page's list of passages.
        self.passage(c)
        c["source_page_url"] = self.source(c["source_id"])
        c["url"] = urls.citation_url(self.datasette, c["source_id"], c["id"])
        c["row_url"] = self.row("citations", c["id"])
        return c


def _wants_json(request) -> bool:
    return bool(request.url_vars.get("format")) or _decoded_id(request)[1]


def _decoded_id(request) -> tuple[str, bool]:
    """(id, whether the JSON twin was asked for).

    Routes match the raw (still percent-encoded) path. Datasette answers a 404
    for a %-encoded path by redirecting to its ~-encoded form, where the dot
    of ``.json`` is encoded too (``~2Ejson``), so it is recognised here.
    """
    raw = request.url_vars.get("id")
    if raw is None:
        return "", False
    decoded = unquote(raw)
    if "~" in decoded:
        decoded = tilde_decode(decoded)
    if not request.url_vars.get("format") and decoded.endswith(".json") and "~" in raw:
        return decoded[: -len(".json")], True
    return decoded, False


def _id(request) -> str:
    return _decoded_id(request)[0]


def _not_found(request, message: str) -> Response:
    if _wants_json(request) and not request.path.endswith(".json"):
        # Datasette's error handler picks JSON by the path's ending, which a
        # ~-encoded ".json" lacks: answer in its error shape here.
        return Response.json(errors.error_info(404, message), status=404)
    raise NotFound(message)


def _map_config(datasette) -> dict[str, str]:
    config = datasette.plugin_config(PLUGIN_NAME) or {}
    return {
        "tile_url": config.get("tile_url") or TILE_URL,
        "tile_attribution": config.get("tile_attribution") or TILE_ATTRIBUTION,
    }


async def _open(datasette, request) -> tuple[Database, Links]:
    db = await heritage_database(datasette)
    # The pages show the database's tables: the same permissions as its pages.
    await compat.ensure_can_view_database(datasette, request.actor, db.name)
    return db, Links(datasette, db)


async def _respond(
    datasette,
    request,
    db: Database,
    template: str,
    data: dict[str, Any],
    json_url: str,
    view_name: str,
) -> Response:
    if _wants_json(request):
        return Response.json({"database": db.name, **data})
    context = {
        **data,
        "heritage_database": db.name,
        "heritage_urls": {
            "overview": urls.overview_url(datasette),
            "timeline": urls.timeline_url(datasette),
            "search": urls.search_url(datasette),
            "database": datasette.urls.database(db.name),
            "json": json_url,
            "css": datasette.urls.static_plugins(PLUGIN_NAME, "heritage.css"),
            "map_js": datasette.urls.static_plugins(PLUGIN_NAME, "heritage-map.js"),
            "source_js": datasette.urls.static_plugins(PLUGIN_NAME, "heritage-source.js"),
            "cite_js": datasette.urls.static_plugins(PLUGIN_NAME, "heritage-cite.js"),
        },
        "heritage_map": _map_config(datasette),
        "alternate_url_json": json_url,
    }
    html = await datasette.render_template(template, context, request=request, view_name=view_name)
    return Response.html(html)


# The overview reads whole tables (counts, the strip, the map). An immutable
# database cannot change while it is served, so its data, with the links,
# and the HTML of its monuments by condition (a thousand) are made once per
# process and database, then only read; a mutable database is read anew.
_overview_cache: weakref.WeakKeyDictionary[Database, dict[str, Any]] = weakref.WeakKeyDictionary()
_condition_groups_cache: weakref.WeakKeyDictionary[Database, Markup] = weakref.WeakKeyDictionary()


async def _overview_data(datasette, db: Database, links: Links) -> dict[str, Any]:
    cached = None if db.is_mutable else _overview_cache.get(db)
    if cached is not None:
        return cached
    data = await queries.overview(db)
    for m in data["monuments"]:
        links.monument(m)
    for group in data["conditions"]:
        for m in group["monuments"]:
            links.monument(m)
        group["table_url"] = links.table(
            "monuments",
            **(
                {"condition": group["condition"]}
                if group["condition"]
                else {"condition__isnull": "1"}
            ),
        )
    for e in data["latest_events"]:
        links.event(e)
    data["tables"] = {
        name: links.table(name) for name in ("sites", "monuments", "events", "sources", "citations")
    }
    data["tables"]["contested_events"] = links.table("events", contested="1")
    data["feed"] = {"url": urls.timeline_feed_url(datasette), "title": "Latest events (Atom)"}
    if not db.is_mutable:
        _overview_cache[db] = data
    return data


async def _condition_groups(datasette, request, db: Database, data: dict[str, Any]) -> Markup:
    cached = None if db.is_mutable else _condition_groups_cache.get(db)
    if cached is not None:
        return cached
    template = compat.jinja_environment(datasette, request).get_template(
        "heritage/_condition_groups.html"
    )
    groups = Markup(await template.render_async(conditions=data["conditions"]))
    if not db.is_mutable:
        _condition_groups_cache[db] = groups
    return groups


async def overview_page(datasette, request) -> Response:
    db, links = await _open(datasette, request)
    data = await _overview_data(datasette, db, links)
    if not _wants_json(request):
        data = {**data, "condition_groups": await _condition_groups(datasette, request, db, data)}
    return await _respond(
        datasette,
        request,
        db,
        "heritage/overview.html",
        data,
        urls.overview_url(datasette, json=True),
        "heritage-overview",
    )


async def monument_page(datasette, request) -> Response:
    db, links = await _open(datasette, request)
    monument_id = _id(request)
    data = await queries.monument(db, monument_id)
    if data is None:
        return _not_found(request, f"Monument not found: {monument_id}")
    links.monument(data["monument"])
    data["monument"]["site_timeline_url"] = links.timeline(site=data["monument"]["site_id"])
    data["monument"]["site_row_url"] = links.row("sites", data["monument"]["site_id"])
    data["monument"]["events_table_url"] = links.table("event_monuments", monument_id=monument_id)
    data["feed"] = {
        "url": urls.monument_feed_url(datasette, monument_id),
        "title": f"Events at {data['monument']['name']} (Atom)",
    }
    for e in data["events"]:
        links.event(e)
    return await _respond(
        datasette,
        request,
        db,
        "heritage/monument.html",
        data,
        urls.monument_url(datasette, monument_id, json=True),
        "heritage-monument",
    )


async def event_page(datasette, request) -> Response:
    db, links = await _open(datasette, request)
    event_id = _id(request)
    data = await queries.event(db, event_id)
    if data is None:
        return _not_found(request, f"Event not found: {event_id}")
    links.event(data["event"])
    data["event"]["site_row_url"] = links.row("sites", data["event"]["site_id"])
    data["event"]["citations_table_url"] = links.table("citations", event_id=event_id)
    data["feed"] = {
        "url": urls.timeline_feed_url(datasette, data["event"]["site_id"]),
        "title": f"Events at {data['event']['site_name']} (Atom)",
    }
    data["event"]["monuments_table_url"] = links.table("event_monuments", event_id=event_id)
    for m in data["monuments"]:
        links.monument(m)
    for c in data["supporting"] + data["disputing"]:
        links.citation(c)
    return await _respond(
        datasette,
        request,
        db,
        "heritage/event.html",
        data,
        urls.event_url(datasette, event_id, json=True),
        "heritage-event",
    )


def _page_number(request) -> int:
    raw = request.args.get("page") or "1"
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise BadRequest(f"page={raw[:20]}: expected a page number (1, 2 ...)")
    return int(raw)


# Longer than any citation id (an event id of at most 200 characters, a
# dash and the citation's number); a longer value is no citation.
MAX_ID_CHARS = 300


def _citation_id(request) -> str | None:
    raw = request.args.get("citation")
    if raw is not None and (not raw or len(raw) > MAX_ID_CHARS):
        raise BadRequest(f"citation={raw[:20]}: expected a citation id of this source")
    return raw


async def source_page(datasette, request) -> Response:
    db, links = await _open(datasette, request)
    source_id = _id(request)
    try:
        data = await queries.source(db, source_id, _page_number(request), _citation_id(request))
    except queries.PageOutOfRange as error:
        return _not_found(request, str(error))
    if data is None:
        return _not_found(request, f"Source not found: {source_id}")
    passages = data["passages"]
    for key, number in (("previous", passages["page"] - 1), ("next", passages["page"] + 1)):
        ok = 1 <= number <= passages["pages"]
        for suffix, as_json in (("url", False), ("json_url", True)):
            page_url = urls.source_url(datasette, source_id, json=as_json) + f"?page={number}"
            passages[f"{key}_{suffix}"] = page_url if ok else None
    source = data["source"]
    source["row_url"] = links.row("sources", source_id)
    source["citations_table_url"] = links.table("citations", source_id=source_id)
    # Only web addresses become links: a javascript: URL stays text.
    for key in ("url", "archive_url"):
        source[f"{key}_is_link"] = urls.web_address(source.get(key)) is not None
    text = source.get("text") or ""
    for c in data["citations"]:
        links.passage(c)
        c["highlighted"] = locatable(text, c["quote_start"], c["quote_end"])
    if text and not _wants_json(request):
        data["text_html"] = highlight(
            text,
            [
                Passage(
                    c["id"],
                    c["quote_start"],
                    c["quote_end"],
                    c["number"],
                    c["event_url"],
                    f"{c['claimant']} ({c['stance']}): {c['event_title']}",
                )
                for c in data["citations"]
                if c["highlighted"]
            ],
        )
    return await _respond(
        datasette,
        request,
        db,
        "heritage/source.html",
        data,
        urls.source_url(datasette, source_id, json=True),
        "heritage-source",
    )


async def timeline_page(datasette, request) -> Response:
    db, links = await _open(datasette, request)
    site = request.args.get("site") or None
    kind = request.args.get("kind") or None
    try:
        after = queries.parse_next(request.args.get("next"))
    except ValueError as error:
        raise BadRequest(str(error)) from None
    data = await queries.timeline(db, site=site, kind=kind, after=after)
    for e in data["events"]:
        links.event(e)
    data["filters"] = {"site": site, "kind": kind}
    data["feed"] = {
        "url": urls.timeline_feed_url(datasette, site),
        "title": "Events at this site (Atom)" if site else "Latest events (Atom)",
    }
    json_url = urls.timeline_url(datasette, json=True)
    if data["next"]:
        query = urlencode(
            {k: v for k, v in (("site", site), ("kind", kind), ("next", data["next"])) if v}
        )
        data["next_url"] = urls.timeline_url(datasette) + "?" + query
        data["next_json_url"] = json_url + "?" + query
    else:
        data["next_url"] = data["next_json_url"] = None
    data["options"] = await queries.timeline_options(db)
    data["events_table_url"] = links.table(
        "events", **{k: v for k, v in (("site_id", site), ("kind", kind)) if v}
    )
    if request.query_string:
        json_url += "?" + request.query_string
    return await _respond(
        datasette, request, db, "heritage/timeline.html", data, json_url, "heritage-timeline"
    )


async def search_page(datasette, request) -> Response:
    db, links = await _open(datasette, request)
    text = search.normalise(request.args.get("q"))
    data: dict[str, Any] = {"q": text, "error": None, "searched": False}
    try:
        fts = search.fts_query(text)
    except search.BadQuery as bad:
        fts, data["error"] = None, str(bad)
    if fts:
        data["searched"] = True
        data.update(await queries.search(db, fts))
        for m in data["monuments"]:
            links.monument(m)
        for e in data["events"]:
            links.event(e)
        for c in data["citations"]:
            c["url"] = urls.citation_url(datasette, c["source_id"], c["id"])
            c["event_url"] = urls.event_url(datasette, c["event_id"])
        for s in data["sources"]:
            s["url"] = urls.source_url(datasette, s["id"])
        if not _wants_json(request):
            for kind in ("monuments", "events", "citations", "sources"):
                for row in data[kind]:
                    row["snippet_html"] = search.snippet_html(row["snippet"])
        # More of each kind: Datasette's own search of the table, folded so it
        # finds what this page found whatever the vowel signs typed.
        data["more_urls"] = {
            kind: links.table(kind, _search=search.folded(text))
            for kind, more in data["more"].items()
            if more
        }
    json_url = urls.search_url(datasette, json=True)
    if text:
        json_url += "?" + urlencode({"q": text})
    return await _respond(
        datasette, request, db, "heritage/search.html", data, json_url, "heritage-search"
    )


async def _feed_response(
    datasette, request, db: Database, data: dict[str, Any], title: str, page_url: str
) -> Response:
    absolute = lambda url: datasette.absolute_url(request, url)  # noqa: E731
    entry_template = compat.jinja_environment(datasette, request).get_template(
        "heritage/feed_entry.html"
    )
    entries = []
    for event in data["events"]:
        for c in event["citations"]:
            c["absolute_url"] = absolute(urls.citation_url(datasette, c["source_id"], c["id"]))
            c["source_absolute_url"] = absolute(urls.source_url(datasette, c["source_id"]))
        url = event["absolute_url"] = absolute(urls.event_url(datasette, event["id"]))
        entries.append(
            {
                "id": url,
                "url": url,
                "title": event["title"] + (" (contested)" if event["contested"] else ""),
                "published": event["when"]["start"],
                "updated": event["when"]["start"],
                "categories": [event["kind_label"] or event["kind"]],
                "content_html": await entry_template.render_async({"e": event}),
            }
        )
    self_url = absolute(request.path + ("?" + request.query_string if request.query_string else ""))
    body = feed.atom(
        title=title,
        feed_id=self_url,
        self_url=self_url,
        page_url=absolute(page_url),
        author=await compat.instance_title(datasette) or "datasette-heritage",
        entries=entries,
    )
    return Response(body, content_type=feed.CONTENT_TYPE)


async def timeline_feed(datasette, request) -> Response:
    db, _ = await _open(datasette, request)
    site = request.args.get("site") or None
    data = await queries.feed(db, site=site)
    if data is None:
        raise NotFound(f"Site not found: {site}")
    tracker = await compat.instance_title(datasette) or "Heritage"
    title = f"{tracker}: events at {data['scope']['name']}" if site else f"{tracker}: events"
    page = urls.timeline_url(datasette) + ("?" + urlencode({"site": site}) if site else "")
    return await _feed_response(datasette, request, db, data, title, page)


async def monument_feed(datasette, request) -> Response:
    db, _ = await _open(datasette, request)
    monument_id = _id(request)
    data = await queries.feed(db, monument=monument_id)
    if data is None:
        raise NotFound(f"Monument not found: {monument_id}")
    tracker = await compat.instance_title(datasette) or "Heritage"
    title = f"{tracker}: events at {data['scope']['name']}"
    return await _feed_response(
        datasette, request, db, data, title, urls.monument_url(datasette, monument_id)
    )
