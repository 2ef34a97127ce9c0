"""SQL in the browser cannot write or escape.

A real server, started the README way (immutable, inspect file, the
public-site settings), is sent every kind of write and escape through the SQL
box, as JSON and as the HTML page a visitor sees: each fails with a clear
error message (400, never a 500 or a traceback), the server keeps serving,
and the database file is byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import html
import shutil
import time
from pathlib import Path

import httpx
import pytest

from datasette_heritage.site.sql_limits import (
    MAX_RESULT_BYTES,
    MAX_VALUE_BYTES,
    check_supported,
)

from .conftest import start_server
from .datasette_client import sql_path

NOT_SELECT = "Statement must be a SELECT"
READONLY = "attempt to write a readonly database"
ONE_STATEMENT = "You can only execute one statement at a time"
REFUSED_FUNCTION = "not authorized to use function: fts3_tokenizer"
TOO_BIG = "string or blob too big"
DISALLOWED_PRAGMA = "Statement contained a disallowed PRAGMA"

# (sql, the error the visitor is shown). {dir} is a folder beside the database.
CASES = [
    ("insert into sites (id, name, country) values ('x', 'x', 'x')", NOT_SELECT),
    ("replace into sites (id, name, country) values ('x', 'x', 'x')", NOT_SELECT),
    ("update events set title = 'pwned'", NOT_SELECT),
    ("delete from events", NOT_SELECT),
    ("create table pwned (x)", NOT_SELECT),
    ("create temp table pwned as select * from events", NOT_SELECT),
    ("drop table events", NOT_SELECT),
    ("alter table events rename to gone", NOT_SELECT),
    ("create trigger t after insert on events begin delete from events; end", NOT_SELECT),
    ("attach database '{dir}/attached.db' as attached", NOT_SELECT),
    ("detach database main", NOT_SELECT),
    ("vacuum", NOT_SELECT),
    ("vacuum into '{dir}/copy.db'", NOT_SELECT),
    ("reindex", NOT_SELECT),
    ("analyze", NOT_SELECT),
    ("begin immediate", NOT_SELECT),
    ("pragma user_version = 5", NOT_SELECT),
    ("pragma journal_mode = delete", NOT_SELECT),
    ("pragma writable_schema = on", NOT_SELECT),
    ("explain delete from events", NOT_SELECT),
    # Table-valued pragmas with an argument set the pragma.
    ("select * from pragma_journal_mode('wal')", DISALLOWED_PRAGMA),
    ("select * from pragma_user_version(5)", DISALLOWED_PRAGMA),
    # Datasette lets WITH through (it starts a SELECT); the write inside it
    # meets the immutable file.
    ("with x as (select 1) delete from events", READONLY),
    ("with x as (select 1) insert into sites (id, name, country) select 'y', 'y', 'y'", READONLY),
    ("with x as (select 1) update events set title = 'pwned'", READONLY),
    ("select 1; delete from events", ONE_STATEMENT),
    ("select * from events; attach database '{dir}/attached.db' as attached", ONE_STATEMENT),
    ("select load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0')", "not authorized"),
    ("select load_extension('{dir}/evil')", "not authorized"),
    # Reads and writes raw C pointers of FTS3 tokenizers (sql_limits.py).
    ("select fts3_tokenizer('simple')", REFUSED_FUNCTION),
    ("select fts3_tokenizer('simple', x'4141414141414141')", REFUSED_FUNCTION),
    # One huge value: a single step the time limit cannot interrupt.
    ("select length(randomblob(900000000))", TOO_BIG),
    (f"select length(zeroblob({MAX_VALUE_BYTES + 1}))", TOO_BIG),
]

RUNAWAY = (
    "with recursive counter(n) as (select 1 union all select n + 1 from counter) "
    "select count(*) from counter"
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def site(fixture_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("readonly")
    db = folder / "heritage.db"
    shutil.copy(fixture_db, db)
    digest = sha256(db)
    process, url = start_server(db)
    yield {"url": url, "db": db, "digest": digest, "folder": folder, "pid": process.pid}
    process.terminate()
    process.wait(10)


def assert_clean_failure(response: httpx.Response, expected: str) -> None:
    assert "Traceback" not in response.text
    if response.headers["content-type"].startswith("application/json"):
        assert response.status_code == 400, response.text[:500]
        body = response.json()
        assert body["ok"] is False
        assert expected in body["error"]
    else:
        # Datasette 0.65 answers 400; 1.0 shows an error SQLite raised while
        # running the query on the query page itself, answered 200.
        assert response.status_code in (200, 400), response.text[:500]
        assert "text/html" in response.headers["content-type"]
        assert expected in html.unescape(response.text)


def assert_untouched(site) -> None:
    assert sha256(site["db"]) == site["digest"], "the database file changed"
    leftovers = {
        p.name for p in site["folder"].iterdir() if not p.name.startswith("heritage.db.")
    }  # inspect file, server log
    assert leftovers == {"heritage.db"}, f"files appeared beside the database: {leftovers}"


@pytest.mark.parametrize("sql, expected", CASES, ids=[c[0][:60] for c in CASES])
def test_write_or_escape_fails_cleanly(site, sql, expected):
    sql = sql.format(dir=site["folder"])
    for path in (sql_path("heritage", "json"), sql_path("heritage")):
        response = httpx.get(site["url"] + path, params={"sql": sql}, timeout=30)
        assert_clean_failure(response, expected)
    assert_untouched(site)


def test_sql_injected_through_a_table_filter_fails_cleanly(site):
    # ?_where= is pasted into the table page's query: it cannot end the
    # statement and start another.
    for path in ("/heritage/events.json", "/heritage/events"):
        response = httpx.get(
            site["url"] + path, params={"_where": "1); delete from events; --"}, timeout=30
        )
        assert_clean_failure(response, "syntax error")
    assert_untouched(site)


def test_runaway_recursive_query_is_interrupted_by_the_time_limit(site):
    settings = httpx.get(site["url"] + "/-/settings.json").json()
    assert settings["sql_time_limit_ms"] == 1000  # Datasette's default, kept
    for path in (sql_path("heritage", "json"), sql_path("heritage")):
        started = time.perf_counter()
        response = httpx.get(site["url"] + path, params={"sql": RUNAWAY}, timeout=60)
        elapsed = time.perf_counter() - started
        assert_clean_failure(response, "SQL query took too long")
        assert elapsed < 10, f"the runaway query ran {elapsed:.1f}s"
    # The server is not left busy: an ordinary query answers at once.
    response = httpx.get(
        site["url"] + sql_path("heritage", "json"),
        params={"sql": "select count(*) as n from events", "_shape": "array"},
    )
    assert response.status_code == 200
    assert response.json() == [{"n": 4}]
    assert_untouched(site)


@pytest.mark.parametrize(
    "path",
    [
        "/heritage",
        "/heritage.json",
        "/heritage/events",
        "/heritage/events/temple-of-tests-destroyed",
        "/heritage/events.json",
    ],
)
def test_posting_to_database_table_and_row_pages_is_refused(site, path):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = httpx.request(
            method,
            site["url"] + path,
            params={"sql": "delete from events"},
            data={"sql": "delete from events", "title": "pwned"},
        )
        assert response.status_code == 405, (method, response.text[:300])
        assert "read-only" in response.text
        assert "GET" in response.headers["allow"]
    assert_untouched(site)


# Rows of large values: each under the value cap, together far over what one
# response may hold (80 rows of 9 MB made a 720 MB body and took 4 GB).
MANY_LARGE = (
    "with recursive c(x) as (select 1 union all select x + 1 from c where x < {rows}) "
    "select x as id, 'title' as title, '2015' as published, 1.0 as latitude, "
    "1.0 as longitude, {value} as big from c"
)
NINE_MB = "hex(zeroblob(4500000))"
# 3 MB of a non-ASCII letter is 18 MB of JSON (\u00e9 each).
NON_ASCII = "replace(hex(zeroblob(1500000)), '0', char(233))"


def server_peak_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))
    except OSError:
        return None  # not Linux


def reset_server_peak(pid: int) -> None:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


@pytest.mark.parametrize("format", ["json", "geojson", "csljson", None])
def test_a_response_too_large_is_one_clear_error_in_bounded_memory(site, format):
    path = sql_path("heritage", format)
    reset_server_peak(site["pid"])
    for value in (NINE_MB, NON_ASCII):
        sql = MANY_LARGE.format(rows=80, value=value)
        response = httpx.get(site["url"] + path, params={"sql": sql}, timeout=60)
        assert_clean_failure(response, f"larger than {MAX_RESULT_BYTES // 1_000_000} MB")
    peak = server_peak_mib(site["pid"])
    assert peak is None or peak < 1000, f"the server took {peak:.0f} MiB"
    # Under the limit, the same query answers.
    sql = MANY_LARGE.format(rows=3, value=NINE_MB)
    response = httpx.get(site["url"] + path, params={"sql": sql}, timeout=60)
    assert response.status_code == 200
    assert len(response.content) > (27_000_000 if format == "json" else 0)


@pytest.mark.parametrize(
    "path", ["/-/heritage", "/-/heritage.json", "/-/heritage/timeline", "/-/heritage/events/x"]
)
def test_plugin_pages_answer_only_get_and_head(site, path):
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"):
        response = httpx.request(method, site["url"] + path, data={"title": "pwned"})
        assert response.status_code == 405, (method, response.text[:300])
        assert response.headers["allow"] == "GET, HEAD"
    assert httpx.head(site["url"] + "/-/heritage").status_code == 200
    assert_untouched(site)


def test_ordinary_reads_still_work(site):
    # The limits leave what visitors do alone: the SQL box, FTS search, and
    # the whole article text.
    response = httpx.get(
        site["url"] + sql_path("heritage", "json"),
        params={
            "sql": "select id, length(text) as n from sources where text is not null order by id",
            "_shape": "array",
        },
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == ["arabic-report", "wire-report"]
    response = httpx.get(
        site["url"] + "/heritage/sources.json", params={"_search": "Testopolis", "_shape": "array"}
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == ["wire-report"]


def test_the_site_refuses_to_start_where_the_value_cap_cannot_be_set():
    # Python before 3.11 has no Connection.setlimit: no silent site without the cap.
    class OldConnection:
        pass

    with pytest.raises(RuntimeError, match=r"Python 3\.11 or later"):
        check_supported(OldConnection)
    check_supported()  # this Python has it
