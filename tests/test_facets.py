"""The custom facets (severity, year, corroboration) through Datasette's test
client: order, counts against the rows themselves, and clicks that filter."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import pytest
from datasette.app import Datasette

from datasette_heritage.build.pipeline import build
from datasette_heritage.site.facets import TOGGLE_BUDGET
from datasette_heritage.site.request_limits import MAX_QUERY_BYTES

from .datasette_client import (
    FIXTURE_DATA,
    datasette_for,
    facet_results,
    load_metadata,
    local,
    table_json,
)

# Events that make the count order differ from the severity order (two
# monuments severely or possibly damaged, one destroyed), a date spanning
# three years, and an event three distinct sources support.
SKEW_EVENTS = """
- id: castle-shelled
  kind: damage
  title: Castle shelled
  date: 2014/2016
  site_id: testopolis
  monuments:
    - {monument_id: test-castle, damage_level: severely-damaged, cause: breaking-smashing}
  citations:
    - {source_id: wire-report, quote: blew up the Test Arch, claimant: Reuters/AP,
       stance: supports, identification: explicit}
    - {source_id: url-only, quote: The castle was shelled., claimant: Example News,
       stance: supports, identification: explicit}
    - {source_id: third-report, quote: Shells hit the castle., claimant: Third Agency,
       stance: supports, identification: explicit}
- id: arch-looted
  kind: damage
  title: Arch looted
  date: 2017-03?
  site_id: testopolis
  monuments:
    - {monument_id: test-arch, damage_level: possibly-damaged, cause: breaking-smashing}
    - {monument_id: test-castle, damage_level: possibly-damaged}
  citations:
    - {source_id: url-only, quote: The arch may have been looted., claimant: Example News,
       stance: supports, identification: explicit}
"""
THIRD_SOURCE = """
- id: third-report
  title: A third report
  publisher: Third Agency
  published: 2016
  url: https://example.org/third
  language: en
"""


@pytest.fixture(scope="session")
def skewed_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("skewed")
    data = root / "data"
    shutil.copytree(FIXTURE_DATA, data)
    (data / "events" / "skew.yml").write_text(SKEW_EVENTS, encoding="utf-8")
    (data / "sources" / "third.yml").write_text(THIRD_SOURCE, encoding="utf-8")
    path = root / "heritage.db"
    build(data, path)
    return datasette_for(path)


async def get_json(ds, path: str) -> dict[str, Any]:
    """A table page as JSON (rows as objects, all of them, with facets)."""
    response = await ds.client.get(table_json(path))
    assert response.status_code == 200, response.text
    return response.json()


def facet(data: dict[str, Any], name: str, type_: str) -> dict[str, Any]:
    facets = facet_results(data)
    found = [f for f in facets.values() if f["name"] == name and f["type"] == type_]
    assert len(found) == 1, list(facets)
    return found[0]


def by_label(info: dict[str, Any], label: str) -> dict[str, Any]:
    return next(v for v in info["results"] if v["label"] == label)


async def follow(ds, toggle_url: str) -> dict[str, Any]:
    """Click a facet value: its link keeps the page's .json, _shape and _size."""
    response = await ds.client.get(local(toggle_url))
    assert response.status_code == 200, response.text
    return response.json()


async def vocabulary(ds, db: str) -> dict[str, dict[str, Any]]:
    rows = (await get_json(ds, f"/{db}/damage_levels"))["rows"]
    return {r["id"]: r for r in rows}


# Severity


async def test_severity_orders_by_rank_not_count(skewed_site):
    data = await get_json(skewed_site, "/heritage/event_monuments?_facet_severity=damage_level")
    info = facet(data, "damage_level", "severity")
    levels = await vocabulary(skewed_site, "heritage")
    ranked = [v for v in info["results"] if v["value"] is not None]
    assert [v["rank"] for v in ranked] == sorted(levels[v["value"]]["rank"] for v in ranked)
    assert [v["label"] for v in ranked] == [levels[v["value"]]["label"] for v in ranked]
    # The data is built so that count order would differ: the order is not by count.
    counts = [v["count"] for v in ranked]
    assert counts != sorted(counts, reverse=True)
    # Counts agree with the rows; rows with no level come last, as "not recorded".
    expected = Counter(r["damage_level"] for r in data["rows"])
    assert {v["value"]: v["count"] for v in info["results"]} == dict(expected)
    assert info["results"][-1]["value"] is None
    assert info["results"][-1]["label"] == "not recorded"


