"""Pages are not queued behind visitors' slow SQL (sql_admission.py).

Datasette runs SQL on a few threads (3 by default). A visitor's query that
runs to the time limit holds one for a second; a page that asked the
database for its table names on every request waited behind all of them
(/-/heritage went from 14 ms to 13 s with 32 such clients). The plugin reads
what an immutable database cannot change once, so its overview answers
while the SQL threads are busy; and it admits only a few visitors' SQL
requests at once (max_sql_requests), so a crowd of them cannot stall the
server: the rest get a prompt 503 with Retry-After, in the shape asked for.
"""

from __future__ import annotations

import asyncio
import shutil
import time

import httpx
import pytest
from datasette.app import Datasette

from datasette_heritage.site.serving import datasette_arguments
from datasette_heritage.site.sql_admission import BUSY, limit

from .conftest import start_server
from .datasette_client import sql_path

pytestmark = pytest.mark.slow

SLOW_SQL = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


@pytest.fixture(scope="module")
def server(fixture_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("threads") / "heritage.db"
    shutil.copy(fixture_db, db)
    # The site's default: one fewer than Datasette's 3 SQL threads.
    process, url = start_server(db)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def patient_server(fixture_db, tmp_path_factory):
    """A server whose queued SQL may wait 30 s (twice its SQL time limit), so
    that a loaded test machine answering a burst slowly does not turn waiting
    into refusing: what is tested is that the burst is queued, not how fast
    this machine is."""
    db = tmp_path_factory.mktemp("patient") / "heritage.db"
    shutil.copy(fixture_db, db)
    process, url = start_server(db, "--setting", "sql_time_limit_ms", "15000")
    yield url
    process.terminate()
    process.wait(10)


async def test_overview_answers_while_slow_sql_holds_every_thread(server):
    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        # Once, so whatever the overview reads once has been read.
        assert (await http.get("/-/heritage")).status_code == 200
        assert (await http.get("/heritage/events")).status_code == 200
        finished: list[float] = []

        statuses: list[int] = []

        async def slow() -> None:
            response = await http.get(sql_path("heritage", "json"), params={"sql": SLOW_SQL})
            statuses.append(response.status_code)
            finished.append(time.perf_counter())

        hogs = [asyncio.create_task(slow()) for _ in range(8)]
        await asyncio.sleep(0.3)  # the slow queries admitted hold their SQL threads
        asked = time.perf_counter()
        response = await http.get("/-/heritage")
        answered = time.perf_counter()
        static = await http.get("/-/static/app.css")
        static_answered = time.perf_counter()
        await asyncio.gather(*hogs)
    assert response.status_code == 200 and static.status_code == 200
    # Two at a time ran to the time limit (a 400 saying so); those that
    # waited longer than twice the time limit for their turn were refused.
    assert set(statuses) == {400, 503} and statuses.count(400) >= 2, statuses
    if hasattr(Datasette, "allowed"):
        # Datasette 1.0 checks every permission with SQL on its internal
        # database, on the same threads: no page of it can skip the queue.
        return
    # Neither waited for a thread: the slow queries were still running.
    assert static_answered < max(finished), (
        f"/-/heritage took {answered - asked:.2f} s, app.css {static_answered - answered:.2f} s"
    )


async def test_sql_over_the_limit_is_refused_at_once_in_the_shape_asked_for(server):
    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        # Once, so a server that has just started has done what its first
        # requests do before the slow queries fill every place.
        assert (await http.get(sql_path("heritage", "json"), params={"sql": "select 1"})).is_success
        # Two run to the time limit, eight wait for their turn (two more are
        # refused): no room left.
        hogs = [
            asyncio.create_task(http.get(sql_path("heritage", "json"), params={"sql": SLOW_SQL}))
            for _ in range(2 + 8 + 2)
        ]
        await asyncio.sleep(0.5)
        began = time.perf_counter()
        refused = {
            "json": await http.get(sql_path("heritage", "json"), params={"sql": "select 1"}),
            "html": await http.get(sql_path("heritage"), params={"sql": "select 1"}),
            "csv": await http.get(sql_path("heritage", "csv"), params={"sql": "select 1"}),
            "saved query": await http.get("/heritage/destroyed_monuments.json"),
        }
        took = time.perf_counter() - began
        table = await http.get("/heritage/events.json")  # not visitors' SQL: answered
        await asyncio.gather(*hogs)
        after = await http.get(sql_path("heritage", "json"), params={"sql": "select 1"})
    if not hasattr(Datasette, "allowed"):
        # Refused without waiting for a thread. (Datasette 1.0 renders even a
        # refusal after permission checks that run SQL on the same threads,
        # so there it waits for one of the running queries to end.)
        assert took < 0.9, f"four refusals took {took:.2f} s"
    for kind, response in refused.items():
        assert response.status_code == 503, (kind, response.text[:200])
        assert response.headers["retry-after"].isdigit()
        assert "public" not in response.headers.get("cache-control", "")
        assert "try again" in response.text
    assert refused["json"].json()["ok"] is False
    assert BUSY.split("(")[0].strip() in refused["json"].json()["error"]
    assert refused["html"].headers["content-type"].startswith("text/html")
    assert "<html" in refused["html"].text.lower()
    assert table.status_code == 200
    assert after.status_code == 200  # admitted again once the others finished


async def test_a_burst_of_quick_queries_waits_its_turn_rather_than_refused(patient_server):
    limits = httpx.Limits(max_connections=10)
    async with httpx.AsyncClient(base_url=patient_server, timeout=60, limits=limits) as http:
        responses = await asyncio.gather(
            *(
                http.get(sql_path("heritage", "json"), params={"sql": f"select {n}"})
                for n in range(6)
            ),
            *(http.get("/heritage/destroyed_monuments.json") for _ in range(4)),
        )
    # As many as may run and wait at once (2 + 8): every one answered.
    assert [r.status_code for r in responses] == [200] * 10


@pytest.mark.parametrize("value,ok", [("lots", False), (0, False), (1, True), ("4", True)])
async def test_a_limit_that_is_not_a_whole_number_stops_the_server(fixture_db, value, ok):
    plugins = {"plugins": {"datasette-heritage": {"max_sql_requests": value}}}
    datasette = Datasette(immutables=[str(fixture_db)], **datasette_arguments(plugins))
    if ok:
        await datasette.invoke_startup()
        assert limit(datasette) == int(value)
        return
    with pytest.raises(ValueError, match="max_sql_requests"):
        await datasette.invoke_startup()
