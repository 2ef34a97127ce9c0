"""Export formats beyond CSV and JSON: GeoJSON for GIS tools, CSL-JSON for
reference managers.

Both render the rows of the page Datasette produced, like its own ``.json``:
``_size`` and filters apply, and when there are more rows the response has a
``Link: <...>; rel="next"`` header (and GeoJSON a ``next_url`` member) to the
next page. ``?_size=max`` gives up to Datasette's max_returned_rows at once.

GeoJSON (RFC 7946): one Point feature per row, ``[longitude, latitude]``,
every other column a property (an expanded foreign key becomes the value plus
``<column>_label``). Rows without valid coordinates are left out rather than
given a null geometry: GIS tools and web maps handle null geometries
inconsistently, and a monument with no known position has no place on a map.
The number left out is the collection's ``rows_without_coordinates`` member.

CSL-JSON (the Citation Style Language's data format, which Zotero, Mendeley
and pandoc import): one item per source, see ``csl_item``.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Collection, Sequence
from typing import Any

from datasette.utils.asgi import Response

from ..dates import EdtfDate, EdtfError, NeedsLibrary, parse_edtf
from . import compat, errors
from .urls import web_address

GEOJSON_TYPE = "application/geo+json; charset=utf-8"
CSL_TYPE = "application/vnd.citationstyles.csl+json; charset=utf-8"
LATITUDE, LONGITUDE = "latitude", "longitude"


def _rows(columns: Sequence[str], rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row)) for row in rows]


def _plain(value: Any) -> Any:
    """An expanded foreign key ({"value", "label"}) as its value."""
    return value["value"] if isinstance(value, dict) and "value" in value else value


def _paging(data: dict[str, Any], datasette, request) -> dict[str, str]:
    """The ``Link: rel="next"`` header when there are more rows."""
    next_url = data.get("next_url")
    if not next_url:
        return {}
    return {"Link": f'<{datasette.absolute_url(request, next_url)}>; rel="next"'}


def _response(body: Any, content_type: str, data: dict[str, Any], datasette, request) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        status=200,
        headers=_paging(data, datasette, request),
        content_type=content_type,
    )


def _error(
    data: dict[str, Any], error: str | None, columns: Sequence[str], can_render, needs: str
) -> Response | None:
    """A 400 for a failed query, or for columns this format cannot use
    (Datasette dispatches on the extension whatever can_render says). A
    query's error is in ``data`` (0.65) or given as ``error`` (1.0)."""
    message = data.get("error") or error
    if not message and not can_render(columns):
        message = f"This format needs {needs}; the columns here are: {', '.join(columns)}"
    if message:
        return Response.json(errors.error_info(400, message), status=400)
    return None


# GeoJSON


def can_render_geojson(columns: Sequence[str]) -> bool:
    return LATITUDE in columns and LONGITUDE in columns


def _coordinate(value: Any, limit: float) -> float | None:
    value = _plain(value)
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or abs(number) > limit:
        return None
    return number


def geojson_collection(columns: Sequence[str], rows: Sequence[Any]) -> dict[str, Any]:
    """A FeatureCollection of Points from rows with latitude/longitude."""
    features = []
    skipped = 0
    for row in _rows(columns, rows):
        latitude = _coordinate(row.get(LATITUDE), 90)
        longitude = _coordinate(row.get(LONGITUDE), 180)
        if latitude is None or longitude is None:
            skipped += 1
            continue
        properties: dict[str, Any] = {}
        for column, value in row.items():
            if column in (LATITUDE, LONGITUDE):
                continue
            if isinstance(value, dict) and "value" in value:
                properties[column] = value["value"]
                properties[column + "_label"] = value.get("label")
            elif isinstance(value, bytes):
                properties[column] = None  # binary has no place in JSON
            else:
                properties[column] = value
        feature: dict[str, Any] = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
            "properties": properties,
        }
        if properties.get("id") is not None:
            feature["id"] = properties["id"]
        features.append(feature)
    return {"type": "FeatureCollection", "features": features, "rows_without_coordinates": skipped}


def render_geojson(
    datasette,
    request,
    columns: Sequence[str],
    rows: Sequence[Any],
    data: dict[str, Any],
    error: str | None = None,
) -> Response:
    refused = _error(data, error, columns, can_render_geojson, "latitude and longitude columns")
    if refused:
        return refused
    collection = geojson_collection(columns, rows)
    if data.get("next_url"):
        collection["next_url"] = datasette.absolute_url(request, data["next_url"])
    return _response(collection, GEOJSON_TYPE, data, datasette, request)


# CSL-JSON

# Column names in the sources table, and their names in the views that
# flatten sources into other rows (source_id, source_title).
ID_COLUMNS = ("source_id", "id")
TITLE_COLUMNS = ("source_title", "title")
CSL_NEEDS = "a source's id (or source_id), title (or source_title) and published"


def _first(columns: Collection[str], names: Sequence[str]) -> str | None:
    return next((name for name in names if name in columns), None)


def can_render_csljson(columns: Sequence[str]) -> bool:
    return (
        _first(columns, ID_COLUMNS) is not None
        and _first(columns, TITLE_COLUMNS) is not None
        and "published" in columns
    )


