"""The plugin's pages through Datasette's own test client, on real built
databases: the fixture dataset, the real dataset under data/, and a dataset
of hostile text. Expected values are read from the database with sqlite3,
never written down here.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from datasette.app import Datasette
from markupsafe import escape

from datasette_heritage.build.pipeline import build
from datasette_heritage.folding import fold, normalise
from datasette_heritage.schema import COORDINATE_PRECISIONS
from datasette_heritage.site import queries, search, urls
from datasette_heritage.site.languages import direction

from .datasette_client import links
from .marked_text import MarkedText

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DATA = ROOT / "tests" / "fixtures" / "data"


async def started(*paths: Path, metadata: dict[str, Any] | None = None) -> Datasette:
    ds = Datasette(immutables=[str(p) for p in paths], metadata=metadata)
    await ds.invoke_startup()
    return ds


def sql(db_path: Path, query: str, params=()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(str(db_path))
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="session", params=["fixture", "real"])
def db_path(request) -> Path:
    return request.getfixturevalue(f"{request.param}_db")


@pytest.fixture(scope="session")
async def ds(db_path) -> Datasette:
    return await started(db_path)


async def get_json(ds: Datasette, path: str, status: int = 200) -> dict[str, Any]:
    response = await ds.client.get(path, follow_redirects=True)
    assert response.status_code == status, (path, response.text[:500])
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


async def get_html(ds: Datasette, path: str, status: int = 200) -> str:
    response = await ds.client.get(path, follow_redirects=True)
    assert response.status_code == status, (path, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def all_pages(db_path: Path) -> list[str]:
    pages = ["/-/heritage", "/-/heritage/timeline"]
    pages += [f"/-/heritage/monuments/{r[0]}" for r in sql(db_path, "SELECT id FROM monuments")]
    pages += [f"/-/heritage/events/{r[0]}" for r in sql(db_path, "SELECT id FROM events")]
    pages += [f"/-/heritage/sources/{r[0]}" for r in sql(db_path, "SELECT id FROM sources")]
    return pages


# -- every page -----------------------------------------------------------


async def test_every_page_is_a_datasette_page_with_a_json_twin(ds, db_path):
    for page in all_pages(db_path):
        html = await get_html(ds, page)
        # Datasette's base template: its stylesheet, crumbs and footer.
        assert "/-/static/app.css" in html and 'class="crumbs"' in html
        assert '<footer class="ft">' in html
        assert (
            f'<link rel="alternate" type="application/json+datasette" href="{page}.json">' in html
        )
        assert f'<a href="{page}.json">JSON</a>' in html
        assert "/-/static-plugins/datasette-heritage/heritage.css" in html
        data = await get_json(ds, page + ".json")
        assert data["database"] == db_path.stem
        # Only local scripts and stylesheets; no inline script of ours.
        for src in re.findall(r'<(?:script[^>]*src|link[^>]*href)="([^"]+)"', html):
            assert src.startswith("/"), src
        body = html.split('<section class="content">', 1)[1].split("</section>", 1)[0]
        assert "<script" not in body and "style=" not in body


async def test_overview_counts_map_and_latest_events(ds, db_path):
    data = await get_json(ds, "/-/heritage.json")
    expected = sql(
        db_path,
        """SELECT
        (SELECT count(*) FROM sites), (SELECT count(*) FROM monuments),
        (SELECT count(*) FROM events), (SELECT count(*) FROM sources),
        (SELECT count(*) FROM citations), (SELECT count(*) FROM events WHERE contested)""",
    )[0]
    assert list(data["counts"].values()) == list(expected)
    monuments = sql(
        db_path,
        """SELECT m.id, m.condition, d.rank, m.latitude IS NOT NULL
               AND m.longitude IS NOT NULL AS located
        FROM monuments m LEFT JOIN damage_levels d ON d.id = m.condition""",
    )
    # Every monument, located or not, a click away.
    assert {m["id"] for m in data["monuments"]} == {r["id"] for r in monuments}
    ranks = [m["condition_rank"] for m in data["monuments"]]
    assert ranks == sorted(ranks, key=lambda r: (r is None, r or 0)), "worst condition first"
    html = await get_html(ds, "/-/heritage")
    for row in monuments:
        rank_class = f"heritage-rank-{row['rank'] if row['rank'] else 'none'}"
        item = re.search(rf'<li[^>]*data-id="{re.escape(row["id"])}"[^>]*>', html)
        assert item and f'data-rank-class="{rank_class}"' in item.group(0)
        assert ("data-latitude" in item.group(0)) == bool(row["located"])
        assert f'href="/-/heritage/monuments/{row["id"]}"' in html
    # Grouped by condition, worst first, each group with its count.
    groups = data["conditions"]
    assert [g["condition"] for g in groups] == sorted(
        {r["condition"] for r in monuments},
        key=lambda c: (c is None, next((r["rank"] for r in monuments if r["condition"] == c), 0)),
    )
    for group in groups:
        members = [r["id"] for r in monuments if r["condition"] == group["condition"]]
        assert group["count"] == len(members)
        assert sorted(m["id"] for m in group["monuments"]) == sorted(members)
    # Latest events: latest first, as many as there are (up to the limit).
    starts = [e["when"]["start"] for e in data["latest_events"]]
    assert starts == sorted(starts, reverse=True)
    dated = sql(db_path, "SELECT count(*) FROM events WHERE date_start IS NOT NULL")[0][0]
    assert len(starts) == min(dated, queries.LATEST_LIMIT)
    # The strip counts every dated event once, in a bar or among the coarse ones.
    strip = data["strip"]
    assert sum(b["events"] for b in strip["bars"]) + strip["coarse"] == dated
    assert html.count('class="heritage-bar heritage-h-') == len(strip["bars"])
    # Each bar with events is labelled with its count.
    labels = [
        int(n) for n in re.findall(r'<span class="heritage-bar-count"[^>]*>(\d+)</span>', html)
    ]
    assert labels == [b["events"] for b in strip["bars"] if b["events"]]


async def test_monument_page_timeline_in_date_order_with_claims(ds, db_path):
    for (monument_id,) in sql(db_path, "SELECT id FROM monuments"):
        data = await get_json(ds, f"/-/heritage/monuments/{monument_id}.json")
        assert data["monument"]["id"] == monument_id
        expected = [
            r["id"]
            for r in sql(
                db_path,
                """SELECT e.id FROM event_monuments em
            JOIN events e ON e.id = em.event_id WHERE em.monument_id = ?
            ORDER BY e.date_start, e.date_end, e.id""",
                (monument_id,),
            )
        ]
        assert [e["id"] for e in data["events"]] == expected
        html = await get_html(ds, f"/-/heritage/monuments/{monument_id}")
        assert f'href="/{db_path.stem}/monuments/{monument_id}"' in html
        for event in data["events"]:
            claims = sql(
                db_path,
                "SELECT id, source_id, stance FROM citations WHERE event_id = ?",
                (event["id"],),
            )
            assert {c["id"] for c in event["citations"]} == {c["id"] for c in claims}
            for c in event["citations"]:
                link = urls.citation_url(ds, c["source_id"], c["id"])
                assert c["url"] == link
                assert f'href="{link}"' in html
            assert f'href="{event["url"]}"' in html


async def test_event_page_says_who_supports_and_who_disputes(ds, db_path):
    for event in sql(db_path, "SELECT id, contested FROM events"):
        data = await get_json(ds, f"/-/heritage/events/{event['id']}.json")
        stances = {
            r["id"]: r["stance"]
            for r in sql(
                db_path, "SELECT id, stance FROM citations WHERE event_id = ?", (event["id"],)
            )
        }
        assert {c["id"] for c in data["supporting"]} == {
            i for i, s in stances.items() if s == "supports"
        }
        assert {c["id"] for c in data["disputing"]} == {
            i for i, s in stances.items() if s == "disputes"
        }
        assert data["event"]["contested"] == bool(event["contested"])
        html = await get_html(ds, f"/-/heritage/events/{event['id']}")
        assert ('heritage-contested"' in html) == bool(event["contested"])
        affected = sql(
            db_path, "SELECT monument_id FROM event_monuments WHERE event_id = ?", (event["id"],)
        )
        for row in affected:
            assert f'href="/-/heritage/monuments/{row[0]}"' in html
        assert data["event"]["when"]["display"] in html.replace("&#39;", "'")
        if event["contested"]:
            # Claimants may be one or many ("government officials"): the
            # sentence must read right either way.
            note = re.search(r'<p class="heritage-contested-note">(.*?)</p>', html, re.S)
            assert note and "disputed by" in note.group(1)
            for c in data["disputing"]:
                assert c["claimant"] in note.group(1).replace("&#39;", "'")
                assert not re.search(re.escape(c["claimant"]) + r"\s+disputes?\b", note.group(1))


def source_text_html(html: str) -> str:
    match = re.search(r'<div class="heritage-source-text"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no source text on the page"
    return match.group(1)


async def test_source_page_marks_every_cited_passage(ds, db_path):
    for source in sql(db_path, "SELECT id, text FROM sources WHERE text IS NOT NULL"):
        html = await get_html(ds, f"/-/heritage/sources/{source['id']}")
        marked = MarkedText.parse(source_text_html(html))
        # The whole text is there once, paragraph for paragraph.
        assert re.sub(r"\s", "", "".join(marked.text)) == re.sub(r"\s", "", source["text"])
        paragraphs = [p for p in re.split(r"\n\s*\n", source["text"].strip()) if p.strip()]
        assert marked.paragraphs == len(paragraphs)
        citations = sql(
            db_path,
            """SELECT id, quote, quote_start, quote_end, event_id
            FROM citations WHERE source_id = ?""",
            (source["id"],),
        )
        for c in citations:
            passage = "".join(marked.by_citation[c["id"]])
            stored = source["text"][c["quote_start"] : c["quote_end"]]
            assert re.sub(r"\s", "", passage) == re.sub(r"\s", "", stored)
            assert normalise(passage) == normalise(c["quote"]) or re.sub(
                r"\s", "", normalise(passage)
            ) == re.sub(r"\s", "", normalise(c["quote"]))
            assert marked.ids.count(urls.citation_anchor(c["id"])) == 1
            assert f'href="/-/heritage/events/{c["event_id"]}"' in html


async def test_source_json_lists_its_passages_without_repeating_the_source(ds, db_path):
    for source in sql(db_path, "SELECT id, title FROM sources"):
        page = f"/-/heritage/sources/{source['id']}"
        data = await get_json(ds, page + ".json")
        assert data["source"]["title"] == source["title"]
        html = await get_html(ds, page)
        stored = sql(
            db_path,
            "SELECT id, event_id, quote, claimant, stance FROM citations WHERE source_id = ?",
            (source["id"],),
        )
        listed = {c["id"]: c for c in data["citations"]}
        assert sorted(listed) == sorted(c["id"] for c in stored)
        assert [c["number"] for c in data["citations"]] == list(range(1, len(stored) + 1))
        for c in stored:
            passage = listed[c["id"]]
            # The source is the page's: no citation repeats it.
            assert not [key for key in passage if key.startswith("source")]
            assert (passage["quote"], passage["claimant"], passage["stance"]) == (
                c["quote"],
                c["claimant"],
                c["stance"],
            )
            # Its anchor is its place on this page; its event link leads there.
            assert re.search(rf'(id|href)="#?{re.escape(passage["anchor"])}"', html)
            assert passage["event_url"] == f"/-/heritage/events/{c['event_id']}"
            assert (await ds.client.get(passage["event_url"])).status_code == 200


async def test_source_page_shows_what_monitors_keep(ds, db_path):
    sources = sql(
        db_path,
        """SELECT s.*, t.label AS type_label FROM sources s
        LEFT JOIN source_types t ON t.id = s.source_type""",
    )
    for source in sources:
        page = f"/-/heritage/sources/{source['id']}"
        facts = re.search(r'<dl class="heritage-facts">(.*?)</dl>', await get_html(ds, page), re.S)
        facts = facts.group(1)
        if source["type_label"]:
            assert re.search(
                r"<dt>Type</dt><dd><span[^>]*>" + re.escape(source["type_label"]), facts
            )
        archived = re.search(r"<dt>Archived copy</dt><dd>(.*?)</dd>", facts, re.S).group(1)
        accessed = re.search(r"<dt>Accessed</dt><dd>(.*?)</dd>", facts, re.S).group(1)
        if source["archive_url"]:
            assert f'<a href="{source["archive_url"]}" rel="nofollow noopener">' in archived
        else:
            assert archived == "not recorded"
        if source["accessed"]:
            assert f'<time datetime="{source["accessed"]}">' in accessed
        else:
            assert accessed == "not recorded"
        if source["text_sha256"]:
            assert f'<code class="heritage-sha256">{source["text_sha256"]}</code>' in facts
        # A photo's credit is shown as the photo's, apart from the text's credit.
        photo_credits = json.loads(source["photo_credits"])
        shown = re.search(r"<dt>Photo credits</dt><dd>(.*?)</dd>", facts, re.S)
        assert bool(shown) == bool(photo_credits)
        for credit in photo_credits:
            assert str(escape(credit)) in shown.group(1)
        data = (await get_json(ds, page + ".json"))["source"]
        for key in ("source_type", "archive_url", "accessed", "text_sha256"):
            assert data[key] == source[key]
        assert data["photo_credits"] == photo_credits


async def test_quotes_run_their_sources_way_with_the_editors_translation(ds, db_path):
    cited = sql(
        db_path,
        """SELECT c.id, c.event_id, c.source_id, c.translation, s.language
        FROM citations c JOIN sources s ON s.id = c.source_id""",
    )
    for c in cited:
        way = direction(c["language"])
        anchor = re.escape(urls.citation_anchor(c["id"]))
        tag = f'lang="{c["language"]}" dir="{way}"'
        event_page = await get_html(ds, f"/-/heritage/events/{c['event_id']}")
        claim = re.search(
            rf'<blockquote class="heritage-quote" {tag}><a class="heritage-quote-link" '
            rf'href="[^"]*#{anchor}".*?</li>',
            event_page,
            re.S,
        )
        source_page = await get_html(ds, f"/-/heritage/sources/{c['source_id']}")
        entries = re.findall(r'<li class="heritage-passage-entry.*?</li>', source_page, re.S)
        (entry,) = [e for e in entries if re.search(rf'(href="#|id="){anchor}"', e)]
        assert claim and tag in entry
        for shown in (claim.group(0), entry):
            translated = re.search(r'<p class="heritage-translation"[^>]*>(.*?)</p>', shown)
            if c["translation"]:
                assert translated and c["translation"] in translated.group(1)
            else:
                assert translated is None
        data = await get_json(ds, f"/-/heritage/events/{c['event_id']}.json")
        (listed,) = [x for x in data["supporting"] + data["disputing"] if x["id"] == c["id"]]
        assert (listed["translation"], listed["source_direction"]) == (c["translation"], way)
    if db_path.name == "fixture.db":
        assert any(c["translation"] for c in cited) and any(c["language"] == "ar" for c in cited)


async def test_monument_pages_show_names_in_other_languages_and_how_exact_the_point_is(ds, db_path):
    for m in sql(db_path, "SELECT id, names, latitude, coordinates_precision FROM monuments"):
        page = f"/-/heritage/monuments/{m['id']}"
        html = await get_html(ds, page)
        names = json.loads(m["names"])
        for n in names:
            shown = f'<span lang="{n["language"]}" dir="{direction(n["language"])}">'
            assert shown + str(escape(n["name"])) + "</span>" in html
        data = (await get_json(ds, page + ".json"))["monument"]
        assert [(n["name"], n["language"]) for n in data["names"]] == [
            (n["name"], n["language"]) for n in names
        ]
        precision = m["coordinates_precision"]
        location = re.search(r'<dd id="heritage-location">(.*?)</dd>', html, re.S).group(1)
        if precision:
            label, description = COORDINATE_PRECISIONS[precision]
            assert f'title="{escape(description)}">({label})' in location
        else:
            assert "heritage-precision" not in location
    if db_path.name == "fixture.db":
        assert any(json.loads(m["names"]) for m in sql(db_path, "SELECT names FROM monuments"))


async def test_a_name_in_arabic_is_found_with_or_without_vowel_signs(fixture_db):
    ds = await started(fixture_db)
    (temple,) = sql(fixture_db, "SELECT id, names FROM monuments WHERE names != '[]'")
    written = [n["name"] for n in json.loads(temple["names"])]
    assert any(fold(n) != n for n in written)  # one is written with vowel signs
    for query in written + [fold(n) for n in written] + ["مـعـبـد", "مَعْبَد"]:
        found = await get_json(ds, "/-/heritage/search.json?" + urlencode({"q": query}))
        assert temple["id"] in [m["id"] for m in found["monuments"]], query
    html = await get_html(ds, "/-/heritage/search?" + urlencode({"q": "معبد"}))
    assert f'lang="ar" dir="rtl">{written[0]}</span>' in html
    # Datasette's own search of the tables finds them too, sites as monuments.
    for table, query, expected in (
        ("monuments", "معبد", temple["id"]),
        ("sites", "مدينه", "testopolis"),
    ):
        found = await ds.client.get(
            f"/fixture/{table}.json?" + urlencode({"_search": query, "_shape": "array"})
        )
        assert expected in [r["id"] for r in found.json()], table


async def test_source_without_text_lists_its_unverified_citations(fixture_db):
    ds = await started(fixture_db)
    html = await get_html(ds, "/-/heritage/sources/url-only")
    assert "heritage-source-text" not in html
    for (cid,) in sql(fixture_db, "SELECT id FROM citations WHERE source_id = 'url-only'"):
        # A citation link to it lands on its entry in the list.
        assert f'id="{urls.citation_anchor(cid)}"' in html
    assert "quote not verified" in html
    assert '<a href="https://example.org/report" rel="nofollow noopener">' in html


async def test_timeline_in_date_order_and_filters(ds, db_path):
    data = await get_json(ds, "/-/heritage/timeline.json")
    expected = [r["id"] for r in sql(db_path, "SELECT id FROM events ORDER BY date_start, rowid")]
    assert [e["id"] for e in data["events"]] == expected
    html = await get_html(ds, "/-/heritage/timeline")
    for e in data["events"]:
        assert e["when"]["display"].replace("'", "&#39;") in html
    sites = [r[0] for r in sql(db_path, "SELECT DISTINCT site_id FROM events")]
    kinds = [r[0] for r in sql(db_path, "SELECT DISTINCT kind FROM events")]
    for site in sites:
        for kind in kinds + [""]:
            filtered = await get_json(ds, f"/-/heritage/timeline.json?site={site}&kind={kind}")
            query = "SELECT id FROM events WHERE site_id = ?" + (" AND kind = ?" if kind else "")
            expected = [
                r[0]
                for r in sql(
                    db_path,
                    query + " ORDER BY date_start, rowid",
                    (site, kind) if kind else (site,),
                )
            ]
            assert [e["id"] for e in filtered["events"]] == expected
    html = await get_html(ds, f"/-/heritage/timeline?site={sites[0]}&kind={kinds[0]}")
    assert f'<option value="{sites[0]}" selected>' in html
    assert f'<option value="{kinds[0]}" selected>' in html


async def test_timeline_pages_cover_every_event_once(ds, db_path):
    db = ds.get_database(db_path.stem)
    seen, after = [], None
    while True:
        page = await queries.timeline(db, after=after, page_size=2)
        seen += [e["id"] for e in page["events"]]
        if not page["next"]:
            break
        after = queries.parse_next(page["next"])
    assert seen == [
        r["id"] for r in sql(db_path, "SELECT id FROM events ORDER BY date_start, rowid")
    ]


def test_imprecise_dates_are_shown_as_such(real_db):
    # Computed from the real dataset's EDTF strings, whatever they are.
    from datasette_heritage.site.dates_in_words import edtf_in_words

    for (edtf,) in sql(real_db, "SELECT DISTINCT date FROM events"):
        words = edtf_in_words(edtf)
        if "/" in edtf and not edtf.startswith("/") and not edtf.endswith("/"):
            assert " – " in words, (edtf, words)
        if edtf.endswith("?"):
            assert words.endswith("?")
        if re.fullmatch(r"\d{4}-\d{2}", edtf):
            assert not re.search(r"^\d", words), "a month shown with an invented day"


async def test_unknown_ids_are_404_in_html_and_json(fixture_db):
    ds = await started(fixture_db)
    for kind in ("monuments", "events", "sources"):
        # A %-encoded id is redirected to its ~-encoded form, then not found.
        for missing in ("no-such-thing", "%3Cscript%3E", "~3Cscript~3E"):
            html = await get_html(ds, f"/-/heritage/{kind}/{missing}", status=404)
            content = html.split('<section class="content">', 1)[1].split("</section>", 1)[0]
            assert "<script>" not in content and "not found" in content
            data = await get_json(ds, f"/-/heritage/{kind}/{missing}.json", status=404)
            assert data["ok"] is False and "not found" in data["error"]


async def test_overview_of_a_mutable_database_follows_its_changes(fixture_db, tmp_path):
    # An immutable database's overview is read once per process; a mutable
    # one's must show what is in it now.
    path = tmp_path / "live.db"
    shutil.copy(fixture_db, path)
    ds = Datasette([str(path)])
    await ds.invoke_startup()
    before = (await get_json(ds, "/-/heritage.json"))["counts"]["sites"]
    conn = sqlite3.connect(str(path))
    conn.execute("INSERT INTO sites (id, name, country) VALUES ('new-site', 'New', 'Iraq')")
    conn.commit()
    conn.close()
    assert (await get_json(ds, "/-/heritage.json"))["counts"]["sites"] == before + 1


# -- which database -------------------------------------------------------


@pytest.fixture(scope="session")
def plain_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plain") / "aaa_plain.db"
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE monuments (id TEXT PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO monuments VALUES ('x', 'Not heritage')")
    conn.commit()
    conn.close()
    return path


async def test_default_database_is_the_first_with_the_heritage_schema(plain_db, fixture_db):
    ds = await started(plain_db, fixture_db)
    assert next(name for name in ds.databases if name != "_internal") == "aaa_plain"
    assert (await get_json(ds, "/-/heritage.json"))["database"] == "fixture"
    # Datasette's pages of the other database get no heritage links (the
    # header's search of the tracker aside).
    for path in ("/aaa_plain/monuments", "/aaa_plain/monuments/x"):
        content = (await get_html(ds, path)).split('<section class="content">', 1)[1]
        assert "/-/heritage" not in content


async def test_plugin_configuration_names_the_database(fixture_db, real_db, plain_db):
    config = {"plugins": {"datasette-heritage": {"database": "heritage"}}}
    ds = await started(fixture_db, real_db, metadata=config)
    assert (await get_json(ds, "/-/heritage.json"))["database"] == "heritage"
    assert (await get_json(ds, "/-/heritage/timeline.json"))["database"] == "heritage"
    missing = await started(
        fixture_db, metadata={"plugins": {"datasette-heritage": {"database": "nope"}}}
    )
    error = await get_json(missing, "/-/heritage.json", status=404)
    assert "'nope'" in error["error"] and "not served" in error["error"]
    wrong = await started(
        plain_db,
        fixture_db,
        metadata={"plugins": {"datasette-heritage": {"database": "aaa_plain"}}},
    )
    error = await get_json(wrong, "/-/heritage.json", status=404)
    assert "lacks the heritage tables" in error["error"]


async def test_no_heritage_database_is_a_clear_404(plain_db):
    ds = await started(plain_db)
    error = await get_json(ds, "/-/heritage.json", status=404)
    assert "No served database has the heritage tables" in error["error"]
    assert (await ds.client.get("/-/heritage/timeline")).status_code == 404


# -- links both ways ------------------------------------------------------


async def test_datasette_table_and_row_pages_link_to_the_heritage_pages(ds, db_path):
    name = db_path.stem
    found = links(await get_html(ds, f"/{name}/monuments"))
    assert any(h == "/-/heritage" and t.startswith("Heritage overview") for h, t in found)
    site = sql(db_path, "SELECT site_id FROM events LIMIT 1")[0][0]
    found = links(await get_html(ds, f"/{name}/events?site_id={site}"))
    assert (f"/-/heritage/timeline?site={site}", "Timeline of these events") in found
    rows = {
        "monuments": [
            (r[0], f"/-/heritage/monuments/{r[0]}")
            for r in sql(db_path, "SELECT id FROM monuments")
        ],
        "events": [
            (r[0], f"/-/heritage/events/{r[0]}") for r in sql(db_path, "SELECT id FROM events")
        ],
        "sources": [
            (r[0], f"/-/heritage/sources/{r[0]}") for r in sql(db_path, "SELECT id FROM sources")
        ],
        "citations": [
            (r[0], f"/-/heritage/sources/{r[1]}?citation={r[0]}#citation-{r[0]}")
            for r in sql(db_path, "SELECT id, source_id FROM citations LIMIT 5")
        ],
        "sites": [
            (r[0], f"/-/heritage/timeline?site={r[0]}")
            for r in sql(db_path, "SELECT id FROM sites")
        ],
    }
    for table, row_links in rows.items():
        for row_id, href in row_links:
            html = await get_html(ds, f"/{name}/{table}/{row_id}")
            assert f'<p class="heritage-row-page-link"><a href="{href}">' in html, (table, row_id)
            # ... and the heritage page it names exists.
            assert (await ds.client.get(href.split("#")[0])).status_code == 200


async def test_heritage_pages_link_to_datasette_rows_that_exist(ds, db_path):
    monument = sql(db_path, "SELECT id FROM monuments LIMIT 1")[0][0]
    event = sql(db_path, "SELECT id FROM events LIMIT 1")[0][0]
    source = sql(db_path, "SELECT id FROM sources LIMIT 1")[0][0]
    row_urls = []
    data = await get_json(ds, f"/-/heritage/monuments/{monument}.json")
    row_urls += [
        data["monument"]["row_url"],
        data["monument"]["site_row_url"],
        data["monument"]["events_table_url"],
    ]
    row_urls += [c["row_url"] for e in data["events"] for c in e["citations"]]
    data = await get_json(ds, f"/-/heritage/events/{event}.json")
    row_urls += [data["event"]["row_url"], data["event"]["citations_table_url"]]
    data = await get_json(ds, f"/-/heritage/sources/{source}.json")
    row_urls += [data["source"]["row_url"], data["source"]["citations_table_url"]]
    for url in row_urls:
        assert url.startswith(f"/{db_path.stem}/")
        assert (await ds.client.get(url)).status_code == 200, url


# -- hostile text ---------------------------------------------------------

HOSTILE = '<script>alert("pwned")</script>'
HOSTILE_ARTICLE = """Headline <script>alert("pwned")</script> & co