async def test_severity_click_filters_and_toggles_back(skewed_site):
    data = await get_json(skewed_site, "/heritage/event_monuments?_facet_severity=damage_level")
    value = by_label(facet(data, "damage_level", "severity"), "Severely damaged")
    assert not value["selected"]
    filtered = await follow(skewed_site, value["toggle_url"])
    assert filtered["rows"]
    assert {r["damage_level"] for r in filtered["rows"]} == {"severely-damaged"}
    assert len(filtered["rows"]) == value["count"]
    selected = by_label(facet(filtered, "damage_level", "severity"), "Severely damaged")
    assert selected["selected"]
    # Choosing another level replaces the filter rather than adding to it.
    other = by_label(facet(data, "damage_level", "severity"), "Destroyed")
    assert "damage_level=severely-damaged" not in local(other["toggle_url"])
    unfiltered = await follow(skewed_site, selected["toggle_url"])
    assert len(unfiltered["rows"]) == len(data["rows"])


async def test_severity_not_recorded_filters_nulls(fixture_site):
    data = await get_json(fixture_site, "/fixture/monuments")
    info = facet(data, "condition", "severity")  # a default facet from metadata.yml
    assert info["hideable"] is False
    missing = by_label(info, "not recorded")
    filtered = await follow(fixture_site, missing["toggle_url"])
    assert filtered["rows"] and all(r["condition"] is None for r in filtered["rows"])
    assert len(filtered["rows"]) == missing["count"]


async def test_severity_respects_current_filters(fixture_site):
    data = await get_json(fixture_site, "/fixture/monuments?type=temple")
    info = facet(data, "condition", "severity")
    assert sum(v["count"] for v in info["results"]) == len(data["rows"])
    assert {v["value"] for v in info["results"]} == {r["condition"] for r in data["rows"]}


async def test_severity_uses_the_columns_vocabulary(skewed_site):
    data = await get_json(skewed_site, "/heritage/event_monuments?_facet_severity=cause")
    info = facet(data, "cause", "severity")
    causes = {r["id"]: r for r in (await get_json(skewed_site, "/heritage/causes"))["rows"]}
    ranked = [v for v in info["results"] if v["value"] is not None]
    assert len(ranked) >= 2
    assert [v["rank"] for v in ranked] == sorted(causes[v["value"]]["rank"] for v in ranked)
    assert all(v["label"] == causes[v["value"]]["label"] for v in ranked)


async def test_severity_shows_labels_in_order_on_the_html_page(skewed_site):
    response = await skewed_site.client.get(
        "/heritage/event_monuments?_facet_severity=damage_level&damage_level=destroyed"
    )
    html = response.text
    block = html[html.index('data-column="damage_level"') :]
    block = block[: block.index("</ul>")]
    assert "(severity)" in block
    # The selected level shows with its cross to clear it, as Datasette's own do.
    assert "Destroyed &middot;" in block and 'class="cross"' in block


async def test_severity_on_a_view(skewed_site):
    data = await get_json(skewed_site, "/heritage/monument_damage?_facet_severity=damage_level")
    info = facet(data, "damage_level", "severity")
    ranks = [v["rank"] for v in info["results"] if v["rank"] is not None]
    assert ranks == sorted(ranks) and len(ranks) >= 2


# Year


def years_of(row: dict[str, Any], start: str, end: str) -> list[int]:
    if row[start] is None or row[end] is None:
        return []
    return list(range(int(row[start][:4]), int(row[end][:4]) + 1))


def overlaps(row: dict[str, Any], year: int) -> bool:
    return (
        row["date_start"] is not None
        and row["date_end"] is not None
        and row["date_start"] <= f"{year}-12-31"
        and row["date_end"] >= f"{year}-01-01"
    )


async def test_year_counts_an_interval_in_every_year_it_spans(skewed_site):
    data = await get_json(skewed_site, "/heritage/events?_facet_year=date")
    info = facet(data, "date", "year")
    expected = Counter(y for row in data["rows"] for y in years_of(row, "date_start", "date_end"))
    assert {v["value"]: v["count"] for v in info["results"]} == dict(expected)
    # 2014/2016 spans 2015: that year counts it although it neither starts nor ends there.
    assert any(r["date"] == "2014/2016" for r in data["rows"])
    assert by_label(info, "2015")["count"] > sum(
        1 for r in data["rows"] if r["date_start"][:4] == "2015"
    )
    assert [v["value"] for v in info["results"]] == sorted(expected, reverse=True)


