"""The data each page shows: one function per page, one query per section.

Every query is bounded (a primary key, an indexed foreign key, or an indexed
ORDER BY with a LIMIT), so pages stay fast on a database of hundreds of
thousands of events. Rows come back as plain dicts; pages.py adds the links.
Related rows for a list (claims under each event, monuments of each event on
the timeline) are fetched for the whole list at once with ``json_each``,
never a query per row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from datasette.database import Database, QueryInterrupted

from ..schema import COORDINATE_PRECISIONS, SEARCH_TEXT_COLUMNS
from .dates_in_words import edtf_in_words, when
from .languages import direction, names_in_languages
from .search import MARK_OPEN, snippet_as_stored

MAP_LIMIT = 1000
LATEST_LIMIT = 10
MONUMENT_EVENTS_LIMIT = 500
TIMELINE_PAGE_SIZE = 200
FILTER_OPTIONS_LIMIT = 1000
MONTHLY_STRIP_YEARS = 11
PASSAGES_PER_PAGE = 500
# Lists under one record, which the data does not bound: an event's claims
# and monuments on its page, its claims under each event of a monument's
# page (and of a feed's entry), its monuments on the timeline. The rest are
# a link away.
EVENT_LIST_LIMIT = 500
MONUMENT_CLAIMS_LIMIT = 10
FEED_CLAIMS_LIMIT = 50
TIMELINE_MONUMENTS_LIMIT = 20

EVENT_COLUMNS = """e.id, e.kind, k.label AS kind_label, e.title, e.date, e.date_start,
    e.date_end, e.date_precision, e.date_uncertain, e.date_approximate, e.date_interval,
    e.date_note, e.site_id, e.summary, e.contested, e.supporting_sources,
    e.disputing_sources"""

# A citation's own columns: on its source's page, where the source is the page's.
PASSAGE_COLUMNS = """c.id, c.event_id, c.quote, c.translation, c.quote_start, c.quote_end,
    c.verified, c.claimant, c.stance, c.identification, c.note"""
# ... and, anywhere else, the source it quotes.
CITATION_COLUMNS = f"""{PASSAGE_COLUMNS}, c.source_id, src.title AS source_title, src.publisher AS source_publisher,
    src.credit AS source_credit, src.published AS source_published,
    src.language AS source_language"""


async def _rows(db: Database, sql: str, params: Any = None) -> list[dict[str, Any]]:
    results = await db.execute(sql, params or {})
    return [dict(row) for row in results.rows]


async def _one(db: Database, sql: str, params: Any) -> dict[str, Any] | None:
    rows = await _rows(db, sql, params)
    return rows[0] if rows else None


def _event(row: dict[str, Any]) -> dict[str, Any]:
    """An event row with its date in words and flags as booleans."""
    event = {k: v for k, v in row.items() if not k.startswith("date")}
    event["when"] = when(row)
    event["contested"] = bool(row.get("contested"))
    return event


def _citation(row: dict[str, Any]) -> dict[str, Any]:
    citation = dict(row)
    citation["verified"] = bool(row.get("verified"))
    # The quote is in its source's language, and runs as that language does.
    citation["source_direction"] = direction(row.get("source_language"))
    if "source_published" in row:
        citation["source_published_display"] = (
            edtf_in_words(row["source_published"]) if row["source_published"] else None
        )
    return citation


def _ids_json(rows: Sequence[dict[str, Any]], key: str = "id") -> str:
    return json.dumps([row[key] for row in rows])


async def _citations_for_events(
    db: Database, event_ids_json: str, per_stance: int
) -> tuple[list[dict[str, Any]], dict[tuple[str, bool], int]]:
    """Claims of these events, supporting first, then disputing, each oldest
    source first; at most ``per_stance`` supporting and as many disputing
    per event (an event may be cited without bound). Also how many of each
    (event id, disputes) were left out."""
    rows = await _rows(
        db,
        f"""
        SELECT * FROM (
          SELECT {CITATION_COLUMNS}, src.published_start AS _published_start,
                 row_number() OVER (claims ORDER BY src.published_start, c.id) AS _n,
                 count(*) OVER claims AS _of
          FROM citations c JOIN sources src ON src.id = c.source_id
          WHERE c.event_id IN (SELECT value FROM json_each(:ids))
          WINDOW claims AS (PARTITION BY c.event_id, c.stance = 'disputes')
        ) WHERE _n <= :per_stance
        ORDER BY stance = 'disputes', _published_start, id""",
        {"ids": event_ids_json, "per_stance": per_stance},
    )
    hidden: dict[tuple[str, bool], int] = {}
    for row in rows:
        key = (row["event_id"], row["stance"] == "disputes")
        hidden[key] = max(0, row.pop("_of") - per_stance)
        del row["_n"], row["_published_start"]
    return [_citation(r) for r in rows], hidden


def _count_more(event: dict[str, Any], hidden: dict[tuple[str, bool], int]) -> None:
    """How many of the event's claims of each stance were left out, and in all."""
    event["supporting_more"] = hidden.get((event["id"], False), 0)
    event["disputing_more"] = hidden.get((event["id"], True), 0)
    event["citations_more"] = event["supporting_more"] + event["disputing_more"]


