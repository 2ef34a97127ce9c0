"""The plugin's pages stay bounded whatever the data holds.

A source cited 100,003 times made a source page of 77 MB in 11.5 s. Lists
under one record are bounded on every page: a source's passages come a page
at a time, an event's claims and monuments and the claims under each event
of a monument's page stop at a limit, with the number left out and a link to
the rest. Tested on real records built from YAML: one event cited 6,003
times (6,000 supporting, 3 disputing) by one source.
"""

from __future__ import annotations

import re
import shutil

import pytest
from datasette.app import Datasette

from datasette_heritage.build.pipeline import build
from datasette_heritage.site.queries import (
    EVENT_LIST_LIMIT,
    MONUMENT_CLAIMS_LIMIT,
    PASSAGES_PER_PAGE,
)

from .datasette_client import FIXTURE_DATA, datasette_for

SUPPORTING, DISPUTING = 6000, 3
QUOTE = "the militants destroyed the Temple of Tests"


def much_cited_event() -> str:
    claims = [
        f"    - {{source_id: wire-report, quote: {QUOTE}, claimant: Witness {i}, "
        f"stance: {'disputes' if i < DISPUTING else 'supports'}, identification: explicit}}"
        for i in range(SUPPORTING + DISPUTING)
    ]
    return (
        "- id: much-cited\n  kind: damage\n  title: Much cited\n  date: 2015-08\n"
        "  site_id: testopolis\n  monuments:\n"
        "    - {monument_id: test-castle, damage_level: destroyed}\n"
        "  citations:\n" + "\n".join(claims) + "\n"
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("much-cited")
    data = root / "data"
    shutil.copytree(FIXTURE_DATA, data)
    (data / "events" / "much-cited.yml").write_text(much_cited_event(), encoding="utf-8")
    path = root / "heritage.db"
    build(data, path)
    return datasette_for(path)


async def get(site, path: str):
    response = await site.client.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    return response


async def test_a_source_page_shows_its_passages_a_page_at_a_time(site):
    first = (await get(site, "/-/heritage/sources/wire-report.json")).json()
    total = first["passages"]["total"]
    assert total > SUPPORTING + DISPUTING
    assert len(first["citations"]) == PASSAGES_PER_PAGE
    assert [c["number"] for c in first["citations"]] == list(range(1, PASSAGES_PER_PAGE + 1))
    pages = first["passages"]["pages"]
    assert pages == -(-total // PASSAGES_PER_PAGE) and first["passages"]["previous_url"] is None
    # Following the links reaches every passage once.
    numbers, url = [], "/-/heritage/sources/wire-report.json"
    while url:
        page = (await get(site, url)).json()
        numbers += [c["number"] for c in page["citations"]]
        url = page["passages"]["next_json_url"]
    assert numbers == list(range(1, total + 1))
    html = (await get(site, "/-/heritage/sources/wire-report?page=2")).text
    assert f"Passages {PASSAGES_PER_PAGE + 1:,}–{2 * PASSAGES_PER_PAGE:,} of {total:,}" in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert len(re.findall(r'class="heritage-passage-entry', html)) == PASSAGES_PER_PAGE


@pytest.mark.parametrize("page,status", [("0", 404), ("99", 404), ("abc", 400), ("1e3", 400)])
async def test_a_page_of_passages_that_does_not_exist(site, page, status):
    for suffix in ("", ".json"):
        response = await site.client.get(f"/-/heritage/sources/wire-report{suffix}?page={page}")
        assert response.status_code == status


async def test_an_event_page_shows_its_first_claims_of_each_stance(site):
    data = (await get(site, "/-/heritage/events/much-cited.json")).json()
    assert len(data["supporting"]) == EVENT_LIST_LIMIT
    assert data["supporting_more"] == SUPPORTING - EVENT_LIST_LIMIT
    # However many support it, who disputes it is shown.
    assert len(data["disputing"]) == DISPUTING and data["disputing_more"] == 0
    html = (await get(site, "/-/heritage/events/much-cited")).text
    assert f"{SUPPORTING - EVENT_LIST_LIMIT:,} more in" in html


async def test_a_monument_page_shows_a_few_claims_per_event(site):
    data = (await get(site, "/-/heritage/monuments/test-castle.json")).json()
    event = next(e for e in data["events"] if e["id"] == "much-cited")
    shown = event["citations"]
    assert len(shown) == MONUMENT_CLAIMS_LIMIT + DISPUTING
    assert event["citations_more"] == SUPPORTING - MONUMENT_CLAIMS_LIMIT
    html = (await get(site, "/-/heritage/monuments/test-castle")).text
    assert f"{SUPPORTING - MONUMENT_CLAIMS_LIMIT:,} more claims on" in html
    assert f"Claims for ({SUPPORTING})" in html


async def test_a_page_out_of_time_says_so_in_the_sites_words(site):
    # The same database with a time limit no query of this event can meet:
    # a 503 saying so, never a 500 quoting the SQL.
    db = site.databases["heritage"].path
    slow = Datasette(immutables=[db], settings={"sql_time_limit_ms": 3})
    for path in ("/-/heritage/events/much-cited", "/-/heritage/events/much-cited.json"):
        response = await slow.client.get(path)
        assert response.status_code == 503, response.text[:300]
        assert "took longer to prepare than the site allows" in response.text
        assert "SELECT" not in response.text and "interrupted" not in response.text


def _citation_links(html: str) -> list[str]:
    """Every link in a page to a passage on a source page (unescaped)."""
    found = re.findall(r'href="([^"]*/-/heritage/sources/[^"]*#citation-[^"]*)"', html)
    return [link.replace("&amp;", "&") for link in found]


async def test_a_citation_link_lands_on_the_page_holding_its_passage(site):
    """The passages of a source cited 6,000 times come 500 a page: a link to
    one of them opens the page that holds it, wherever the link is."""
    db = site.get_database("heritage")
    ids = [
        r[0]
        for r in (
            await db.execute(
                "select id from citations where source_id = 'wire-report' order by id",
                page_size=None,
            )
        ).rows
    ]
    assert len(ids) > 2 * PASSAGES_PER_PAGE
    links: dict[str, list[str]] = {
        "event page": _citation_links((await get(site, "/-/heritage/events/much-cited")).text),
        "search results": _citation_links(
            (await get(site, "/-/heritage/search?q=Temple+of+Tests")).text
        ),
        "Datasette's citations table": _citation_links(
            (await get(site, "/heritage/citations?source_id=wire-report&_sort_desc=id")).text
        ),
        "Datasette's citation row": _citation_links(
            (await get(site, f"/heritage/citations/{ids[-1]}")).text
        ),
        "the feed": [
            link.replace("http://localhost", "")
            for link in re.findall(
                r'href="(http://localhost/-/heritage/sources/[^"]*#citation-[^"]*)"',
                (await get(site, "/-/heritage/timeline.atom")).text.replace("&amp;", "&"),
            )
        ],
    }
    pages_seen = set()
    for where, found in links.items():
        assert found, f"no passage link on the {where}"
        for link in found:
            path, _, anchor = link.partition("#")
            html = (await get(site, path)).text
            assert f'id="{anchor}"' in html, f"{link} from the {where} misses its passage"
            if "/sources/wire-report?" in path:
                pages_seen.add(re.search(r"\(page (\d+) of", html).group(1))
    assert len(pages_seen) > 1  # the links reach past the first page
    # Every page of passages is reached by a citation it holds: for a sample of
    # ids spread over the source, the JSON twin's page holds the citation.
    for citation_id in ids[:: len(ids) // 40]:
        data = (
            await get(site, f"/-/heritage/sources/wire-report.json?citation={citation_id}")
        ).json()
        assert citation_id in [c["id"] for c in data["citations"]]


@pytest.mark.parametrize(
    "value,status", [("nope", 404), ("much-cited-1", 200), ("", 400), ("x" * 400, 400)]
)
async def test_a_citation_the_source_page_does_not_hold(site, value, status):
    for suffix in ("", ".json"):
        response = await site.client.get(
            f"/-/heritage/sources/wire-report{suffix}?citation={value}"
        )
        assert response.status_code == status, (value, response.text[:200])