Alpha beta "gamma" delta <img src=x onerror=alert(1)> epsilon zeta.
Eta theta iota kappa.

Lambda mu &amp; nu xi omicron.
"""


def write_hostile_data(target: Path) -> Path:
    """The fixture dataset plus a hostile article whose citations overlap,
    nest and cross a paragraph break, and markup in every text field."""
    shutil.copytree(FIXTURE_DATA, target)
    (target / "sources" / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    js = json.dumps
    (target / "sources" / "hostile.yml").write_text(
        f"""
- id: hostile
  title: {js("Title " + HOSTILE)}
  publisher: {js("Pub <b>bold</b>")}
  credit: {js("Credit " + HOSTILE)}
  published: 2016-12
  published_note: {js("Note " + HOSTILE)}
  url: {js('https://example.org/a"><script>alert(2)</script>')}
  language: en
  text_file: hostile.txt
""",
        encoding="utf-8",
    )
    (target / "monuments" / "hostile.yml").write_text(
        f"""
- id: hostile-monument
  site_id: testopolis
  name: {js("Monument " + HOSTILE)}
  alternative_names: [{js("Alt " + HOSTILE)}]
  type: temple
  period: {js("Period <i>x</i>")}
  latitude: 34.55
  longitude: 38.27
  description: {js("Description " + HOSTILE)}
