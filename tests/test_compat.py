"""One codebase for Datasette 0.65 and 1.0 (datasette_heritage/site/compat.py).

The feature checks, the plugin's permission check, and, when another
virtualenv with the other Datasette is named by HERITAGE_OTHER_VENV (.ci/run
names CI's 0.65 one while it runs the suite on the 1.0 alpha), the README's
serve command run with each: every plugin page and its JSON twin, the saved
queries, the custom facets, the licence line and the GeoJSON and CSL-JSON
exports must come out the same.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from datasette.app import Datasette

from datasette_heritage.site import compat

from .conftest import METADATA, start_readme_server, stop_readme_server
from .datasette_client import datasette_for, facet_results, links, table_json
from .site_pages import datasette_pages, plugin_pages


def test_config_file_detection_matches_the_datasette_command():
    # Datasette 1.0's `serve` takes a configuration file (-c datasette.yml);
    # 0.65's --config is a deprecated spelling of --setting.
    from click.testing import CliRunner
    from datasette.cli import serve

    help_text = CliRunner().invoke(serve, ["--help"]).output
    takes_file = bool(re.search(r"-c, --config\s+FILENAME", help_text))
    assert compat.takes_separate_config() is takes_file


async def test_the_plugin_pages_keep_datasettes_permissions(fixture_db):
    # Only the root actor may see the database: the plugin's pages, like
    # Datasette's own, are forbidden to anyone else.
    metadata = {"databases": {fixture_db.stem: {"allow": {"id": "root"}}}}
    arguments = {"metadata": metadata}
    if compat.takes_separate_config():
        arguments = {"config": metadata}
    ds = Datasette(immutables=[str(fixture_db)], **arguments)
    assert (await ds.client.get(f"/{fixture_db.stem}")).status_code == 403
    for path in ("/-/heritage", "/-/heritage.json", "/-/heritage/timeline"):
        assert (await ds.client.get(path)).status_code == 403, path
    root = {"ds_actor": ds.sign({"a": {"id": "root"}}, "actor")}
    assert (await ds.client.get("/-/heritage", cookies=root)).status_code == 200


async def test_pages_render_with_datasettes_jinja_environment(fixture_site):
    environment = compat.jinja_environment(fixture_site)
    assert environment.get_template("heritage/overview.html")
    assert (await fixture_site.client.get("/-/heritage")).status_code == 200


# The README's serve command on both Datasettes.


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> dict[str, str]:
    other = os.environ.get("HERITAGE_OTHER_VENV")
    if not other:
        pytest.skip(
            "HERITAGE_OTHER_VENV names no virtualenv with the other Datasette "
            "(.ci/run sets it); the two are not compared"
        )
    servers = {}
    try:
        for name, venv in (("this", None), ("other", Path(other).resolve())):
            servers[name] = start_readme_server(tmp_path_factory.mktemp(name), venv)
        yield {name: url for name, (_, url) in servers.items()}
    finally:
        for process, _ in servers.values():
            stop_readme_server(process)


def get(url: str, path: str) -> httpx.Response:
    response = httpx.get(url + path, timeout=30)
    assert response.status_code == 200, (url, path, response.text[:300])
    return response


def content(page: str) -> str:
    """The part of a page the plugin renders: Datasette's content section."""
    found = re.search(r'<section class="content">(.*)</section>', page, re.S)
    assert found, page[:300]
    return found.group(1)


def licence_links(page: str, metadata: dict[str, Any]) -> set[tuple[str, str]]:
    wanted = {(metadata[f"{key}_url"], metadata[key]) for key in ("license", "source", "about")}
    return {link for link in links(page) if link in wanted}


@pytest.mark.slow
def test_both_datasettes_are_compared(both):
    versions = {
        name: (get(url, "/-/versions.json").json().get("datasette") or {}).get("version")
        for name, url in both.items()
    }
    assert versions["this"] != versions["other"], versions


@pytest.mark.slow
def test_plugin_pages_and_json_twins_are_the_same(both, real_db):
    for page, twin in plugin_pages(real_db):
        pages = {name: get(url, page).text for name, url in both.items()}
        assert content(pages["this"]) == content(pages["other"]), page
        twins = {name: get(url, twin).json() for name, url in both.items()}
        assert twins["this"] == twins["other"], twin


@pytest.mark.slow
def test_saved_queries_give_the_same_rows(both):
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    queries = metadata["databases"]["heritage"]["queries"]
    assert len(queries) >= 6
    for name, query in queries.items():
        rows = {
            key: get(url, f"/heritage/{name}.json?_shape=array&_size=max").json()
            for key, url in both.items()
        }
        assert rows["this"] == rows["other"], name
        for url in both.values():
            assert query["title"] in html.unescape(get(url, f"/heritage/{name}").text), name


