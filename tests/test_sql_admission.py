"""Which requests run visitors' SQL (sql_admission.py), on the real
Datasette with the site's metadata: ``?sql=`` on a database's page or query
page and the saved queries count; pages, tables, rows and static files
never do. The limit itself is tested against a real server in
test_sql_threads.py."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from datasette_heritage.site.request_limits import query_pairs
from datasette_heritage.site.sql_admission import limit, runs_visitors_sql

from .datasette_client import sql_path


def scope(path: str, query: dict[str, str] | None = None) -> dict:
    return {"type": "http", "path": path, "query_string": urlencode(query or {}).encode()}


@pytest.mark.parametrize(
    "path,query,counted",
    [
        (sql_path("heritage"), {"sql": "select 1"}, True),
        (sql_path("heritage", "json"), {"sql": "select 1"}, True),
        (sql_path("heritage", "csv"), {"sql": "select 1", "_stream": "on"}, True),
        ("/heritage", {"sql": "select 1"}, True),  # 1.0 redirects it; 0.65 runs it
        (sql_path("heritage", "json"), {"sql": "  "}, False),  # nothing to run
        ("/heritage", {}, False),
        ("/heritage/destroyed_monuments", {}, True),
        ("/heritage/destroyed_monuments.json", {}, True),
        ("/heritage/destroyed_monuments.geojson", {"_size": "max"}, True),
        ("/heritage/events", {"sql": "select 1"}, False),  # a table ignores sql=
        ("/heritage/events.json", {}, False),
        ("/heritage/events/some-event", {}, False),
        ("/nope/destroyed_monuments", {}, False),
        ("/-/heritage", {"sql": "select 1"}, False),
        ("/-/static/app.css", {}, False),
    ],
)
async def test_which_requests_run_visitors_sql(real_site, path, query, counted):
    await real_site.invoke_startup()
    request = scope(path, query)
    assert await runs_visitors_sql(real_site, request, query_pairs(request)) is counted


async def test_the_default_leaves_one_sql_thread_for_pages(real_site):
    assert limit(real_site) == real_site.setting("num_sql_threads") - 1