def _date_parts(iso: str, precision: str) -> list[int]:
    year, month, day = (int(part) for part in iso.split("-"))
    if precision == "day":
        return [year, month, day]
    if precision == "month":
        return [year, month]
    return [year]


# A date in a form only the edtf library parses (seasons, 201X ...) costs
# about 10 ms; one response parses at most this many distinct ones, so a
# ?sql= of 1,000 such dates cannot hold the server for seconds. The rest are
# passed on as CSL's "literal" (valid CSL, the date as written).
MAX_LIBRARY_DATES = 50
# What could be EDTF at all (digits, X/u for unspecified, qualifiers,
# intervals, sets, long years, times): anything else is a literal at once.
_EDTF_LIKE = re.compile(r"[0-9XYSEuTZ?~%/.:+^,{}\[\]-]{1,64}")


class DateBudget:
    """What one response may still spend on dates the edtf library parses."""

    def __init__(self, library_dates: int = MAX_LIBRARY_DATES):
        self.left = library_dates
        self.parsed: set[str] = set()

    def parse(self, text: str) -> EdtfDate:
        """parse_edtf, with the library only while the budget lasts."""
        if not _EDTF_LIKE.fullmatch(text):
            raise EdtfError(f"{text!r} is not EDTF")
        try:
            return parse_edtf(text, library=False)
        except NeedsLibrary:
            if text not in self.parsed:
                if self.left <= 0:
                    raise
                self.left -= 1
                self.parsed.add(text)
            return parse_edtf(text)


def csl_issued(published: str | None, budget: DateBudget | None = None) -> dict[str, Any] | None:
    """CSL date for an EDTF string, no more precise than the EDTF.

    2015-08-30 -> [[2015, 8, 30]]; 2015-08 -> [[2015, 8]]; 2015 -> [[2015]];
    an interval -> two date-parts (CSL's range); ``?``/``~`` -> "circa".
    A date that is not valid EDTF, or an open interval, is passed on as
    CSL's "literal".
    """
    if published is None or str(published).strip() == "":
        return None
    text = str(published).strip()
    try:
        date = (budget or DateBudget()).parse(text)
    except EdtfError:
        return {"literal": text}
    if date.start is None or date.end is None:
        return {"literal": text}  # an open interval has no CSL date-parts form
    # Seasons, decades and coarser: the year is the most the parts can say.
    precision = date.precision if date.precision in ("day", "month") else "year"
    parts = []
    if date.start:
        parts.append(_date_parts(date.start, precision))
    if date.interval and date.end:
        end = _date_parts(date.end, precision)
        if not parts or end != parts[0]:
            parts.append(end)
    elif (
        not date.interval
        and precision == "year"
        and date.start
        and date.end
        and date.start[:4] != date.end[:4]
    ):
        parts.append(_date_parts(date.end, "year"))  # a decade or century
    issued: dict[str, Any] = {"date-parts": parts}
    if date.uncertain or date.approximate:
        issued["circa"] = True
    return issued


# sources.source_type -> CSL item type; other types fall back on the outlet rule.
CSL_TYPES = {
    "news-agency": "article-newspaper",
    "newspaper": "article-newspaper",
    "online-news": "article-newspaper",
    "news-media": "article-newspaper",
    "broadcaster": "broadcast",
    "monitor-ngo": "report",
    "official": "report",
    "international-organisation": "report",
    "social-media": "post",
    "satellite-imagery": "map",
}


def csl_item(row: dict[str, Any], budget: DateBudget | None = None) -> dict[str, Any]:
    """One source as a CSL-JSON item.

    - type: from the source type (news reports are article-newspaper, a
      monitor's or an official report is report, a social media post is
      post ...); without one, article-newspaper when an outlet (publisher) or
      agency (credit) is named, else article.
    - container-title: the publisher (the outlet).
    - issued: from the EDTF ``published``, see csl_issued.
    - author: the names an ``author`` column gives where a query provides
      one (separated by ";"); else the credit line as printed, each agency
      or byline it names ("Reuters/Hauwa M." is Reuters and Hauwa M.) as a
      literal name, never split into given and family names the record does
      not give. No credit, no author: none is invented, and styles put the
      title first.
    - accessed: the day the original was read or saved.
    - note: the credit, the EDTF date as recorded and how it was established
      (published_note), and the archived copy's address. Zotero keeps the
      note in its Extra field.
    """
    get = lambda name: _plain(row.get(name))  # noqa: E731
    source_id = get(_first(row, ID_COLUMNS))
    item_type = CSL_TYPES.get(str(get("source_type")))
    if item_type is None:
        item_type = "article-newspaper" if get("publisher") or get("credit") else "article"
    item: dict[str, Any] = {
        "id": str(source_id),
        "type": item_type,
        "title": get(_first(row, TITLE_COLUMNS)),
    }
    if get("publisher"):
        item["container-title"] = get("publisher")
    issued = csl_issued(get("published"), budget)
    if issued:
        item["issued"] = issued
    url = web_address(get("url"))
    if url:
        item["URL"] = url
    accessed = get("accessed")
    if accessed and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(accessed)):
        item["accessed"] = {"date-parts": [_date_parts(str(accessed), "day")]}
    if get("language"):
        item["language"] = get("language")
    authors = credited_names(get("author"), ";") or credited_names(get("credit"), "/")
    if authors:
        item["author"] = [{"literal": name} for name in authors]
    note = []
    if get("credit"):
        note.append(f"Credit: {get('credit')}")
    if get("published") is not None:
        line = f"Publication date (EDTF): {get('published')}"
        if get("published_note"):
            line += f"; {get('published_note')}"
        note.append(line)
    archive_url = web_address(get("archive_url"))
    if archive_url:
        note.append(f"Archived copy: {archive_url}")
    if note:
        item["note"] = "\n".join(note)
    return item