@pytest.mark.slow
def test_custom_and_default_facets_are_the_same(both):
    def counts(url: str, path: str) -> dict[str, list[tuple[Any, Any, int]]]:
        # Every value: at the default size, which of equal counts make the
        # cut is each version's choice.
        facets = facet_results(get(url, table_json(path) + "&_facet_size=max").json())
        found = {}
        for f in facets.values():
            values = [(v["value"], v["label"], v["count"]) for v in f["results"]]
            # Datasette's own column facets order equal counts as each version
            # does; the plugin's facets order them the same on both.
            found[f"{f['name']}:{f['type']}"] = (
                sorted(values, key=repr) if f["type"] == "column" else values
            )
        return found

    for path in (
        "/heritage/events",
        "/heritage/monuments",
        "/heritage/sources",
        "/heritage/event_monuments",
        "/heritage/citations",
        "/heritage/events?_facet_corroboration=id&_facet_year=date",
        "/heritage/event_monuments?_facet_severity=damage_level",
    ):
        found = {name: counts(url, path) for name, url in both.items()}
        assert found["this"], path
        assert found["this"] == found["other"], path
    assert "damage_level:severity" in found["this"]


@pytest.mark.slow
def test_licence_line_is_the_same(both, real_db):
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    queries = list(metadata["databases"]["heritage"]["queries"])
    paths = [page for page, _ in datasette_pages(real_db, limit=2)]
    paths += [f"/heritage/{name}" for name in queries]
    shown = 0
    for path in paths:
        found = {name: licence_links(get(url, path).text, metadata) for name, url in both.items()}
        assert found["this"] == found["other"], path
        shown += bool(found["this"])
    # On the index, the database, every table and every row page.
    assert shown >= len(datasette_pages(real_db, limit=2))


@pytest.mark.slow
def test_exports_are_the_same(both):
    for path in (
        "/heritage/monuments.geojson",
        "/heritage/sites.geojson",
        "/heritage/destroyed_monuments.geojson",
        "/heritage/sources.csljson",
        "/heritage/sources.csljson?_size=2",
    ):
        exported = {name: get(url, path) for name, url in both.items()}
        assert exported["this"].json() == exported["other"].json(), path
        types = {r.headers["content-type"] for r in exported.values()}
        assert len(types) == 1, (path, types)


# A read-only public site: nothing can be written, stored or signed.


@pytest.fixture(scope="module")
def public_site(tmp_path_factory):
    work = tmp_path_factory.mktemp("public")
    process, url = start_readme_server(work)
    yield url, work / "heritage.db"
    stop_readme_server(process)


@pytest.mark.slow
def test_anonymous_visitors_cannot_write_store_queries_or_get_tokens(public_site):
    url, db = public_site
    before = db.read_bytes()
    attempts = [
        # Datasette 1.0's write API (0.65 has none of it: 404 or 405).
        ("/heritage/-/create", {"table": "pwned", "rows": [{"x": 1}]}),
        ("/heritage/events/-/insert", {"row": {"id": "pwned", "title": "x"}}),
        ("/heritage/events/-/upsert", {"rows": [{"id": "x", "title": "x"}]}),
        ("/heritage/events/-/drop", {"confirm": True}),
        ("/heritage/events/temple-of-bel-destroyed/-/update", {"update": {"title": "x"}}),
        ("/heritage/events/temple-of-bel-destroyed/-/delete", {}),
        ("/heritage/-/execute-write", {"sql": "delete from events"}),
        # Stored queries, and signed API tokens.
        ("/heritage/-/queries/store", {"name": "pwned", "sql": "select 1"}),
        ("/-/create-token", {}),
    ]
    for path, body in attempts:
        response = httpx.post(url + path, json=body, timeout=30)
        assert response.status_code in (400, 401, 403, 404, 405), (path, response.status_code)
    assert db.read_bytes() == before
    # No query was stored; the configured ones still answer.
    assert httpx.get(url + "/heritage/pwned", timeout=30).status_code == 404
    for name in yaml.safe_load(METADATA.read_text())["databases"]["heritage"]["queries"]:
        get(url, f"/heritage/{name}.json")
    # No token is made or accepted: allow_signed_tokens is off where it exists.
    settings = get(url, "/-/settings.json").json()
    assert settings.get("allow_signed_tokens", False) is False
    for data in ({}, {"expire_type": "", "csrftoken": ""}):
        response = httpx.post(url + "/-/create-token", data=data, timeout=30)
        assert "dstok_" not in response.text
    forged = httpx.get(
        url + "/-/actor.json", headers={"Authorization": "Bearer dstok_forged"}, timeout=30
    )
    assert forged.json().get("actor") is None


def test_datasette_for_gives_the_installed_datasette_its_configuration(fixture_db):
    # Tests build their Datasette the way the server is configured.
    ds = datasette_for(fixture_db)
    assert ds.plugin_config("datasette-cluster-map", database=fixture_db.stem, table="monuments")