async def test_year_click_filters_to_overlapping_rows(skewed_site):
    data = await get_json(skewed_site, "/heritage/events?_facet_year=date")
    value = by_label(facet(data, "date", "year"), "2015")
    filtered = await follow(skewed_site, value["toggle_url"])
    assert {r["id"] for r in filtered["rows"]} == {
        r["id"] for r in data["rows"] if overlaps(r, 2015)
    }
    assert len(filtered["rows"]) == value["count"]
    assert by_label(facet(filtered, "date", "year"), "2015")["selected"]
    # Another year replaces the year filter.
    other = by_label(facet(filtered, "date", "year"), "2016")
    refiltered = await follow(skewed_site, other["toggle_url"])
    assert {r["id"] for r in refiltered["rows"]} == {
        r["id"] for r in data["rows"] if overlaps(r, 2016)
    }


async def test_year_is_a_default_events_facet_and_respects_filters(fixture_site):
    data = await get_json(fixture_site, "/fixture/events?kind=damage")
    info = facet(data, "date", "year")
    expected = Counter(y for row in data["rows"] for y in years_of(row, "date_start", "date_end"))
    assert {v["value"]: v["count"] for v in info["results"]} == dict(expected)
    assert all(r["kind"] == "damage" for r in data["rows"])


async def test_year_on_sources_published(skewed_site):
    data = await get_json(skewed_site, "/heritage/sources?_facet_year=published")
    info = facet(data, "published", "year")
    expected = Counter(
        y for row in data["rows"] for y in years_of(row, "published_start", "published_end")
    )
    assert {v["value"]: v["count"] for v in info["results"]} == dict(expected)
    value = info["results"][0]
    filtered = await follow(skewed_site, value["toggle_url"])
    assert len(filtered["rows"]) == value["count"]
    assert all(r["published_start"] <= f"{value['value']}-12-31" for r in filtered["rows"])


# Datasette gathers all facets; when one fails the others are never awaited.
@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
async def test_year_on_a_column_without_dates_is_a_clear_error(fixture_site):
    response = await fixture_site.client.get("/fixture/sites.json?_facet_year=name")
    assert response.status_code == 400
    assert "name_start" in response.text and "name_end" in response.text


# Corroboration


async def test_corroboration_buckets_match_the_rows(skewed_site):
    data = await get_json(skewed_site, "/heritage/events?_facet_corroboration=id")
    info = facet(data, "id", "corroboration")
    counts = {v["value"]: v["count"] for v in info["results"]}
    rows = data["rows"]
    expected = {
        "1": sum(r["supporting_sources"] == 1 for r in rows),
        "2": sum(r["supporting_sources"] == 2 for r in rows),
        "3+": sum(r["supporting_sources"] >= 3 for r in rows),
        "0": sum(r["supporting_sources"] == 0 for r in rows),
        "contested": sum(r["contested"] == 1 for r in rows),
    }
    assert counts == {k: v for k, v in expected.items() if v}
    assert counts["3+"] >= 1 and counts["contested"] >= 1
    assert [v["value"] for v in info["results"]] == [
        k for k in ("1", "2", "3+", "0", "contested") if k in counts
    ]


@pytest.mark.parametrize(
    "bucket,check",
    [
        ("1", lambda r: r["supporting_sources"] == 1),
        ("3+", lambda r: r["supporting_sources"] >= 3),
        ("contested", lambda r: r["contested"] == 1),
    ],
)
async def test_corroboration_click_filters(skewed_site, bucket, check):
    data = await get_json(skewed_site, "/heritage/events?_facet_corroboration=id")
    value = next(v for v in facet(data, "id", "corroboration")["results"] if v["value"] == bucket)
    filtered = await follow(skewed_site, value["toggle_url"])
    assert filtered["rows"] and all(check(r) for r in filtered["rows"])
    assert len(filtered["rows"]) == value["count"]
    again = next(
        v for v in facet(filtered, "id", "corroboration")["results"] if v["value"] == bucket
    )
    assert again["selected"]
    cleared = await follow(skewed_site, again["toggle_url"])
    assert len(cleared["rows"]) == len(data["rows"])


# Suggestions (the site turns suggestions off; Datasette's default is on)