def _group(rows: Sequence[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row)
    return grouped


async def damage_levels(db: Database) -> list[dict[str, Any]]:
    return await _rows(db, "SELECT id, label, rank, description FROM damage_levels ORDER BY rank")


async def overview(db: Database) -> dict[str, Any]:
    counts = await _one(
        db,
        """SELECT
        (SELECT count(*) FROM sites) AS sites,
        (SELECT count(*) FROM monuments) AS monuments,
        (SELECT count(*) FROM events) AS events,
        (SELECT count(*) FROM sources) AS sources,
        (SELECT count(*) FROM citations) AS citations,
        (SELECT count(*) FROM events WHERE contested = 1) AS contested_events""",
        {},
    )
    # Every monument, located or not, worst condition first, so a truncated
    # list and map still show the worst damage.
    monuments = await _rows(
        db,
        """
        SELECT m.id, m.name, m.site_id, s.name AS site_name, m.type, m.latitude,
               m.longitude, m.condition, d.label AS condition_label, d.rank AS condition_rank
        FROM monuments m JOIN sites s ON s.id = m.site_id
        LEFT JOIN damage_levels d ON d.id = m.condition
        ORDER BY d.rank IS NULL, d.rank, m.name LIMIT :limit""",
        {"limit": MAP_LIMIT + 1},
    )
    # How many monuments each condition has (the list may show fewer).
    by_condition = {
        r["condition"]: r["monuments"]
        for r in await _rows(
            db, "SELECT condition, count(*) AS monuments FROM monuments GROUP BY condition"
        )
    }
    # Events per month, and whether they are dated more finely than whole
    # years (a strip by month must not pile events known only to the year
    # into January). Counted per distinct (start, end) first: that reads the
    # (date_start, date_end) index in order, with no sort of every event.
    months = await _rows(
        db,
        """
        SELECT substr(date_start, 1, 7) AS month,
               NOT (substr(date_start, 6) = '01-01'
                    AND coalesce(substr(date_end, 6) = '12-31', 0)) AS fine,
               sum(n) AS events
        FROM (SELECT date_start, date_end, count(*) AS n FROM events
              WHERE date_start IS NOT NULL GROUP BY date_start, date_end)
        GROUP BY month, fine ORDER BY month""",
    )
    # The page of events is chosen from events alone (in date_start index
    # order, stopping at the LIMIT) before the joins, which could otherwise
    # lead the planner to sort every event.
    latest = await _rows(
        db,
        f"""
        SELECT {EVENT_COLUMNS}, s.name AS site_name
        FROM (SELECT rowid AS event_rowid, * FROM events WHERE date_start IS NOT NULL
              ORDER BY date_start DESC, rowid DESC LIMIT :limit) e
        JOIN sites s ON s.id = e.site_id
        LEFT JOIN event_kinds k ON k.id = e.kind
        ORDER BY e.date_start DESC, e.event_rowid DESC""",
        {"limit": LATEST_LIMIT},
    )
    levels = await damage_levels(db)
    return {
        "counts": counts,
        "damage_levels": levels,
        "monuments": monuments[:MAP_LIMIT],
        "monuments_truncated": len(monuments) > MAP_LIMIT,
        "conditions": condition_groups(levels, monuments[:MAP_LIMIT], by_condition),
        "strip": timeline_strip(months),
        "latest_events": [_event(r) for r in latest],
    }


def condition_groups(
    levels: Sequence[dict[str, Any]],
    monuments: Sequence[dict[str, Any]],
    counts: dict[str | None, int],
) -> list[dict[str, Any]]:
    """Monuments grouped by condition, worst first, then those with no damage
    reported; each group with its monuments (as listed) and its full count."""
    groups = [
        {
            "condition": level["id"],
            "label": level["label"],
            "rank": level["rank"],
            "description": level["description"],
        }
        for level in levels
    ]
    known = {level["id"] for level in levels}
    groups.append(
        {"condition": None, "label": "No damage reported", "rank": None, "description": None}
    )
    for group in groups:
        group["count"] = counts.get(group["condition"], 0)
        group["monuments"] = [
            m
            for m in monuments
            if (m["condition"] if m["condition"] in known else None) == group["condition"]
        ]
    return [g for g in groups if g["count"]]


def timeline_strip(months: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Events per month when the events span up to ten years (at most 132
    bars), else per year.

    By month, events dated only to whole years are counted apart
    (``coarse``) rather than piled into January.
    """
    if not months:
        return {"unit": "year", "bars": [], "coarse": 0, "max": 0}
    years = sorted({row["month"][:4] for row in months})
    first, last = int(years[0]), int(years[-1])
    if last - first < MONTHLY_STRIP_YEARS:
        unit = "month"
        keys = [f"{y:04d}-{m:02d}" for y in range(first, last + 1) for m in range(1, 13)]
        counts = {k: 0 for k in keys}
        coarse = 0
        for row in months:
            if row["fine"]:
                counts[row["month"]] += row["events"]
            else:
                coarse += row["events"]
        # Trim empty months at both ends so the strip covers the events.
        filled = [k for k in keys if counts[k]]
        if filled:
            keys = keys[keys.index(filled[0]) : keys.index(filled[-1]) + 1]
    else:
        unit = "year"
        keys = [f"{y:04d}" for y in range(first, last + 1)]
        counts = {k: 0 for k in keys}
        coarse = 0
        for row in months:
            counts[row["month"][:4]] += row["events"]
    bars = [{"period": k, "events": counts[k]} for k in keys]
    return {
        "unit": unit,
        "bars": bars,
        "coarse": coarse,
        "max": max((counts[k] for k in keys), default=0),
    }


async def monument(db: Database, monument_id: str) -> dict[str, Any] | None:
    row = await _one(
        db,
        """
        SELECT m.id, m.site_id, s.name AS site_name, m.name, m.alternative_names, m.names,
               m.type, t.label AS type_label, m.period, m.latitude, m.longitude,
               m.coordinates_precision, m.wikidata,
               m.description, m.condition, d.label AS condition_label,
               d.rank AS condition_rank, d.description AS condition_description
        FROM monuments m JOIN sites s ON s.id = m.site_id
        LEFT JOIN monument_types t ON t.id = m.type
        LEFT JOIN damage_levels d ON d.id = m.condition
        WHERE m.id = :id""",
        {"id": monument_id},
    )
    if row is None:
        return None
    row["alternative_names"] = json.loads(row["alternative_names"] or "[]")
    row["names"] = names_in_languages(row["names"])
    precision = COORDINATE_PRECISIONS.get(row["coordinates_precision"] or "")
    row["coordinates_precision_label"], row["coordinates_precision_description"] = precision or (
        None,
        None,
    )
    events = await _rows(
        db,
        f"""
        SELECT {EVENT_COLUMNS}, em.damage_level, dl.label AS damage_level_label,
               dl.rank AS damage_rank, em.cause, ca.label AS cause_label
        FROM event_monuments em JOIN events e ON e.id = em.event_id
        LEFT JOIN event_kinds k ON k.id = e.kind
        LEFT JOIN damage_levels dl ON dl.id = em.damage_level
        LEFT JOIN causes ca ON ca.id = em.cause
        WHERE em.monument_id = :id
        ORDER BY e.date_start, e.date_end, e.id LIMIT :limit""",
        {"id": monument_id, "limit": MONUMENT_EVENTS_LIMIT + 1},
    )
    truncated = len(events) > MONUMENT_EVENTS_LIMIT
    events = [_event(r) for r in events[:MONUMENT_EVENTS_LIMIT]]
    citations, hidden = await _citations_for_events(db, _ids_json(events), MONUMENT_CLAIMS_LIMIT)
    claims = _group(citations, "event_id")
    for event in events:
        event["citations"] = claims.get(event["id"], [])
        _count_more(event, hidden)
    return {
        "monument": row,
        "damage_levels": await damage_levels(db),
        "events": events,
        "events_truncated": truncated,
    }


async def event(db: Database, event_id: str) -> dict[str, Any] | None:
    row = await _one(
        db,
        f"""
        SELECT {EVENT_COLUMNS}, s.name AS site_name, k.description AS kind_description
        FROM events e JOIN sites s ON s.id = e.site_id
        LEFT JOIN event_kinds k ON k.id = e.kind
        WHERE e.id = :id""",
        {"id": event_id},
    )
    if row is None:
        return None
    monuments = await _rows(
        db,
        """
        SELECT m.id, m.name, m.type, m.latitude, m.longitude, em.damage_level,
               dl.label AS damage_level_label, dl.rank AS damage_rank, em.cause,
               ca.label AS cause_label
        FROM event_monuments em JOIN monuments m ON m.id = em.monument_id
        LEFT JOIN damage_levels dl ON dl.id = em.damage_level
        LEFT JOIN causes ca ON ca.id = em.cause
        WHERE em.event_id = :id ORDER BY dl.rank IS NULL, dl.rank, m.name LIMIT :limit""",
        {"id": event_id, "limit": EVENT_LIST_LIMIT + 1},
    )
    citations, hidden = await _citations_for_events(db, json.dumps([event_id]), EVENT_LIST_LIMIT)
    return {
        "event": _event(row),
        "monuments": monuments[:EVENT_LIST_LIMIT],
        "monuments_truncated": len(monuments) > EVENT_LIST_LIMIT,
        "supporting": [c for c in citations if c["stance"] != "disputes"],
        "disputing": [c for c in citations if c["stance"] == "disputes"],
        "supporting_more": hidden.get((event_id, False), 0),
        "disputing_more": hidden.get((event_id, True), 0),
    }


class PageOutOfRange(ValueError):
    """A page number past the last page, or a citation not of this source."""


# The order of a source's passages: reading order, a passage not located in
# the text last. Its pages and the page of one citation both follow it.
PASSAGE_ORDER = "c.quote_start IS NULL, c.quote_start, c.quote_end DESC, c.id"


async def passage_page(db: Database, source_id: str, citation_id: str) -> int:
    """The page of the source page that shows this citation's passage."""
    found = await _rows(
        db,
        f"""
        SELECT n FROM (SELECT c.id, row_number() OVER (ORDER BY {PASSAGE_ORDER}) AS n
                       FROM citations c WHERE c.source_id = :id)
        WHERE id = :citation""",
        {"id": source_id, "citation": citation_id},
    )
    if not found:
        raise PageOutOfRange(f"citation={citation_id[:100]}: not a citation of this source")
    return (found[0]["n"] - 1) // PASSAGES_PER_PAGE + 1


async def source(
    db: Database, source_id: str, page: int = 1, citation_id: str | None = None
) -> dict[str, Any] | None:
    """A source with a page of its passages: page ``page``, or the page
    holding the passage of ``citation_id`` when one is named."""
    row = await _one(
        db,
        """
        SELECT s.id, s.title, s.publisher, s.credit, s.photo_credits, s.source_type,
               t.label AS source_type_label, t.description AS source_type_description,
               s.published, s.published_start, s.published_end, s.published_precision,
               s.published_note, s.url, s.archive_url, s.accessed, s.language, s.text,
               s.text_sha256
        FROM sources s LEFT JOIN source_types t ON t.id = s.source_type
        WHERE s.id = :id""",
        {"id": source_id},
    )
    if row is None:
        return None
    source_row = {k: v for k, v in row.items() if not k.startswith("published")}
    source_row["published"] = when(row, "published")
    source_row["direction"] = direction(row["language"])
    source_row["photo_credits"] = json.loads(row["photo_credits"] or "[]")
    # In reading order; a passage not located in the text goes last. A page
    # of passages at a time: a source cited 100,000 times made a page of
    # 77 MB. The page is chosen from the source's citations alone (its
    # index), before the joins label those rows.
    if citation_id is not None:
        page = await passage_page(db, source_id, citation_id)
    counted = await _rows(
        db, "SELECT count(*) AS n FROM citations WHERE source_id = :id", {"id": source_id}
    )
    total = counted[0]["n"]
    pages = max(1, -(-total // PASSAGES_PER_PAGE))
    if not 1 <= page <= pages:
        raise PageOutOfRange(f"page={page}: this source has {pages} page(s) of passages")
    offset = (page - 1) * PASSAGES_PER_PAGE
    order = PASSAGE_ORDER
    citations = await _rows(
        db,
        f"""
        SELECT {PASSAGE_COLUMNS}, e.title AS event_title, e.contested AS event_contested
        FROM (SELECT * FROM citations c WHERE c.source_id = :id
              ORDER BY {order} LIMIT :limit OFFSET :offset) c
        JOIN events e ON e.id = c.event_id
        ORDER BY {order}""",
        {"id": source_id, "limit": PASSAGES_PER_PAGE, "offset": offset},
    )
    # The source's title, publisher, dates and language are the page's own
    # (``source``), not repeated in each of its up to 500 citations.
    for number, citation in enumerate(citations, offset + 1):
        citation["number"] = number
        citation["verified"] = bool(citation["verified"])
        citation["event_contested"] = bool(citation["event_contested"])
    return {
        "source": source_row,
        "citations": citations,
        "passages": {
            "page": page,
            "pages": pages,
            "total": total,
            "first": offset + 1 if citations else 0,
            "last": offset + len(citations),
        },
    }


async def timeline_options(db: Database) -> dict[str, list[dict[str, Any]]]:
    return {
        "sites": await _rows(
            db,
            "SELECT id, name FROM sites ORDER BY name LIMIT :limit",
            {"limit": FILTER_OPTIONS_LIMIT},
        ),
        "kinds": await _rows(db, "SELECT id, label FROM event_kinds ORDER BY rank, label"),
    }


# A timeline position: anything, a comma, a rowid (SQLite's 64-bit integer).
_NEXT = re.compile(r"(.*),([0-9]{1,18})", re.S)


def parse_next(token: str | None) -> dict[str, Any] | None:
    """The keyset position after which a timeline page starts:
    ``<date_start>,<rowid>`` (date_start empty for an undated start).
    None for no token; ValueError for one no timeline page links to."""
    if not token:
        return None
    match = _NEXT.fullmatch(token)
    if not match:
        raise ValueError(f"next={token[:50]}: expected DATE,NUMBER as the timeline's links give")
    date_start, rowid = match.groups()
    return {"date_start": date_start or None, "rowid": int(rowid)}


def next_token(row: dict[str, Any]) -> str:
    return f"{row['date_start'] or ''},{row['rowid']}"


async def timeline(
    db: Database,
    site: str | None = None,
    kind: str | None = None,
    after: dict[str, Any] | None = None,
    page_size: int = TIMELINE_PAGE_SIZE,
) -> dict[str, Any]:
    """Events in date order (earliest day each allows), a page at a time:
    ``after`` is the position of the previous page's last event.

    Events of the same day keep their order in the records (rowid): an index
    on date_start, or on (site_id or kind, date_start), holds them in exactly
    that order, so a page is read from the index with no sort.
    """
    where: list[str] = []
    params: dict[str, Any] = {"limit": page_size + 1}
    if site:
        where.append("site_id = :site")
        params["site"] = site
    if kind:
        where.append("kind = :kind")
        params["kind"] = kind
    if after:
        params["after_rowid"] = after["rowid"]
        if after["date_start"] is None:
            # Undated starts sort first (NULL); continue among them, then the rest.
            where.append(
                "((date_start IS NULL AND rowid > :after_rowid) OR date_start IS NOT NULL)"
            )
        else:
            params["after_date"] = after["date_start"]
            where.append(
                "(date_start > :after_date OR (date_start = :after_date AND rowid > :after_rowid))"
            )
    # The page is chosen from events alone, in index order up to the LIMIT;
    # the joins then only label those rows.
    rows = await _rows(
        db,
        f"""
        SELECT {EVENT_COLUMNS}, s.name AS site_name, e.event_rowid AS rowid
        FROM (SELECT rowid AS event_rowid, * FROM events
              {"WHERE " + " AND ".join(where) if where else ""}
              ORDER BY date_start, rowid LIMIT :limit) e
        JOIN sites s ON s.id = e.site_id
        LEFT JOIN event_kinds k ON k.id = e.kind
        ORDER BY e.date_start, e.event_rowid""",
        params,
    )
    more = len(rows) > page_size
    rows = rows[:page_size]
    events = [_event({k: v for k, v in r.items() if k != "rowid"}) for r in rows]
    monuments = await _rows(
        db,
        """
        SELECT * FROM (
          SELECT em.event_id, m.id, m.name, em.damage_level, dl.label AS damage_level_label,
                 dl.rank AS damage_rank,
                 row_number() OVER (affected ORDER BY dl.rank IS NULL, dl.rank, m.name) AS _n,
                 count(*) OVER affected AS _of
          FROM event_monuments em JOIN monuments m ON m.id = em.monument_id
          LEFT JOIN damage_levels dl ON dl.id = em.damage_level
          WHERE em.event_id IN (SELECT value FROM json_each(:ids))
          WINDOW affected AS (PARTITION BY em.event_id)
        ) WHERE _n <= :per_event ORDER BY event_id, _n""",
        {"ids": _ids_json(events), "per_event": TIMELINE_MONUMENTS_LIMIT},
    )
    more_monuments = {}
    for m in monuments:
        more_monuments[m["event_id"]] = max(0, m.pop("_of") - TIMELINE_MONUMENTS_LIMIT)
        del m["_n"]
    affected = _group(monuments, "event_id")
    for event in events:
        event["monuments"] = affected.get(event["id"], [])
        event["monuments_more"] = more_monuments.get(event["id"], 0)
    return {"events": events, "next": next_token(rows[-1]) if more else None}


# Search: one query per kind of result, each bounded by its LIMIT and a time
# limit. Ranking (bm25) must score every match, so a query so common that it
# cannot be ranked in time is answered unranked, in index order.
SEARCH_LIMIT = 20
SEARCH_TIME_LIMIT_MS = 300
# A match only in a text's folded copy (search_text) is shown in the text as
# stored, which takes folding the text: at most this many characters a
# search (the rest show their snippet unmarked).
SEARCH_FOLD_CHARS = 1_000_000
# kind -> the column its snippet shows, of those search_text folds
SNIPPET_COLUMNS = {"events": "summary", "citations": "quote", "sources": "text"}

SEARCHES = {
    "monuments": """
        SELECT m.id, m.name, m.alternative_names, m.names, s.name AS site_name, m.condition,
               d.label AS condition_label, d.rank AS condition_rank,
               snippet(monuments_fts, 2, char(2), char(3), '…', 16) AS snippet
        FROM monuments_fts f JOIN monuments m ON m.rowid = f.rowid
        JOIN sites s ON s.id = m.site_id LEFT JOIN damage_levels d ON d.id = m.condition
        WHERE monuments_fts MATCH :q {order} LIMIT :limit""",
    "events": f"""
        SELECT {EVENT_COLUMNS}, s.name AS site_name,
               snippet(events_fts, 1, char(2), char(3), '…', 16) AS snippet,
               e.rowid AS _rowid, CASE WHEN e.search_text IS NOT NULL
                 THEN snippet(events_fts, 2, char(2), char(3), '…', 16) END AS _folded_snippet
        FROM events_fts f JOIN events e ON e.rowid = f.rowid
        JOIN sites s ON s.id = e.site_id LEFT JOIN event_kinds k ON k.id = e.kind
        WHERE events_fts MATCH :q {{order}} LIMIT :limit""",
    "citations": """
        SELECT c.id, c.event_id, c.source_id, c.claimant, c.stance, c.identification,
               e.title AS event_title, src.title AS source_title,
               snippet(citations_fts, 0, char(2), char(3), '…', 24) AS snippet,
               c.rowid AS _rowid, CASE WHEN c.search_text IS NOT NULL
                 THEN snippet(citations_fts, 3, char(2), char(3), '…', 24) END AS _folded_snippet
        FROM citations_fts f JOIN citations c ON c.rowid = f.rowid
        JOIN events e ON e.id = c.event_id JOIN sources src ON src.id = c.source_id
        WHERE citations_fts MATCH :q {order} LIMIT :limit""",
    "sources": """
        SELECT src.id, src.title, src.publisher, src.credit, src.published,
               snippet(sources_fts, 3, char(2), char(3), '…', 24) AS snippet,
               src.rowid AS _rowid, CASE WHEN src.search_text IS NOT NULL
                 THEN snippet(sources_fts, 4, char(2), char(3), '…', 24) END AS _folded_snippet
        FROM sources_fts f JOIN sources src ON src.rowid = f.rowid
        WHERE sources_fts MATCH :q {order} LIMIT :limit""",
}


async def search(db: Database, fts_query: str, limit: int = SEARCH_LIMIT) -> dict[str, Any]:
    """Up to ``limit`` matches of each kind for an FTS5 query (already
    escaped: see search.fts_query), best first; ``more`` says which kinds
    have more."""
    results: dict[str, Any] = {"more": {}}
    for kind, sql in SEARCHES.items():
        params = {"q": fts_query, "limit": limit + 1}
        try:
            found = await db.execute(
                sql.format(order="ORDER BY f.rank"),
                params,
                custom_time_limit=SEARCH_TIME_LIMIT_MS,
            )
        except QueryInterrupted:
            found = await db.execute(sql.format(order=""), params)
        rows = [dict(r) for r in found.rows]
        results["more"][kind] = len(rows) > limit
        results[kind] = rows[:limit]
    budget = SEARCH_FOLD_CHARS
    for kind in SNIPPET_COLUMNS:
        budget = await _snippets_as_stored(db, kind, results[kind], budget)
    results["events"] = [{**_event(r), "snippet": r["snippet"]} for r in results["events"]]
    for monument in results["monuments"]:
        monument["alternative_names"] = json.loads(monument["alternative_names"] or "[]")
        monument["names"] = names_in_languages(monument["names"])
    for source in results["sources"]:
        source["published_display"] = edtf_in_words(source["published"] or "") or None
    return results


async def _snippets_as_stored(
    db: Database, kind: str, rows: list[dict[str, Any]], budget: int
) -> int:
    """Where a result's words matched only in the folded copy of its text
    (its snippet has no mark), the snippet of that copy, shown in the text as
    stored, while fewer than ``budget`` characters have been folded; returns
    what is left of the budget."""
    columns = SEARCH_TEXT_COLUMNS[kind]
    listed = ", ".join(f"[{c}]" for c in columns)
    length = " + ".join(f"coalesce(length([{c}]), 0)" for c in columns)
    for row in rows:
        folded_snippet, rowid = row.pop("_folded_snippet"), row.pop("_rowid")
        if MARK_OPEN in (row["snippet"] or "") or MARK_OPEN not in (folded_snippet or ""):
            continue
        stored = await _one(
            db,
            f"SELECT {listed} FROM [{kind}] WHERE rowid = :rowid AND {length} <= :budget",
            {"rowid": rowid, "budget": budget},
        )
        if stored is None:
            continue
        values = [stored[c] for c in columns]
        budget -= sum(len(v) for v in values if v)
        shown = snippet_as_stored(values, columns.index(SNIPPET_COLUMNS[kind]), folded_snippet)
        if shown is not None:
            row["snippet"] = shown
    return budget


FEED_LIMIT = 50


async def feed(
    db: Database, site: str | None = None, monument: str | None = None, limit: int = FEED_LIMIT
) -> dict[str, Any] | None:
    """The latest events, newest first (by the earliest day each allows),
    with their claims: of the whole tracker, of a site, or of a monument.
    None when the site or monument does not exist."""
    scope: dict[str, Any] | None = {}
    if monument is not None:
        scope = await _one(
            db,
            "SELECT m.id, m.name, m.site_id FROM monuments m WHERE m.id = :id",
            {"id": monument},
        )
        if scope is None:
            return None
        chosen = """SELECT e.rowid AS event_rowid, e.* FROM event_monuments em
            JOIN events e ON e.id = em.event_id WHERE em.monument_id = :monument
            ORDER BY e.date_start DESC, e.rowid DESC LIMIT :limit"""
    elif site is not None:
        scope = await _one(db, "SELECT id, name FROM sites WHERE id = :site", {"site": site})
        if scope is None:
            return None
        chosen = """SELECT rowid AS event_rowid, * FROM events WHERE site_id = :site
            ORDER BY date_start DESC, rowid DESC LIMIT :limit"""
    else:
        chosen = """SELECT rowid AS event_rowid, * FROM events
            ORDER BY date_start DESC, rowid DESC LIMIT :limit"""
    # The page of events is chosen first, in index order, then labelled.
    rows = await _rows(
        db,
        f"""
        SELECT {EVENT_COLUMNS}, s.name AS site_name
        FROM ({chosen}) e
        JOIN sites s ON s.id = e.site_id LEFT JOIN event_kinds k ON k.id = e.kind
        ORDER BY e.date_start DESC, e.event_rowid DESC""",
        {"site": site, "monument": monument, "limit": limit},
    )
    events = [_event(r) for r in rows]
    citations, hidden = await _citations_for_events(db, _ids_json(events), FEED_CLAIMS_LIMIT)
    claims = _group(citations, "event_id")
    for event in events:
        event["citations"] = claims.get(event["id"], [])
        _count_more(event, hidden)
    return {"scope": scope, "events": events}