""",
        encoding="utf-8",
    )

    def cite(
        quote: str,
        claimant: str = "Claimant " + HOSTILE,
        stance: str = "supports",
        note: str | None = None,
    ) -> str:
        identification = "inferred" if note else "explicit"
        lines = [
            "    - source_id: hostile",
            f"      quote: {js(quote)}",
            f"      claimant: {js(claimant)}",
            f"      stance: {stance}",
            f"      identification: {identification}",
        ]
        if note:
            lines.append(f"      note: {js(note)}")
        return "\n".join(lines)

    (target / "events" / "hostile.yml").write_text(
        "\n".join(
            [
                "- id: hostile-event",
                "  kind: damage",
                f"  title: {js('Event ' + HOSTILE)}",
                "  date: 2016-12-11?",
                f"  date_note: {js('Date note ' + HOSTILE)}",
                "  site_id: testopolis",
                f"  summary: {js('Summary ' + HOSTILE)}",
                "  monuments:",
                "    - monument_id: hostile-monument",
                "      damage_level: destroyed",
                "      cause: explosion-heavy-weaponry",
                "  citations:",
                cite('Headline <script>alert("pwned")</script> & co'),
                cite('Alpha beta "gamma" delta'),
                cite('"gamma" delta <img src=x onerror=alert(1)> epsilon'),
                cite("beta"),
                cite('Alpha beta "gamma" delta', claimant="Second claimant", stance="disputes"),
                cite("zeta. Eta theta iota kappa. Lambda mu", note="Note " + HOSTILE),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return target


@pytest.fixture(scope="session")
def hostile_pages_db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile-pages")
    path = root / "hostile.db"
    build(write_hostile_data(root / "data"), path)
    return path


async def test_hostile_text_is_escaped_on_every_page(hostile_pages_db):
    ds = await started(hostile_pages_db)
    for page in all_pages(hostile_pages_db):
        html = await get_html(ds, page)
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html and "<b>bold" not in html and "<i>x" not in html, page
        assert 'href="javascript:' not in html, page
        MarkedText.parse(html.split('<section class="content">', 1)[1].split("</section>", 1)[0])
        data = await get_json(ds, page + ".json")
        assert data["database"] == "hostile"
    html = await get_html(ds, "/-/heritage/search?q=script")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 0 < html.count("<mark>") == html.count("</mark>")
    html = await get_html(ds, "/-/heritage/monuments/hostile-monument")
    assert "Monument &lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html
    assert "Note &lt;script&gt;" in html  # the editor's note, shown as text


async def test_hostile_source_overlapping_passages_render_nested_and_escaped(hostile_pages_db):
    ds = await started(hostile_pages_db)
    html = await get_html(ds, "/-/heritage/sources/hostile")
    text = sql(hostile_pages_db, "SELECT text FROM sources WHERE id = 'hostile'")[0][0]
    marked = MarkedText.parse(source_text_html(html))
    assert re.sub(r"\s", "", "".join(marked.text)) == re.sub(r"\s", "", text)
    citations = sql(
        hostile_pages_db,
        """SELECT id, quote_start, quote_end FROM citations
        WHERE source_id = 'hostile'""",
    )
    assert len(citations) == 6
    for c in citations:
        piece = "".join(marked.by_citation[c["id"]])
        assert re.sub(r"\s", "", piece) == re.sub(
            r"\s", "", text[c["quote_start"] : c["quote_end"]]
        )
        assert marked.ids.count(f"citation-{c['id']}") == 1
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    # The address stays one attribute value and one text.
    assert (
        '<a href="https://example.org/a&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" '
        'rel="nofollow noopener">'
    ) in html


# -- search ----------------------------------------------------------------


async def test_search_stems_and_groups_results_by_kind(real_db):
    ds = await started(real_db)
    temple = await get_json(ds, "/-/heritage/search.json?q=temple")
    temples = await get_json(ds, "/-/heritage/search.json?q=temples")
    for kind in ("monuments", "events", "citations", "sources"):
        # One stem, one set of results: the singular finds the plural.
        assert [r["id"] for r in temple[kind]] == [r["id"] for r in temples[kind]], kind
    quotes = {
        r["id"] for r in sql(real_db, "SELECT id FROM citations WHERE quote LIKE '%temples%'")
    }
    assert quotes and quotes <= {c["id"] for c in temple["citations"]}
    sources = sql(real_db, "SELECT id FROM sources WHERE text LIKE '%temple%'")
    assert {s["id"] for s in temple["sources"]} == {s["id"] for s in sources}
    # Monuments by any of their names: an alternative name finds the monument.
    named = sql(
        real_db, "SELECT id, alternative_names FROM monuments WHERE alternative_names != '[]'"
    )[0]
    alias = json.loads(named["alternative_names"])[0]
    found = await get_json(ds, "/-/heritage/search.json?" + urlencode({"q": alias}))
    assert named["id"] in [m["id"] for m in found["monuments"]]
    # The page groups them and links each to its page.
    html = await get_html(ds, "/-/heritage/search?q=temple")
    for kind in ("monuments", "events", "citations", "sources"):
        assert f'id="results-{kind}"' in html
    for m in temple["monuments"]:
        assert f'href="/-/heritage/monuments/{m["id"]}"' in html
    for c in temple["citations"]:
        assert f'href="{urls.citation_url(ds, c["source_id"], c["id"])}"' in html
    assert "<mark>temple" in html.lower() or "<mark>temples" in html.lower()


async def test_search_input_is_text_not_syntax(real_db):
    ds = await started(real_db)
    for query in (
        'temple" OR "x',
        "title:temple",
        "NEAR(temple bel)",
        "temple*",
        '"unbalanced',
        "-temple",
        "^temple",
        "\x00temple\x1f",
    ):
        data = await get_json(ds, "/-/heritage/search.json?" + urlencode({"q": query}))
        assert "error" not in data or data["error"] is None, query
        html = await get_html(ds, "/-/heritage/search?" + urlencode({"q": query}))
        assert "<mark>" in html or "No monument matches" in html, query
    # Nothing to search for: the form alone.
    for query in ("", "   ", "!!! ???"):
        data = await get_json(ds, "/-/heritage/search.json?" + urlencode({"q": query}))
        assert data["searched"] is False
    # Bounded: a query too long, or of too many words, is refused with a reason.
    for query in ("temple " * 40, " ".join(f"w{i}" for i in range(30))):
        data = await get_json(ds, "/-/heritage/search.json?" + urlencode({"q": query}))
        assert data["searched"] is False and "too" in data["error"]
    # Hostile input is shown back as text.
    html = await get_html(ds, "/-/heritage/search?" + urlencode({"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


# (query as typed, kind, record, the matched word as the record stores it):
# made-up Arabic of the fixtures, stored vocalised, with tatweel, Arabic-Indic
# digits, or plain where the query has the vowel signs.
ARABIC_SEARCHES = [
    ("فجروا", "sources", "arabic-report", "فَجَّرُوا"),
    ("المعبد", "sources", "arabic-report", "المـعـبد"),
    ("2015", "sources", "arabic-report", "٢٠١٥"),
    ("ناشطون", "citations", "test-arch-blown-up-ar-2", "ناشِطونَ"),
    ("مسلحون", "events", "test-arch-blown-up-ar", "مُسَلَّحُونَ"),
    ("فَجَّرُوا", "citations", "test-arch-blown-up-ar-1", "فجروا"),
    ("نَاشِطِينَ", "events", "test-arch-blown-up-ar", "نـاشِطِينَ"),
]


@pytest.mark.parametrize("query,kind,record,stored", ARABIC_SEARCHES)
async def test_arabic_is_found_whatever_its_vowel_signs_and_shown_as_stored(
    fixture_db, query, kind, record, stored
):
    ds = await started(fixture_db)
    found = await get_json(ds, "/-/heritage/search.json?" + urlencode({"q": query}))
    (result,) = [r for r in found[kind] if r["id"] == record]
    # The snippet is the text as stored, the stored word marked.
    assert search.MARK_OPEN + stored + search.MARK_CLOSE in result["snippet"]
    plain = result["snippet"].replace(search.MARK_OPEN, "").replace(search.MARK_CLOSE, "")
    column = queries.SNIPPET_COLUMNS[kind]
    (text,) = sql(fixture_db, f"SELECT {column} AS text FROM {kind} WHERE id = ?", (record,))
    assert plain.strip("…") in text["text"]
    html = await get_html(ds, "/-/heritage/search?" + urlencode({"q": query}))
    assert f"<mark>{stored}</mark>" in html
    # Datasette's own search of the table finds it too, typed plain.
    rows = await ds.client.get(
        f"/fixture/{kind}.json?" + urlencode({"_search": fold(query), "_shape": "array"})
    )
    assert record in [r["id"] for r in rows.json()]


async def test_every_page_has_the_search_in_its_header(real_db):
    ds = await started(real_db)
    for path in ("/", "/heritage", "/heritage/citations", "/-/heritage", "/-/heritage/timeline"):
        html = await get_html(ds, path)
        assert 'class="heritage-header-search" action="/-/heritage/search"' in html, path


# -- Atom feeds -------------------------------------------------------------


def parsed_feed(text: str):
    import feedparser

    parsed = feedparser.parse(text)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    return parsed


async def get_feed(ds: Datasette, path: str):
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    assert response.headers["content-type"].startswith("application/atom+xml")
    return parsed_feed(response.text)


async def test_feeds_of_events_newest_first(ds, db_path):
    events = sql(db_path, "SELECT id, title, date, site_id, date_start FROM events")
    whole = await get_feed(ds, "/-/heritage/timeline.atom")
    expected = sorted(events, key=lambda e: e["date_start"] or "", reverse=True)
    assert len(whole.entries) == min(len(events), queries.FEED_LIMIT)
    starts = [e.published for e in whole.entries]
    assert starts == sorted(starts, reverse=True), "newest first"
    assert {e.link for e in whole.entries} <= {
        f"http://localhost/-/heritage/events/{e['id']}" for e in expected
    }
    for site in sql(db_path, "SELECT id FROM sites"):
        feed = await get_feed(ds, f"/-/heritage/timeline.atom?site={site['id']}")
        mine = {
            f"http://localhost/-/heritage/events/{e['id']}"
            for e in events
            if e["site_id"] == site["id"]
        }
        assert {e.link for e in feed.entries} == mine
    for monument in sql(db_path, "SELECT id FROM monuments"):
        feed = await get_feed(ds, f"/-/heritage/monuments/{monument['id']}.atom")
        affected = sql(
            db_path, "SELECT event_id FROM event_monuments WHERE monument_id = ?", (monument["id"],)
        )
        assert {e.link.rsplit("/", 1)[1] for e in feed.entries} == {r[0] for r in affected}
    for missing in ("/-/heritage/monuments/no-such.atom", "/-/heritage/timeline.atom?site=nope"):
        assert (await ds.client.get(missing)).status_code == 404


async def test_feed_entries_say_when_who_supports_who_disputes_and_the_sources(real_db):
    ds = await started(real_db)
    feed = await get_feed(ds, "/-/heritage/timeline.atom")
    for entry in feed.entries:
        event_id = entry.link.rsplit("/", 1)[1]
        data = await get_json(ds, f"/-/heritage/events/{event_id}.json")
        content = entry.content[0].value
        assert data["event"]["when"]["display"] in content
        assert f"Claims for ({len(data['supporting'])})" in content
        assert f"Claims against ({len(data['disputing'])})" in content
        for c in data["supporting"] + data["disputing"]:
            assert c["claimant"] in content.replace("&#39;", "'")
            assert f"#citation-{c['id']}" in content
        assert ("(contested)" in entry.title) == data["event"]["contested"]
    # Pages name their feed for feed readers.
    for path, href in (
        ("/-/heritage", "/-/heritage/timeline.atom"),
        ("/-/heritage/timeline?site=palmyra", "/-/heritage/timeline.atom?site=palmyra"),
        ("/-/heritage/monuments/temple-of-bel", "/-/heritage/monuments/temple-of-bel.atom"),
    ):
        html = await get_html(ds, path)
        assert '<link rel="alternate" type="application/atom+xml" title="' in html
        assert f'href="{href}"' in html, path


async def test_feed_of_hostile_text_is_well_formed_and_escaped(hostile_pages_db):
    ds = await started(hostile_pages_db)
    for path in ("/-/heritage/timeline.atom", "/-/heritage/monuments/hostile-monument.atom"):
        response = await ds.client.get(path)
        assert "<script>" not in response.text
        assert parsed_feed(response.text).entries
        # The entries' HTML as a feed reader gets it (feedparser would
        # sanitise it): the text escaped in it, shown as text.
        atom = "{http://www.w3.org/2005/Atom}"
        contents = [c.text for c in ET.fromstring(response.content).iter(f"{atom}content")]
        assert contents and all("<script>" not in c for c in contents)
        assert any("&lt;script&gt;alert(&#34;pwned&#34;)" in c for c in contents)


# -- crawlers -----------------------------------------------------------------


async def test_robots_txt_lets_crawlers_index_records_not_facets_or_sql(real_db):
    from protego import Protego

    ds = await started(real_db)
    response = await ds.client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    robots = Protego.parse(response.text)
    allowed = lambda path: robots.can_fetch("http://localhost" + path, "Googlebot")  # noqa: E731
    for path in (
        "/-/heritage",
        "/-/heritage/timeline",
        "/-/heritage/timeline?site=palmyra",
        "/-/heritage/monuments/temple-of-bel",
        "/-/heritage/events/is-retakes-palmyra-2016-12",
        "/-/heritage/sources/2016-12-11-isis-regains-control-of-palmyra",
        "/heritage",
        "/heritage/monuments",
        "/heritage/monuments/temple-of-bel",
        "/-/static/app.css",
    ):
        assert allowed(path), path
    for path in (
        "/heritage?sql=select+1",
        "/heritage/citations?_facet=claimant",
        "/heritage/events?kind=damage&_facet_year=date",
        "/heritage/events?_sort=date_start",
        "/heritage/sources?_search=temple",
        "/heritage/citations.csv",
        "/heritage/citations.json?_shape=array",
        "/heritage/sources.csljson",
        "/-/heritage/search?q=temple",
        "/-/heritage/monuments/temple-of-bel.json",
        "/-/heritage/timeline?kind=damage",
        "/-/versions",
    ):
        assert not allowed(path), path
    assert list(robots.sitemaps) == ["http://localhost/-/heritage/sitemap.xml"]


async def test_sitemap_lists_every_plugin_page(ds, db_path):
    sm = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    index = await ds.client.get("/-/heritage/sitemap.xml")
    assert index.status_code == 200 and index.headers["content-type"].startswith("application/xml")
    listed = []
    for loc in ET.fromstring(index.content).iter(f"{sm}loc"):
        part = await ds.client.get(loc.text.replace("http://localhost", ""))
        assert part.status_code == 200, loc.text
        listed += [
            u.text.replace("http://localhost", "")
            for u in ET.fromstring(part.content).iter(f"{sm}loc")
        ]
    expected = ["/-/heritage", "/-/heritage/timeline"]
    expected += [f"/-/heritage/timeline?site={r[0]}" for r in sql(db_path, "SELECT id FROM sites")]
    for kind in ("monuments", "events", "sources"):
        expected += [f"/-/heritage/{kind}/{r[0]}" for r in sql(db_path, f"SELECT id FROM {kind}")]
    assert sorted(listed) == sorted(expected)
    # Every page it lists exists.
    for path in listed:
        assert (await ds.client.get(path)).status_code == 200, path
    assert (await ds.client.get("/-/heritage/sitemap-events-0.xml")).status_code == 404
