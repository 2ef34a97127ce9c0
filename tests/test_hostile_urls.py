"""Hostile addresses: every value the plugin reads from the request.

The plugin's pages read an id from the path and, on the timeline, ``site``,
``kind`` and ``next`` from the query string, ``q`` on the search page and
``page`` on a source's (facets, in test_facets.py, and
the renderers, in test_sql_readonly.py, have their own); any page takes an
address of bounded length. Whatever a visitor
writes there, a page answers 200, 400 or 404, never a 500; a 400 or 404 says
what was wrong in a sentence of the plugin's, never Python's error text, in
HTML as in the JSON twin.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .datasette_client import sql_path

PAGES = ("monuments", "events", "sources")
# Python's own wording of the errors these used to raise.
PYTHON_ERRORS = ("invalid literal", "too large to convert", "Exceeds the limit", "unhashable")

HOSTILE_IDS = [
    "~",
    "~2",
    "~ZZ",
    "%",
    "%ZZ",
    "%00",
    "..",
    "~2F..~2F",
    "a" * 5000,
    "~2Ejson",
    "\u202e",
    "😀",
    "<script>alert(1)</script>",
    "' or 1=1 --",
]
HOSTILE_NEXT = [
    ",\u00b2",  # a digit to str.isdigit, not to int()
    ",9223372036854775808",  # one past SQLite's largest integer
    "," + "9" * 5000,  # more digits than Python will read
    ",-1",
    ",1e5",
    "2015-01-01",
    "no comma",
    ",",
]


def assert_sane(response, path: str) -> None:
    assert response.status_code in (200, 400, 404), (path, response.status_code)
    assert not any(e in response.text for e in PYTHON_ERRORS), (path, response.text[:300])


@pytest.mark.parametrize("record", PAGES)
@pytest.mark.parametrize("raw_id", HOSTILE_IDS, ids=range(len(HOSTILE_IDS)))
async def test_hostile_ids_are_not_found(fixture_site, record, raw_id):
    for suffix in ("", ".json"):
        path = f"/-/heritage/{record}/{quote(raw_id, safe='~%')}{suffix}"
        response = await fixture_site.client.get(path, follow_redirects=True)
        assert_sane(response, path)
        assert response.status_code in (404, 200)


@pytest.mark.parametrize("token", HOSTILE_NEXT)
async def test_a_timeline_position_no_page_links_to_is_a_400(fixture_site, token):
    for path in ("/-/heritage/timeline", "/-/heritage/timeline.json"):
        response = await fixture_site.client.get(path + "?" + urlencode({"next": token}))
        assert response.status_code == 400, (path, token, response.text[:200])
        assert "expected DATE,NUMBER" in response.text
        assert_sane(response, path)


async def test_the_timeline_still_follows_its_own_links(fixture_site):
    page = (await fixture_site.client.get("/-/heritage/timeline.json")).json()
    # The fixture has fewer events than a page: make a position from the first.
    first = page["events"][0]
    token = f"{first['when']['start'] or ''},1"
    response = await fixture_site.client.get("/-/heritage/timeline.json?next=" + quote(token))
    assert response.status_code == 200


async def test_an_address_too_long_for_facet_links_is_refused(fixture_site):
    # Every facet value's link repeats the address (Datasette's facets too).
    long = urlencode({"_pad": "x" * 9000})
    for path in ("/fixture/events", "/fixture/events.json", "/-/heritage/timeline"):
        response = await fixture_site.client.get(path + "?" + long)
        assert response.status_code == 414, path
        assert "at most 8,192" in response.text
    # A query in the SQL box may be longer: it has no facets.
    sql = "select 1 as one -- " + "x" * 9000
    response = await fixture_site.client.get(
        sql_path("fixture", "json") + "?" + urlencode({"sql": sql})
    )
    assert response.status_code == 200


async def test_facet_links_past_the_budget_are_refused(fixture_site):
    # Datasette's own facets, 18 of them, 1,000 values each, each value's
    # link 7 KB long: 130 MB of links. Fewer facets of the same address pass.
    pad = ("_pad", "x" * 7000)
    many = urlencode([("_facet", "id")] * 18 + [("_facet_size", "max"), pad])
    response = await fixture_site.client.get("/fixture/events.json?" + many)
    assert response.status_code == 400
    assert "fewer facets, a smaller _facet_size or a shorter address" in response.json()["error"]
    two = urlencode([("_facet", "id"), ("_facet", "kind"), ("_facet_size", "max"), pad])
    assert (await fixture_site.client.get("/fixture/events.json?" + two)).status_code == 200


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    site=st.text(max_size=40),
    kind=st.text(max_size=40),
    token=st.text(max_size=40),
    raw_id=st.text(min_size=1, max_size=40),
    page=st.text(max_size=12),
)
async def test_any_text_in_any_parameter_is_not_a_500(
    fixture_site, site, kind, token, raw_id, page
):
    query = urlencode({"site": site, "kind": kind, "next": token})
    paths = [
        "/-/heritage/timeline?" + query,
        "/-/heritage/timeline.json?" + query,
        "/-/heritage/search?" + urlencode({"q": token}),
        "/-/heritage/search.json?" + urlencode({"q": site + kind}),
        "/-/heritage/sources/wire-report?" + urlencode({"page": page}),
        "/-/heritage/sources/wire-report.json?" + urlencode({"page": page}),
    ]
    for path in paths:
        assert_sane(await fixture_site.client.get(path, follow_redirects=True), path)
    for record in PAGES:
        path = f"/-/heritage/{record}/{quote(raw_id, safe='')}.json"
        assert_sane(await fixture_site.client.get(path, follow_redirects=True), path)
