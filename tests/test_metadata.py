"""metadata.yml: every table, view and column of a freshly built database is
described; the site's title, licence and source; default facets, sorts,
labels, search, the cluster map; and the saved queries answer what they say."""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

import pytest
import sqlite_utils
import yaml

from datasette_heritage.build import summaries
from datasette_heritage.build.writer import FTS, TABLES, VIEWS

from .datasette_client import METADATA, facet_results, table_json


@pytest.fixture(scope="module")
def metadata() -> dict[str, Any]:
    return yaml.safe_load(METADATA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def described(metadata) -> dict[str, Any]:
    return metadata["databases"]["heritage"]["tables"]


async def rows_of(ds, path: str) -> list[dict[str, Any]]:
    base, _, query = path.partition("?")
    response = await ds.client.get(f"{base}.json?{query}&_shape=array&_size=max")
    assert response.status_code == 200, response.text
    return response.json()


def public_tables(db: sqlite_utils.Database) -> list[str]:
    """Tables and views people see: not FTS internals, not SQLite's statistics."""
    fts = {name for table in FTS for name in db.table_names() if name.startswith(table + "_fts")}
    return [
        t
        for t in db.table_names() + db.view_names()
        if t not in fts and not t.startswith("sqlite_")
    ]


def test_every_table_view_and_column_is_described(fixture_db, described):
    db = sqlite_utils.Database(fixture_db)
    tables = public_tables(db)
    # The schema's own lists and the built file agree, so neither is skipped.
    assert set(tables) == set(TABLES) | set(summaries.TABLES) | set(VIEWS)
    missing = []
    for table in tables:
        entry = described.get(table) or {}
        if not entry.get("description"):
            missing.append(f"{table}: no description")
        columns = [c.name for c in db[table].columns]
        descriptions = entry.get("columns") or {}
        missing += [f"{table}.{c}" for c in columns if not descriptions.get(c)]
        # No description of a column that does not exist (renamed or dropped).
        missing += [
            f"{table}.{c} is described but does not exist" for c in descriptions if c not in columns
        ]
    assert not missing, "metadata.yml lacks: " + ", ".join(missing)
    assert not set(described) - set(tables), "metadata.yml describes tables the build lacks"


def test_site_title_licence_and_source(metadata):
    for key in (
        "title",
        "description_html",
        "license",
        "license_url",
        "source",
        "about",
        "about_url",
    ):
        assert metadata.get(key), key
    assert "CC BY 4.0" in metadata["license"]
    assert "publishers" in metadata["license"]
    assert "publishers" in metadata["databases"]["heritage"]["description_html"]


async def test_the_pages_show_title_licence_and_descriptions(fixture_site, described):
    index = (await fixture_site.client.get("/")).text
    assert "Heritage damage tracker" in index
    assert "CC BY 4.0" in index
    events = (await fixture_site.client.get("/fixture/events")).text
    assert html.escape(described["events"]["columns"]["date_start"]) in events
    assert html.escape(described["events"]["description"], quote=False) in events


async def test_default_facets_and_sort(fixture_site):
    data = (await fixture_site.client.get(table_json("/fixture/events"))).json()
    facets = {(f["name"], f["type"]) for f in facet_results(data).values()}
    assert {
        ("kind", "column"),
        ("site_id", "column"),
        ("date_precision", "column"),
        ("contested", "column"),
        ("date", "year"),
        ("id", "corroboration"),
    } <= facets
    starts = [r["date_start"] for r in data["rows"]]
    assert starts == sorted(starts, reverse=True)
    for table, expected in (
        ("event_monuments", {("damage_level", "severity"), ("cause", "column")}),
        ("monuments", {("type", "column"), ("condition", "severity")}),
        ("citations", {("claimant", "column"), ("stance", "column"), ("identification", "column")}),
    ):
        data = (await fixture_site.client.get(table_json(f"/fixture/{table}"))).json()
        assert expected <= {(f["name"], f["type"]) for f in facet_results(data).values()}


async def test_label_columns_expand_foreign_keys(fixture_site):
    events = {r["id"]: r["title"] for r in await rows_of(fixture_site, "/fixture/events")}
    levels = {r["id"]: r["label"] for r in await rows_of(fixture_site, "/fixture/damage_levels")}
    rows = await rows_of(fixture_site, "/fixture/event_monuments?_labels=on")
    for row in rows:
        assert row["event_id"]["label"] == events[row["event_id"]["value"]]
        if row["damage_level"]:
            assert row["damage_level"]["label"] == levels[row["damage_level"]["value"]]


async def test_full_text_search(fixture_site):
    sources = await rows_of(fixture_site, "/fixture/sources")
    word = sources[0]["title"].split()[-1]
    found = await rows_of(fixture_site, f"/fixture/sources?_search={word}")
    assert sources[0]["id"] in {r["id"] for r in found}
    monuments = await rows_of(fixture_site, "/fixture/monuments")
    named = next(m for m in monuments if m["alternative_names"] not in (None, "[]"))
    alternative = yaml.safe_load(named["alternative_names"])[0].split()[-1]
    found = await rows_of(fixture_site, f"/fixture/monuments?_search={alternative}")
    assert named["id"] in {r["id"] for r in found}


async def test_monuments_table_has_the_cluster_map(fixture_site):
    text = (await fixture_site.client.get("/fixture/monuments")).text
    assert "datasette-cluster-map.js" in text
    assert 'DATASETTE_CLUSTER_MAP_LATITUDE_COLUMN = "latitude"' in text
    assert 'DATASETTE_CLUSTER_MAP_LONGITUDE_COLUMN = "longitude"' in text


# Saved queries: each answers its question, checked against the tables.


async def check_saved_queries(ds, db: str) -> None:
    monuments = await rows_of(ds, f"/{db}/monuments")
    events = await rows_of(ds, f"/{db}/events")
    citations = await rows_of(ds, f"/{db}/citations")
    damage = await rows_of(ds, f"/{db}/event_monuments")

    destroyed = await rows_of(ds, f"/{db}/destroyed_monuments")
    assert {r["monument_id"] for r in destroyed} == {
        m["id"] for m in monuments if m["condition"] == "destroyed"
    }
    assert len(destroyed) == sum(d["damage_level"] == "destroyed" for d in damage)

    contested = await rows_of(ds, f"/{db}/contested_events")
    assert sorted(r["event_id"] for r in contested) == sorted(
        e["id"] for e in events if e["contested"]
    )
    assert all(r["disputed_by"] for r in contested)

    per_year = await rows_of(ds, f"/{db}/events_per_year")
    expected = Counter(
        y
        for e in events
        if e["date_start"] and e["date_end"]
        for y in range(int(e["date_start"][:4]), int(e["date_end"][:4]) + 1)
    )
    assert {r["year"]: r["events"] for r in per_year if r["events"]} == dict(expected)

    by_claimant = await rows_of(ds, f"/{db}/citations_by_claimant")
    assert {r["claimant"]: r["citations"] for r in by_claimant} == dict(
        Counter(c["claimant"] for c in citations)
    )

    inferred = await rows_of(ds, f"/{db}/inferred_identifications")
    assert sorted(r["citation_id"] for r in inferred) == sorted(
        c["id"] for c in citations if c["identification"] == "inferred"
    )
    assert all(r["note"] for r in inferred)

    outlets = await rows_of(ds, f"/{db}/outlet_reports")
    reports = await rows_of(ds, f"/{db}/source_reports")
    assert len(outlets) == len(reports)
    # The outlet is the one the source names, never its id standing in.
    named = {r["source_id"]: r["publisher"] or r["credit"] for r in reports}
    assert all(r["outlet"] == named[r["source_id"]] for r in outlets)
    assert all(r["outlet"] != r["source_id"] for r in outlets)


async def test_saved_queries_on_the_fixture(fixture_site, metadata):
    assert {
        "destroyed_monuments",
        "contested_events",
        "outlet_reports",
        "events_per_year",
        "citations_by_claimant",
        "inferred_identifications",
    } <= set(metadata["databases"]["heritage"]["queries"])
    await check_saved_queries(fixture_site, "fixture")


async def test_saved_queries_on_the_real_data(real_site):
    await check_saved_queries(real_site, "heritage")
    assert await rows_of(real_site, "/heritage/destroyed_monuments")
    assert await rows_of(real_site, "/heritage/contested_events")
