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

import json
import math
import re
from collections.abc import Sequence
from typing import Any

from datasette.utils.asgi import Response

from ..dates import EdtfError, parse_edtf

GEOJSON_TYPE = "application/geo+json; charset=utf-8"
CSL_TYPE = "application/vnd.citationstyles.csl+json; charset=utf-8"
LATITUDE, LONGITUDE = "latitude", "longitude"


def _rows(columns: Sequence[str], rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row)) for row in rows]


def _plain(value: Any) -> Any:
    """An expanded foreign key ({"value", "label"}) as its value."""
    return value["value"] if isinstance(value, dict) and "value" in value else value


def _response(body: Any, content_type: str, data: dict[str, Any], datasette, request) -> Response:
    headers = {}
    next_url = data.get("next_url")
    if next_url:
        headers["Link"] = f'<{datasette.absolute_url(request, next_url)}>; rel="next"'
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        status=200,
        headers=headers,
        content_type=content_type,
    )


def _error(data: dict[str, Any], columns: Sequence[str], can_render, needs: str) -> Response | None:
    """A 400 for a failed query, or for columns this format cannot use
    (Datasette dispatches on the extension whatever can_render says)."""
    message = data.get("error")
    if not message and not can_render(columns):
        message = f"This format needs {needs}; the columns here are: {', '.join(columns)}"
    if message:
        return Response.json({"ok": False, "error": message, "status": 400}, status=400)
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
    datasette, request, columns: Sequence[str], rows: Sequence[Any], data: dict[str, Any]
) -> Response:
    error = _error(data, columns, can_render_geojson, "latitude and longitude columns")
    if error:
        return error
    collection = geojson_collection(columns, rows)
    if data.get("next_url"):
        collection["next_url"] = datasette.absolute_url(request, data["next_url"])
    return _response(collection, GEOJSON_TYPE, data, datasette, request)


# CSL-JSON

# Column names in the sources table, and their names in the views that
# flatten sources into other rows (source_id, source_title).
ID_COLUMNS = ("source_id", "id")
TITLE_COLUMNS = ("source_title", "title")


def _first(columns: Sequence[str], names: Sequence[str]) -> str | None:
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


def csl_issued(published: str | None) -> dict[str, Any] | None:
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
        date = parse_edtf(text)
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


def csl_item(row: dict[str, Any]) -> dict[str, Any]:
    """One source as a CSL-JSON item.

    - type: from the source type (news reports are article-newspaper, a
      monitor's or an official report is report, a social media post is
      post ...); without one, article-newspaper when an outlet (publisher) or
      agency (credit) is named, else article.
    - container-title: the publisher (the outlet).
    - issued: from the EDTF ``published``, see csl_issued.
    - author: only a named personal author, from an ``author`` column where a
      query provides one. The credit line (e.g. "Reuters/AP") names the
      agency that supplied the story, not who wrote it, so it is not made an
      author; it goes in the note, as "Credit: ...".
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
    issued = csl_issued(get("published"))
    if issued:
        item["issued"] = issued
    url = get("url")
    if url and str(url).startswith(("http://", "https://")):
        item["URL"] = url
    accessed = get("accessed")
    if accessed and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(accessed)):
        item["accessed"] = {"date-parts": [_date_parts(str(accessed), "day")]}
    if get("language"):
        item["language"] = get("language")
    if get("author"):
        item["author"] = [
            {"literal": name.strip()} for name in str(get("author")).split(";") if name.strip()
        ]
    note = []
    if get("credit"):
        note.append(f"Credit: {get('credit')}")
    if get("published") is not None:
        line = f"Publication date (EDTF): {get('published')}"
        if get("published_note"):
            line += f"; {get('published_note')}"
        note.append(line)
    archive_url = get("archive_url")
    if archive_url and str(archive_url).startswith(("http://", "https://")):
        note.append(f"Archived copy: {archive_url}")
    if note:
        item["note"] = "\n".join(note)
    return item


def csl_items(columns: Sequence[str], rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Items for the distinct sources in the rows (a view repeats a source
    once per citation; a reference manager wants it once)."""
    items: dict[str, dict[str, Any]] = {}
    for row in _rows(columns, rows):
        item = csl_item(row)
        items.setdefault(item["id"], item)
    return list(items.values())


def render_csljson(
    datasette, request, columns: Sequence[str], rows: Sequence[Any], data: dict[str, Any]
) -> Response:
    error = _error(
        data,
        columns,
        can_render_csljson,
        "a source's id (or source_id), title (or source_title) and published",
    )
    if error:
        return error
    return _response(csl_items(columns, rows), CSL_TYPE, data, datasette, request)


RENDERERS = [
    {"extension": "geojson", "render": render_geojson, "can_render": can_render_geojson},
    {"extension": "csljson", "render": render_csljson, "can_render": can_render_csljson},
]
