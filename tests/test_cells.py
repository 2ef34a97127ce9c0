"""How Datasette's own table, row and query pages show heritage cells
(render_cell): badges, links, quote links, escaping, and the label cache."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from typing import Any
from urllib.parse import quote_plus

from datasette.app import Datasette

from datasette_heritage.site import urls
from datasette_heritage.site.dates_in_words import edtf_in_words

from .datasette_client import HOSTILE, datasette_for, sql_path


async def page(ds, path: str) -> str:
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text
    return response.text


async def rows_of(ds, path: str) -> list[dict[str, Any]]:
    base, _, query = path.partition("?")
    response = await ds.client.get(f"{base}.json?{query}&_shape=array&_size=max")
    assert response.status_code == 200, response.text
    return response.json()


def cells(text: str, column: str) -> list[str]:
    return re.findall(rf'<td class="col-{column} [^"]*">(.*?)</td>', text, re.S)


async def test_vocabulary_terms_are_labelled_badges(fixture_site):
    kinds = {r["id"]: r for r in await rows_of(fixture_site, "/fixture/event_kinds")}
    events = await rows_of(fixture_site, "/fixture/events")
    text = await page(fixture_site, "/fixture/events?_size=max")
    shown = cells(text, "kind")
    assert len(shown) == len(events)
    for cell, event in zip(shown, events):
        term = kinds[event["kind"]]
        assert "heritage-badge" in cell
        assert f">{html.escape(term['label'], quote=False)}</span></a>" in cell
        assert f'title="{html.escape(term["description"])}"' in cell
        # Still the foreign key's link to the term's row.
        assert f'href="/fixture/event_kinds/{event["kind"]}"' in cell


async def test_damage_levels_and_citation_terms_on_a_view(fixture_site):
    levels = {r["id"]: r["label"] for r in await rows_of(fixture_site, "/fixture/damage_levels")}
    rows = await rows_of(fixture_site, "/fixture/citation_details")
    text = await page(fixture_site, "/fixture/citation_details?_size=max")
    for cell, row in zip(cells(text, "damage_level"), rows):
        if row["damage_level"]:
            assert f">{levels[row['damage_level']]}</span>" in cell
    for cell, row in zip(cells(text, "stance"), rows):
        assert f'data-term="{row["stance"]}"' in cell
    for cell, row in zip(cells(text, "identification"), rows):
        assert f"heritage-badge-identification-{row['identification']}" in cell


async def test_quotes_link_to_their_highlighted_passage(fixture_site):
    ds = fixture_site
    citations = await rows_of(ds, "/fixture/citations")
    text = await page(ds, "/fixture/citations?_size=max")
    for citation in citations:
        href = urls.citation_url(ds, citation["source_id"], citation["id"])
        assert f'href="{html.escape(href)}"' in text
    # Also in a query that returns a citation's id and source.
    sql = "select id as citation_id, source_id, quote from citations"
    text = await page(ds, sql_path("fixture") + "?sql=" + quote_plus(sql))
    first = citations[0]
    assert html.escape(urls.citation_url(ds, first["source_id"], first["id"])) in text


async def test_urls_are_links_with_nofollow(fixture_site):
    sources = await rows_of(fixture_site, "/fixture/sources")
    text = await page(fixture_site, "/fixture/sources")
    with_url = [s for s in sources if s["url"]]
    assert with_url
    for source in with_url:
        assert f'href="{source["url"]}" rel="nofollow noopener">' in text


async def test_record_ids_link_to_row_and_heritage_page(fixture_site):
    ds = fixture_site
    rows = await rows_of(ds, "/fixture/citation_details")
    text = await page(ds, "/fixture/citation_details?_size=max")
    for row in rows:
        assert f'href="/fixture/events/{row["event_id"]}"' in text
        assert f'href="{urls.event_url(ds, row["event_id"])}"' in text
        assert f'href="{urls.source_url(ds, row["source_id"])}"' in text
    # A monument's row page links its id to the monument's page.
    monument = (await rows_of(ds, "/fixture/monuments"))[0]
    row_page = await page(ds, f"/fixture/monuments/{monument['id']}")
    assert f'href="{urls.monument_url(ds, monument["id"])}"' in row_page


async def test_table_pages_link_names_to_heritage_pages(fixture_site):
    ds = fixture_site
    for table, column, url_for in (
        ("monuments", "name", urls.monument_url),
        ("events", "title", urls.event_url),
        ("sources", "title", urls.source_url),
    ):
        rows = await rows_of(ds, f"/fixture/{table}")
        text = await page(ds, f"/fixture/{table}?_size=max")
        for cell, row in zip(cells(text, column), rows):
            assert f'href="{url_for(ds, row["id"])}"' in cell
            assert html.escape(row[column], quote=False) in cell
        # Datasette's own row link stays.
        assert f'href="/fixture/{table}/{rows[0]["id"]}"' in text


async def test_other_databases_are_left_alone(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "create table things (id integer primary key, kind text, quote text, url text, name text)"
    )
    conn.execute(
        "insert into things values (1, 'damage', 'a quote', 'https://example.org/', 'A thing')"
    )
    conn.commit()
    conn.close()
    ds = Datasette([str(path)])
    text = await page(ds, "/other/things")
    assert "heritage-" not in text
    assert "/-/heritage" not in text
    assert '<a href="https://example.org/">' in text  # Datasette's own URL link


def hostile_cells(text: str) -> str:
    """The rows table of a page (the page's own scripts are Datasette's)."""
    start = text.index('<table class="rows-and-columns"')
    return text[start : text.index("</table>", start)]


async def test_untrusted_text_is_escaped_everywhere(hostile_db):
    ds = datasette_for(hostile_db)
    escaped = html.escape(HOSTILE, quote=False)
    for path in (
        "/heritage/monuments",
        "/heritage/sources",
        "/heritage/citations",
        "/heritage/citation_details",
        "/heritage/event_monuments",
        "/heritage/monuments/test-castle",
        "/heritage/inferred_identifications",
    ):
        text = await page(ds, path + ("" if "/test-castle" in path else "?_size=max"))
        assert HOSTILE not in text and "<img src=x" not in text, path
        table = hostile_cells(text)
        assert "<script" not in table, path
        assert "<img" not in table, path
        assert escaped in table or "&lt;script&gt;" in table, path
    # The URL cannot break out of its attribute.
    sources = hostile_cells(await page(ds, "/heritage/sources"))
    assert 'href="https://example.org/a&#34;&gt;&lt;script&gt;' in sources
    # A vocabulary label with markup is escaped inside its badge.
    damage = hostile_cells(await page(ds, "/heritage/event_monuments"))
    assert "Explosion &lt;img src=x onerror=alert(1)&gt;" in damage


def traced_sql(text: str) -> list[str]:
    trace = re.search(r"<pre>(\{.*\})</pre>", text, re.S)
    assert trace, "no trace on the page"
    return [t["sql"] for t in json.loads(html.unescape(trace.group(1)))["traces"]]


async def test_vocabulary_labels_are_read_once_per_database(fixture_db):
    ds = Datasette(immutables=[str(fixture_db)], settings={"trace_debug": True})
    vocabulary_sql = re.compile(r"from \[(damage_levels|causes|event_kinds|monument_types)\]")
    first = traced_sql(await page(ds, "/fixture/event_monuments?_trace=1"))
    assert 0 < sum(bool(vocabulary_sql.search(sql)) for sql in first) <= 4
    for path in (
        "/fixture/event_monuments?_trace=1",
        "/fixture/events?_trace=1",
        "/fixture/monuments?_trace=1",
    ):
        again = traced_sql(await page(ds, path))
        assert not [sql for sql in again if vocabulary_sql.search(sql)], path


async def test_real_data_badges_and_quote_links(real_site):
    ds = real_site
    levels = {r["id"]: r["label"] for r in await rows_of(ds, "/heritage/damage_levels")}
    rows = await rows_of(ds, "/heritage/monuments")
    text = await page(ds, "/heritage/monuments?_size=max")
    damaged = [r for r in rows if r["condition"]]
    assert damaged, "the real dataset has no damaged monument"
    for cell, row in zip(cells(text, "condition"), rows):
        if row["condition"]:
            assert f">{html.escape(levels[row['condition']], quote=False)}</span></a>" in cell
    citations = await rows_of(ds, "/heritage/citations?_size=20")
    text = await page(ds, "/heritage/citations")
    for citation in citations[:20]:
        assert html.escape(urls.citation_url(ds, citation["source_id"], citation["id"])) in text


async def test_badges_are_styled_by_the_plugin_stylesheet(fixture_site):
    ds = fixture_site
    text = await page(ds, "/fixture/monuments?_size=max")
    css = re.search(r'<link rel="stylesheet" href="(/-/static-plugins/[^"]+/heritage\.css)"', text)
    assert css, "heritage.css is not linked from the table page"
    stylesheet = await ds.client.get(css.group(1))
    assert stylesheet.status_code == 200 and ".heritage-badge" in stylesheet.text
    # Damage levels carry their rank's colour class, as on the plugin's pages.
    ranks = {r["id"]: r["rank"] for r in await rows_of(ds, "/fixture/damage_levels")}
    rows = await rows_of(ds, "/fixture/monuments")
    for cell, row in zip(cells(text, "condition"), rows):
        if row["condition"]:
            assert f"heritage-rank-{ranks[row['condition']]}" in cell


def text_of(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell))


async def column_cells(ds, table: str, column: str) -> list[tuple[str, dict[str, Any]]]:
    """(cell HTML, row) for every row of a table page."""
    rows = await rows_of(ds, f"/heritage/{table}")
    shown = cells(await page(ds, f"/heritage/{table}?_size=max"), column)
    assert len(shown) == len(rows)
    return list(zip(shown, rows))


async def test_long_text_is_an_excerpt_linking_to_the_whole(real_site):
    ds = real_site
    sources = await column_cells(ds, "sources", "text")
    for cell, source in sources:
        assert len(source["text"]) > 1000
        visible = text_of(cell)
        assert len(visible) < 200 and visible.rstrip().endswith("whole\xa0text")
        excerpt = visible.split("\u2026")[0]
        assert source["text"].startswith(excerpt)
        # The whole text: the source's page, with its passages highlighted.
        assert f'href="{urls.source_url(ds, source["id"])}"' in cell
    # A long note links to the row of the citation that holds it.
    citations = await rows_of(ds, "/heritage/citation_details")
    text = await page(ds, "/heritage/citation_details?_size=max")
    long_notes = [
        (cell, row)
        for cell, row in zip(cells(text, "note"), citations)
        if row["note"] and len(row["note"]) > 200
    ]
    assert long_notes, "the real dataset has long notes"
    for cell, row in long_notes:
        assert f'href="/heritage/citations/{row["citation_id"]}"' in cell
        assert len(text_of(cell)) < 200
    # The CSV and the JSON carry every value whole.
    csv = await ds.client.get("/heritage/sources.csv?_size=max")
    for _, source in sources:
        assert source["text"].splitlines()[-1] in csv.text
        assert (
            source["text"]
            == (await ds.client.get(f"/heritage/sources/{source['id']}.json?_shape=array")).json()[
                0
            ]["text"]
        )


async def test_row_pages_show_long_text_whole(real_site):
    ds = real_site
    source = (await rows_of(ds, "/heritage/sources"))[0]
    text = await page(ds, f"/heritage/sources/{source['id']}")
    (cell,) = cells(text, "text")
    assert html.unescape(cell).strip() == source["text"].strip()
    citation = (await rows_of(ds, "/heritage/citations"))[0]
    text = await page(ds, f"/heritage/citations/{citation['id']}")
    (cell,) = cells(text, "quote")
    assert citation["quote"] in html.unescape(cell)


async def test_dates_in_words_with_the_edtf_on_hover(real_site):
    events = await column_cells(real_site, "events", "date")
    for cell, event in events:
        assert f'title="EDTF: {html.escape(event["date"])}"' in cell
        assert text_of(cell) == edtf_in_words(event["date"])
    assert any("?" in e["date"] and "/" in e["date"] for _, e in events), "an uncertain interval"


async def test_flags_are_badges_and_names_are_lists(real_site):
    for cell, event in await column_cells(real_site, "events", "contested"):
        assert ("heritage-contested" in cell) == bool(event["contested"])
        assert text_of(cell) == ("contested" if event["contested"] else "no")
    for cell, monument in await column_cells(real_site, "monuments", "alternative_names"):
        names = json.loads(monument["alternative_names"])
        if names:
            assert [html.unescape(i) for i in re.findall(r"<li>(.*?)</li>", cell)] == names
        else:
            assert "[]" not in cell


async def test_site_id_links_on_the_monument_row_page(real_site):
    ds = real_site
    monument = (await rows_of(ds, "/heritage/monuments"))[0]
    text = await page(ds, f"/heritage/monuments/{monument['id']}")
    (cell,) = cells(text, "site_id")
    assert f'href="/heritage/sites/{monument["site_id"]}"' in cell
    assert f'href="{html.escape(urls.timeline_url(ds))}?site={monument["site_id"]}"' in cell


async def test_names_in_other_languages_run_their_way_and_precision_is_a_badge(fixture_site):
    ds = fixture_site
    monuments = await rows_of(ds, "/fixture/monuments")
    shown = cells(await page(ds, "/fixture/monuments?_size=max"), "names")
    assert len(shown) == len(monuments)
    named = 0
    for cell, monument in zip(shown, monuments):
        names = json.loads(monument["names"])
        found = re.findall(r'<span lang="([^"]+)" dir="(rtl|ltr)">(.*?)</span>', cell)
        assert [(lang, html.unescape(name)) for lang, _, name in found] == [
            (n["language"], n["name"]) for n in names
        ]
        assert all(way == "rtl" for lang, way, _ in found if lang == "ar")
        named += bool(names)
    assert named
    precisions = cells(await page(ds, "/fixture/monuments?_size=max"), "coordinates_precision")
    for cell, monument in zip(precisions, monuments):
        if monument["coordinates_precision"]:
            assert f'data-term="{monument["coordinates_precision"]}"' in cell
            assert 'title="' in cell  # what the precision means, on hover
    sources = await rows_of(ds, "/fixture/sources")
    text = await page(ds, "/fixture/sources")
    for source in sources:
        if source["archive_url"]:
            assert f'href="{html.escape(source["archive_url"])}" rel="nofollow noopener">' in text