def credited_names(line: Any, separator: str) -> list[str]:
    """The names in a credit or author line, as printed."""
    if not line:
        return []
    return [name.strip() for name in str(line).split(separator) if name.strip()]


def csl_items(columns: Sequence[str], rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Items for the distinct sources in the rows (a view repeats a source
    once per citation; a reference manager wants it once)."""
    items: dict[str, dict[str, Any]] = {}
    budget = DateBudget()
    for row in _rows(columns, rows):
        item = csl_item(row, budget)
        items.setdefault(item["id"], item)
    return list(items.values())


async def _csl_items_or_refusal(
    columns: Sequence[str], rows: Sequence[Any], data: dict[str, Any], error: str | None
) -> list[dict[str, Any]] | Response:
    """The CSL items of the rows, or the response refusing them (a failed
    query, or rows that are not sources)."""
    refused = _error(data, error, columns, can_render_csljson, CSL_NEEDS)
    if refused:
        return refused
    # Dates are parsed off the event loop: other requests go on meanwhile.
    return await asyncio.to_thread(csl_items, columns, rows)


async def render_csljson(
    datasette,
    request,
    columns: Sequence[str],
    rows: Sequence[Any],
    data: dict[str, Any],
    error: str | None = None,
) -> Response:
    items = await _csl_items_or_refusal(columns, rows, data, error)
    if isinstance(items, Response):
        return items
    return _response(items, CSL_TYPE, data, datasette, request)


# RIS, for reference managers that read it rather than CSL-JSON (EndNote,
# older Zotero and Mendeley setups): the same items, tag by tag.
RIS_TYPE = "application/x-research-info-systems; charset=utf-8"
RIS_TYPES = {
    "article-newspaper": "NEWS",
    "report": "RPRT",
    "broadcast": "VIDEO",
    "post": "ELEC",
    "map": "MAP",
}


def _ris_date(date: dict[str, Any] | None) -> str | None:
    """RIS's YYYY/MM/DD/ with the parts CSL has (an interval: its start)."""
    parts = (date or {}).get("date-parts")
    if not parts:
        return None
    first = [f"{parts[0][0]:04d}"] + [f"{p:02d}" for p in parts[0][1:]]
    return "/".join(first + [""] * (3 - len(first))) + "/"


def ris_record(item: dict[str, Any]) -> str:
    """One CSL item (csl_item) as an RIS record."""
    lines = [("TY", RIS_TYPES.get(item["type"], "GEN")), ("ID", item["id"])]
    lines.append(("TI", item.get("title")))
    lines += [("AU", author["literal"]) for author in item.get("author", [])]
    lines.append(("T2", item.get("container-title")))
    issued = item.get("issued")
    date = _ris_date(issued)
    lines.append(("DA", date))
    lines.append(("PY", date[:4] if date else None))
    lines.append(("UR", item.get("URL")))
    lines.append(("Y2", _ris_date(item.get("accessed"))))
    lines.append(("LA", item.get("language")))
    lines.append(("N1", item.get("note")))
    # A tag's value is one line: line breaks in the data become "; ".
    body = "".join(
        f"{tag}  - {' '.join(str(value).replace(chr(10), '; ').split())}\r\n"
        for tag, value in lines
        if value
    )
    return body + "ER  - \r\n"


async def render_ris(
    datasette,
    request,
    columns: Sequence[str],
    rows: Sequence[Any],
    data: dict[str, Any],
    error: str | None = None,
) -> Response:
    items = await _csl_items_or_refusal(columns, rows, data, error)
    if isinstance(items, Response):
        return items
    body = "\r\n".join(ris_record(item) for item in items)
    return Response(
        body, status=200, headers=_paging(data, datasette, request), content_type=RIS_TYPE
    )


RENDERERS: list[dict[str, Any]] = [
    {"extension": "geojson", "render": render_geojson, "can_render": can_render_geojson},
    {"extension": "csljson", "render": render_csljson, "can_render": can_render_csljson},
    {"extension": "ris", "render": render_ris, "can_render": can_render_csljson},
]


def renderers() -> list[dict[str, Any]]:
    """RENDERERS, each called as the installed Datasette calls renderers."""
    return [{**r, "render": compat.renderer(r["render"])} for r in RENDERERS]