async def test_suggestions_only_where_they_apply(fixture_db):
    ds = datasette_for(fixture_db, metadata=False)

    async def suggested(table: str):
        data = await get_json(ds, f"/fixture/{table}")
        return {(s["name"], s.get("type")) for s in data["suggested_facets"]}

    assert {("date", "year"), ("id", "corroboration")} <= await suggested("events")
    assert ("condition", "severity") in await suggested("monuments")
    assert ("published", "year") in await suggested("sources")
    ours = {"severity", "year", "corroboration"}
    assert not {s for s in await suggested("sites") if s[1] in ours}


# The real dataset


async def test_real_data_facets_are_consistent(real_site):
    data = await get_json(real_site, "/heritage/event_monuments?_facet_severity=damage_level")
    assert data["rows"], "the real dataset has no event_monuments rows"
    info = facet(data, "damage_level", "severity")
    ranks = [v["rank"] for v in info["results"] if v["value"] is not None]
    assert ranks == sorted(ranks)
    assert sum(v["count"] for v in info["results"]) == len(data["rows"])

    events = await get_json(real_site, "/heritage/events")
    years = facet(events, "date", "year")
    expected = Counter(y for row in events["rows"] for y in years_of(row, "date_start", "date_end"))
    assert {v["value"]: v["count"] for v in years["results"]} == dict(expected)
    corroboration = facet(events, "id", "corroboration")
    contested = [v for v in corroboration["results"] if v["value"] == "contested"]
    assert sum(v["count"] for v in contested) == sum(r["contested"] for r in events["rows"])
    supported = sum(v["count"] for v in corroboration["results"] if v["value"] != "contested")
    assert supported == len(events["rows"])


# Hostile settings from the address (issue 14): every one is refused with a
# clear 400 or bounded; none is a 500 or unbounded work.

LONG_AGO_EVENTS = """
- id: walls-worn-away
  kind: damage
  title: Walls worn away
  date: 1016/2015
  site_id: testopolis
  monuments:
    - {monument_id: test-castle, damage_level: possibly-damaged}
  citations:
    - {source_id: url-only, quote: The castle walls wore away., claimant: Example News,
       stance: supports, identification: explicit}
- id: walls-older-than-memory
  kind: damage
  title: Walls older than memory
  date: 1000/2015
  site_id: testopolis
  monuments:
    - {monument_id: test-castle, damage_level: possibly-damaged}
  citations:
    - {source_id: url-only, quote: Older than memory., claimant: Example News,
       stance: supports, identification: explicit}
"""


# Only the two events above, and every year of the facet (get_json asks for
# the largest page; the facet's own size is the largest too).
LONG_AGO = "id__in=walls-worn-away,walls-older-than-memory&_facet_size=max"


@pytest.fixture(scope="session")
def long_ago_site(tmp_path_factory):
    """The fixture data with an interval of exactly 1,000 years and one of 1,016."""
    root = tmp_path_factory.mktemp("long-ago")
    data = root / "data"
    shutil.copytree(FIXTURE_DATA, data)
    (data / "events" / "long-ago.yml").write_text(LONG_AGO_EVENTS, encoding="utf-8")
    path = root / "heritage.db"
    build(data, path)
    # Time limits a loaded test machine cannot miss: these tests are about
    # what is counted and shown, not about time.
    return Datasette(
        immutables=[str(path)],
        metadata=load_metadata(path),
        settings={"facet_time_limit_ms": 20_000, "sql_time_limit_ms": 20_000},
    )


