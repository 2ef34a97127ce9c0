"""Errors in the site's words and with the right status (errors.py, and the
middleware's check of CSV bodies).

A visitor's mistake on Datasette's own pages is a 400 that says what was
wrong, on Datasette 0.65 as on 1.0: 0.65 answers some of them with a 500
(an unknown sort column, a CSV of a query that ran out of time) or with an
empty 200 (a CSV of a query that failed); 1.0 a facet on an unknown column.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest

from .datasette_client import sql_path

SLOW_SQL = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("suffix", ["", ".json", ".csv"])
@pytest.mark.parametrize(
    "query",
    [{"_sort": "nope"}, {"_sort_desc": "nope"}, {"_sort": "title", "_sort_desc": "kind"}],
    ids=["sort", "sort_desc", "both"],
)
async def test_a_sort_the_table_cannot_do_is_a_400(fixture_site, suffix, query):
    response = await fixture_site.client.get(f"/fixture/events{suffix}?{urlencode(query)}")
    assert response.status_code == 400, response.text[:300]
    assert "Cannot sort table by nope" in response.text or "at the same time" in response.text
    if suffix == ".json":
        assert response.json()["ok"] is False


async def test_a_sort_by_a_real_column_still_sorts(fixture_site):
    response = await fixture_site.client.get("/fixture/events.json?_sort=title&_shape=array")
    titles = [row["title"] for row in response.json()]
    assert response.status_code == 200 and titles == sorted(titles) and len(titles) > 1


@pytest.mark.parametrize("stream", [False, True], ids=["page", "stream"])
@pytest.mark.parametrize("sql", ["select nope", "select 1 from ("], ids=["column", "syntax"])
async def test_the_csv_of_a_failed_query_is_a_400_that_says_so(fixture_site, sql, stream):
    query = {"sql": sql, **({"_stream": "on"} if stream else {})}
    response = await fixture_site.client.get(sql_path("fixture", "csv") + "?" + urlencode(query))
    assert response.status_code == 400
    assert response.text.strip(), "an empty body hides the error"
    assert "public" not in response.headers.get("cache-control", "")  # errors are not cached


async def test_the_csv_of_a_query_that_runs_out_of_time_is_a_400(fixture_site):
    path = sql_path("fixture", "csv") + "?" + urlencode({"sql": SLOW_SQL})
    response = await fixture_site.client.get(path)
    assert response.status_code == 400
    assert "sql_time_limit_ms" in response.text


@pytest.mark.parametrize("stream", [False, True], ids=["page", "stream"])
async def test_the_csv_of_a_query_that_ran_is_whole(fixture_site, stream):
    extra = {"_stream": "on"} if stream else {}
    empty = await fixture_site.client.get(
        sql_path("fixture", "csv") + "?" + urlencode({"sql": "select 1 as one where 0", **extra})
    )
    assert (empty.status_code, csv_rows(empty.text)) == (200, [["one"]])
    table = await fixture_site.client.get(
        "/fixture/citations.csv?" + urlencode({"_size": "max", **extra})
    )
    as_json = await fixture_site.client.get("/fixture/citations.json?_shape=array&_size=max")
    rows = csv_rows(table.text)
    assert table.status_code == 200
    assert rows[0][0] == "id" and len(rows) == len(as_json.json()) + 1


@pytest.mark.parametrize("suffix", ["", ".json", ".csv"])
async def test_a_facet_on_an_unknown_column_is_a_400(fixture_site, suffix):
    response = await fixture_site.client.get(f"/fixture/events{suffix}?_facet=nope")
    # 0.65 leaves facets out of a CSV; the rest say what is missing.
    if suffix == ".csv" and response.status_code == 200:
        assert csv_rows(response.text)[0][0] == "id"
        return
    assert response.status_code == 400, response.text[:300]
    assert "nope" in response.text


async def test_a_csv_passes_as_soon_as_its_header_row_has():
    """A streamed CSV (``_stream=on``, any size) goes out chunk by chunk: the
    check holds nothing after the first chunk that shows a header row."""
    from datasette_heritage.site.middleware import _failed_csv_guard

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    guarded = _failed_csv_guard(send, "/fixture/events.csv")
    await guarded({"type": "http.response.start", "status": 200, "headers": []})
    assert sent == []  # held until the body shows what it is
    await guarded({"type": "http.response.body", "body": b"\r", "more_body": True})
    assert sent == []  # could still be the bare line end of a failed query
    await guarded({"type": "http.response.body", "body": b"id,title\r\n", "more_body": True})
    assert [m["type"] for m in sent] == ["http.response.start"] + ["http.response.body"] * 2
    for n in range(3):
        await guarded({"type": "http.response.body", "body": b"1,a\r\n", "more_body": True})
        assert len(sent) == 4 + n  # each chunk passes as it comes
