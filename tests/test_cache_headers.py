"""Cache headers let a CDN cache the pages of an immutable database: on the
real server (the README's settings) every anonymous page, the plugin's
included, is ``public, max-age=<default_cache_ttl>``; nothing personal or
failed is marked cacheable; a mutable database gets none of it.
"""

from __future__ import annotations

import shutil

import httpx
import pytest
from datasette.app import Datasette

from datasette_heritage.site.serving import SETTINGS

from .conftest import start_server
from .datasette_client import sql_path
from .site_pages import datasette_pages, plugin_pages

TTL = int(SETTINGS["default_cache_ttl"])
PUBLIC = f"public, max-age={TTL}"


@pytest.fixture(scope="module")
def server(fixture_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("cache") / "heritage.db"
    shutil.copy(fixture_db, db)
    process, url = start_server(db)
    yield url, db
    process.terminate()
    process.wait(10)


def test_every_page_and_json_twin_is_publicly_cacheable(server):
    url, db = server
    paths = [p for pair in plugin_pages(db) + datasette_pages(db, limit=2) for p in pair]
    paths += [
        "/heritage/monuments.geojson",
        "/heritage/sources.csljson",
        "/heritage/events.csv",
        "/-/static/app.css",
    ]
    assert len(paths) > 30
    with httpx.Client(base_url=url) as client:
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["cache-control"] == PUBLIC, path
            if not path.startswith("/-/static/"):
                # A CDN keys its cache on these, so a signed-in visitor
                # never gets an anonymous copy, nor the other way round.
                assert "Cookie" in response.headers["vary"], path


def test_nothing_personal_or_failed_is_cached(server):
    url, _ = server
    with httpx.Client(base_url=url) as client:
        for path in ("/-/heritage", "/heritage/events"):
            response = client.get(path, headers={"cookie": "ds_actor=someone"})
            assert response.headers["cache-control"] == "private, no-store", path
        for path in (
            "/-/heritage/monuments/no-such-monument",
            "/heritage/no_such_table",
            "/no-such-database",
        ):
            response = client.get(path)
            assert response.status_code == 404
            assert "public" not in response.headers.get("cache-control", ""), path
        response = client.get(sql_path("heritage", "json"), params={"sql": "select nonsense("})
        assert response.status_code == 400
        assert "public" not in response.headers.get("cache-control", "")
        # A visitor may still ask for a fresh copy, of a query as of a plugin page.
        for path in (sql_path("heritage", "json") + "?sql=select+1&_ttl=0", "/-/heritage?_ttl=0"):
            response = client.get(path)
            assert response.headers["cache-control"] == "no-cache", path


def test_a_visitor_may_shorten_the_cache_lifetime_never_lengthen_it(server):
    url, _ = server
    with httpx.Client(base_url=url) as client:
        for path in (
            "/heritage/events",
            sql_path("heritage", "json") + "?sql=select+1",
            "/-/heritage",
        ):
            sep = "&" if "?" in path else "?"
            response = client.get(path + sep + "_ttl=60")
            assert response.headers["cache-control"] == "public, max-age=60", path
            response = client.get(path + sep + "_ttl=99999999999")
            assert response.headers["cache-control"] == PUBLIC, path


def test_public_responses_vary_on_host(server):
    # Facet links, next_url and the exports' Link header are absolute URLs
    # built from the Host header: a cache must not serve them to another host.
    url, _ = server
    with httpx.Client(base_url=url) as client:
        response = client.get(
            "/heritage/events.json?_facet_year=date", headers={"host": "evil.example"}
        )
        assert response.status_code == 200
        assert "http://evil.example/" in response.text
        assert response.headers["cache-control"] == PUBLIC
        assert "Host" in [v.strip() for v in response.headers["vary"].split(",")]
        for path in ("/-/heritage", "/heritage/monuments.geojson"):
            vary = client.get(path).headers["vary"]
            assert "Host" in [v.strip() for v in vary.split(",")], path


async def test_a_mutable_database_gets_no_public_caching(fixture_db, tmp_path):
    db = tmp_path / "heritage.db"
    shutil.copy(fixture_db, db)
    site = Datasette([str(db)], settings={"default_cache_ttl": TTL})
    response = await site.client.get("/-/heritage")
    assert response.status_code == 200
    assert "cache-control" not in response.headers
    response = await site.client.get("/heritage/events")
    # Datasette's own header, as Datasette sends it.
    assert response.headers["cache-control"] == f"max-age={TTL}"


async def test_ttl_zero_means_revalidate(fixture_db):
    site = Datasette(immutables=[str(fixture_db)], settings={"default_cache_ttl": 0})
    response = await site.client.get("/-/heritage")
    assert response.headers["cache-control"] == "no-cache"