async def status_and_error(ds, path: str) -> tuple[int, str]:
    response = await ds.client.get(path)
    if response.status_code == 200:
        return 200, ""
    return response.status_code, response.json()["error"]


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
@pytest.mark.parametrize(
    "query,expected",
    [
        # Values that are not names: a clear 400 naming the option, not Python's error.
        ('_facet_year={"column": ["id"]}', "option 'column' must be a name"),
        ('_facet_severity={"column": ["damage_level"]}', "option 'column' must be a name"),
        ('_facet_corroboration={"column": "id", "supporting": 5}', "'supporting' must be a name"),
        ('_facet_year={"column": "date", "start": {"a": 1}, "end": "date_end"}', "'start'"),
        ('_facet_year={"column": ""}', "'column' must be a name"),
        ("_facet_year={}", "needs a column name"),
        # Options no facet has.
        ('_facet_severity={"column": "kind", "n": 1}', "unknown option 'n'"),
        # Not JSON, or JSON that is no object (Datasette itself fails on these).
        ("_facet_year={bad", "not valid JSON"),
        ("_facet={bad", "not valid JSON"),
        ("_facet_year=" + "{" * 5_000, "not valid JSON"),
        # Columns that do not exist, named or as start/end.
        ('_facet_year={"column": "x", "start": "date_start", "end": "date_end"}', "no column x"),
        ('_facet_year={"column": "date", "start": "nope", "end": "date_end"}', "no column nope"),
        ('_facet_year={"column": "date", "start": "date_start"}', "both start and end"),
        ("_facet_corroboration=made-up", "no column made-up"),
        ("_facet_severity=made-up", "no column made-up"),
        # Numbers Python will not read.
        ("_facet_year=date&_facet_size=" + "9" * 5000, "_facet_size: too long"),
        ("_ttl=" + "9" * 5000, "_ttl: too long"),
    ],
)
async def test_hostile_facet_settings_are_a_clear_400(fixture_site, query, expected):
    status, error = await status_and_error(fixture_site, "/fixture/events.json?" + query)
    assert status == 400
    assert expected in error
    assert "Traceback" not in error and "unhashable" not in error


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
async def test_a_request_may_ask_for_ten_facets_of_a_type_not_more(fixture_site):
    many = "&".join(f"_facet_corroboration=id&_x{i}=" for i in range(11))
    status, error = await status_and_error(fixture_site, "/fixture/events.json?" + many)
    assert status == 400 and "11 facets asked for" in error and "at most 10" in error
    ten = "&".join(["_facet_corroboration=id"] * 10)
    response = await fixture_site.client.get("/fixture/events.json?" + ten)
    assert response.status_code == 200


async def test_the_same_facet_under_another_name_is_shown_once(fixture_site):
    same = json.dumps({"column": "date", "start": "date_start", "end": "date_end"})
    data = await get_json(
        fixture_site,
        "/fixture/events?" + urlencode([("_facet_year", "date"), ("_facet_year", same)]),
    )
    years = [f for f in facet_results(data).values() if f["type"] == "year"]
    assert len(years) == 1


async def test_year_facet_on_columns_without_dates_counts_nothing(fixture_site):
    # Any two columns whose values begin with digits used to be read as years
    # (one facet spanning thousands of years); only ISO days count.
    config = json.dumps({"column": "id", "start": "record_line", "end": "quote_end"})
    data = await get_json(fixture_site, "/fixture/citations?" + urlencode({"_facet_year": config}))
    info = facet(data, "id", "year")
    assert info["results"] == [] and not info["truncated"]


async def test_year_facet_spreads_at_most_a_thousand_years(long_ago_site):
    data = await get_json(long_ago_site, f"/heritage/events?{LONG_AGO}&_facet_year=date")
    assert len(data["rows"]) == 2
    counts = {v["value"]: v["count"] for v in facet(data, "date", "year")["results"]}
    # 1016/2015 spans 1,000 years and is counted in each; 1000/2015 spans
    # 1,016 and is counted in none (it still matches each year's filter).
    assert counts == {year: 1 for year in range(1016, 2016)}


async def test_toggle_links_of_a_long_address_are_bounded(long_ago_site):
    # Each value's link repeats the address: 1,000 years of an address of
    # 8 KB (the longest the site takes) would be 8 MB of links per facet.
    # The values shown stop at the request's budget of link bytes.
    padding = "x" * (MAX_QUERY_BYTES - 500)
    response = await long_ago_site.client.get(
        f"/heritage/events.json?{LONG_AGO}&" + urlencode({"_facet_year": "date", "_pad": padding})
    )
    assert response.status_code == 200
    info = facet(response.json(), "date", "year")
    assert info["truncated"]
    assert 100 < len(info["results"]) < 1000
    assert len(response.content) < TOGGLE_BUDGET + 1_000_000
    # Without the padding every year is shown.
    data = await get_json(long_ago_site, f"/heritage/events?{LONG_AGO}&_facet_year=date")
    assert len(facet(data, "date", "year")["results"]) == 1000


async def test_many_dummy_parameters_cost_one_parse(fixture_site):
    # A facet with 1,000 other parameters: links are built only for the
    # values shown, from the query string parsed once.
    padding = [(f"_x{i}", "") for i in range(1000)]
    response = await fixture_site.client.get(
        "/fixture/events.json?" + urlencode([("_facet_year", "date")] + padding)
    )
    assert response.status_code == 200
    info = facet(response.json(), "date", "year")
    assert info["results"] and all("_x999=" in v["toggle_url"] for v in info["results"])
