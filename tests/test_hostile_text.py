"""Hostile text in every text field of the records is shown as text on every
page, and never runs.

A dataset is written from Python: every text field the YAML has (names,
alternative names, titles, descriptions, summaries, notes, claimants,
vocabulary labels, country, period, publisher, credit, the article text and
the quotes cut from it, a quote's translation, names in other languages, a source's
URL and archive URL) carries script tags, event-handler
and style attribute breakouts, javascript: URLs, closing tags of textarea,
title, script and style, template syntax and HTML entities. It is built and
served the README way, and Chromium opens every page of the plugin and of
Datasette (tables, rows, search, the renderers) and each JSON twin, opening
every map popup. On each: no dialog, no script marker set, no request to the
attacker's host, no element or attribute the text would have made if parsed
as HTML; and on each HTML page that shows records, the payload is visible as
literal text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
import yaml

from datasette_heritage.build.pipeline import build

from .conftest import start_server
from .site_pages import datasette_pages, feed_pages, plugin_pages

ATTACKER = "attacker.invalid"
# Each part would do something visible if it were parsed as HTML: set
# window.__pwned, open a dialog, or fetch from the attacker's host.
PARTS = [
    "<script>window.__pwned='script';alert('script')</script>",
    '"><img src=x onerror="window.__pwned=\'attr-dq\';alert(1)">',
    "'><svg onload=window.__pwned='attr-sq'>",
    "</textarea><script>window.__pwned='textarea'</script>",
    "</title><script>window.__pwned='title'</script>",
    "</script><script>window.__pwned='script-close'</script>",
    "</style><style>body{display:none}</style>",
    '" style="background:url(javascript:window.__pwned=\'style\')" x="',
    '<a id="pwn-link" href="javascript:window.__pwned=\'js-url\'">javascript:alert(1)</a>',
    f'<img src="https://{ATTACKER}/pixel.png">',
    f'<iframe src="https://{ATTACKER}/frame"></iframe>',
    "{{ 7*7 }} {% if 1 %}jinja{% endif %} ${7*7}",
    "&lt;b&gt;entity&lt;/b&gt; &amp;lt;",
]
PAYLOAD = " ".join(PARTS)
# What a person must see on the page: the markup, as text.
VISIBLE = ["<script>window.__pwned='script'", "&lt;b&gt;entity&lt;/b&gt;", "{{ 7*7 }}"]
HOSTILE_URL = f"https://{ATTACKER}/a\"><script>window.__pwned='url'</script>"


def hostile(label: str) -> str:
    return f"{label} {PAYLOAD}"


ARTICLE = "\n\n".join(
    [
        hostile("Headline"),
        "Militants blew up the great temple on Sunday, " + hostile("activists said") + ".",
        "The ministry denied it: " + hostile("nothing happened") + " at the site.",
        "A second report said two monuments were left in ruins " + hostile("witnesses") + ".",
    ]
)


def quote(start: str) -> str:
    """A passage of the article, from ``start`` to the end of the payload
    that follows it."""
    i = ARTICLE.index(start)
    return ARTICLE[i : ARTICLE.index(PARTS[-1], i) + len(PARTS[-1])]


def vocabulary(ids: list[str]) -> list[dict[str, Any]]:
    return [
        {"id": term, "label": hostile(term), "rank": rank, "description": hostile("about")}
        for rank, term in enumerate(ids, 1)
    ]


RECORDS: dict[str, dict[str, Any]] = {
    "vocabularies/damage_levels.yml": vocabulary(["destroyed", "severely-damaged"]),
    "vocabularies/causes.yml": vocabulary(["explosion-heavy-weaponry"]),
    "vocabularies/event_kinds.yml": vocabulary(["damage", "control"]),
    "vocabularies/monument_types.yml": vocabulary(["temple", "tomb"]),
    "sites/sites.yml": [
        {
            "id": "hostile-site",
            "name": hostile("Site"),
            "country": hostile("Country"),
            "alternative_names": [hostile("Alias")],
            "names": [{"name": hostile("موقع"), "language": "ar"}],
            "latitude": 34.55,
            "longitude": 38.27,
            "wikidata": "Q5747",
            "description": hostile("Site description"),
        },
        {
            "id": "far-site",
            "name": hostile("Far site"),
            "country": "Iraq",
            "latitude": 36.1,
            "longitude": 43.3,
        },
    ],
    "monuments/monuments.yml": [
        {
            "id": "great-temple",
            "site_id": "hostile-site",
            "name": hostile("Temple"),
            "alternative_names": [hostile("Temple alias")],
            "names": [{"name": hostile("معبد"), "language": "ar"}],
            "type": "temple",
            "period": hostile("Period"),
            "latitude": 34.547,
            "longitude": 38.274,
            "wikidata": "Q797481",
            "description": hostile("Monument description"),
        },
        {
            "id": "far-tomb",
            "site_id": "far-site",
            "name": hostile("Tomb"),
            "type": "tomb",
            "latitude": 36.2,
            "longitude": 43.2,
            "description": hostile("Tomb description"),
        },
    ],
    "sources/report.yml": [
        {
            "id": "hostile-report",
            "title": hostile("Title"),
            "publisher": hostile("Publisher"),
            "credit": hostile("Credit"),
            "published": "2016-12-11?",
            "published_note": hostile("Published note"),
            "url": HOSTILE_URL,
            "archive_url": HOSTILE_URL + "/archived",
            "language": "en",
            "text_file": "report.txt",
        },
        {
            "id": "url-only",
            "title": hostile("URL-only title"),
            "publisher": hostile("Outlet"),
            "published": "2015-08",
            "url": f"https://{ATTACKER}/report?q=<script>",
            "language": "en",
        },
    ],
    "events/events.yml": [
        {
            "id": "temple-blown-up",
            "kind": "damage",
            "title": hostile("Event title"),
            "date": "2015-08",
            "date_note": hostile("Date note"),
            "site_id": "hostile-site",
            "summary": hostile("Summary"),
            "monuments": [
                {
                    "monument_id": "great-temple",
                    "damage_level": "destroyed",
                    "cause": "explosion-heavy-weaponry",
                }
            ],
            "citations": [
                {
                    "source_id": "hostile-report",
                    "quote": quote("Militants blew up"),
                    "translation": hostile("Translation"),
                    "claimant": hostile("Claimant"),
                    "stance": "supports",
                    "identification": "explicit",
                    "note": hostile("Citation note"),
                },
                {
                    "source_id": "hostile-report",
                    "quote": quote("The ministry"),
                    "claimant": hostile("Disputer"),
                    "stance": "disputes",
                    "identification": "explicit",
                },
                {
                    "source_id": "url-only",
                    "quote": hostile("Unverified quote"),
                    "claimant": hostile("Outlet claimant"),
                    "stance": "supports",
                    "identification": "inferred",
                    "note": hostile("Inference note"),
                },
            ],
        },
        {
            "id": "tomb-damaged",
            "kind": "damage",
            "title": hostile("Second event"),
            "date": "2015-05/2016-03",
            "site_id": "far-site",
            "summary": hostile("Second summary"),
            "monuments": [{"monument_id": "far-tomb", "damage_level": "severely-damaged"}],
            "citations": [
                {
                    "source_id": "hostile-report",
                    "quote": quote("A second report"),
                    "claimant": hostile("Witness"),
                    "stance": "supports",
                    "identification": "inferred",
                    "note": hostile("Why inferred"),
                },
            ],
        },
    ],
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    for relative, records in RECORDS.items():
        path = data / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    (data / "sources" / "report.txt").write_text(ARTICLE, encoding="utf-8")
    db = root / "heritage.db"
    summary = build(data, db)
    assert summary.citations_verified == 3 and summary.citations_unverified == 1
    process, url = start_server(db)
    yield url, db
    process.terminate()
    process.wait(10)


def all_pages(db: Path) -> list[str]:
    pairs = plugin_pages(db) + datasette_pages(db)
    paths = [p for pair in pairs for p in pair] + feed_pages(db)
    paths += [
        "/heritage/sources?_search=script",
        "/heritage/monuments?_search=Temple",
        "/heritage/monuments.geojson",
        "/heritage/sources.csljson",
        "/heritage/sources.ris",
        "/heritage/citations?_search=script",
        "/heritage/events?_search=script",
        "/-/heritage/sitemap.xml",
        "/-/heritage/sitemap-monuments-1.xml",
        "/robots.txt",
        "/heritage/events?_facet=kind&_facet_year=date",
        "/heritage/citation_details",
    ]
    return paths


def test_every_page_answers_and_json_is_served_as_json(hostile_site):
    url, db = hostile_site
    for path in all_pages(db):
        response = httpx.get(url + path)
        assert response.status_code == 200, path
        assert response.headers["x-content-type-options"] == "nosniff"
        if ".json" in path or ".geojson" in path or ".csljson" in path:
            assert "text/html" not in response.headers["content-type"], path
            json.loads(response.text)
        if ".atom" in path:
            assert response.headers["content-type"].startswith("application/atom+xml"), path
            assert not feedparser.parse(response.text).bozo, path
    # The JSON carries the text as it is, for data users to escape themselves.
    monument = httpx.get(url + "/-/heritage/monuments/great-temple.json").json()
    assert monument["monument"]["name"] == hostile("Temple")


# The page's DOM, checked for anything the text would have created.
INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      // Every handler in PARTS sets __pwned; Datasette's own markup has
      // handlers too (1.0's column chooser button).
      if (name.startsWith('on') && attr.value.includes('__pwned'))
        found.push(el.tagName + '[' + name + ']');
      if ((name === 'href' || name === 'src' || name === 'action')
          && /^\\s*javascript:/i.test(attr.value)) found.push(el.tagName + '[' + name + ']');
      // Text in a title or data- attribute is fine, escaped; in these it acts.
      if ((name === 'style' || name === 'srcdoc') && attr.value.includes('__pwned'))
        found.push(el.tagName + '[' + name + ']');
    }
    if (el.tagName === 'SCRIPT' && el.textContent.includes('__pwned')) found.push('script');
    if (el.tagName === 'STYLE' && el.textContent.includes('display:none')) found.push('style');
    if (el.tagName === 'IFRAME') found.push('iframe');
  }
  return found;
}"""


def open_map_popups(page) -> None:
    # The plugin's maps and the cluster map build popups from the records.
    for selector in (".heritage-marker", ".leaflet-marker-icon"):
        for marker in page.query_selector_all(selector):
            try:
                marker.click(force=True, timeout=2000)
                page.wait_for_timeout(100)
            except Exception:  # a marker hidden under another one
                continue


@pytest.mark.browser
def test_no_hostile_text_runs_and_it_shows_as_text(browser, hostile_site):
    url, db = hostile_site
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    attacker_requests: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    context.route(
        re.compile(f"https?://{re.escape(ATTACKER)}/.*"),
        lambda route: (attacker_requests.append(route.request.url), route.abort()),
    )
    checked_visible = 0
    for path in all_pages(db):
        if ".ris" in path:
            continue  # a download, not a page: Chromium saves it, shows nothing
        is_json = any(
            ext in path
            for ext in (".json", ".geojson", ".csljson", ".atom", ".ris", ".xml", ".txt")
        )
        if is_json:
            page.goto(url + path)
        else:
            # Until the maps have drawn and the cluster map fetched its rows.
            page.goto(url + path, wait_until="networkidle")
            open_map_popups(page)
        where = path
        assert page.evaluate("window.__pwned") is None, where
        assert dialogs == [], (where, dialogs)
        assert attacker_requests == [], (where, attacker_requests)
        assert page.evaluate(INJECTED) == [], where
        shows_records = not is_json and path not in ("/", "/heritage")
        if shows_records:
            text = page.evaluate("document.body.innerText")
            # Datasette's table and query pages cut long text to an excerpt:
            # the payload's start shows there, the whole of it on row pages.
            excerpts = path.startswith("/heritage/") and path.split("?")[0].count("/") == 2
            for literal in VISIBLE[:1] if excerpts else VISIBLE:
                assert literal in text, (where, literal)
            checked_visible += 1
        # A javascript: link from the text, if it had become one, does nothing.
        if page.query_selector("#pwn-link"):
            raise AssertionError(f"{where}: the text became a link")
    assert checked_visible > 20
    # The source page shows the article with its cited passages highlighted,
    # as text: a <mark> around the payload, not the payload's own markup.
    page.goto(url + "/-/heritage/sources/hostile-report")
    marks = page.eval_on_selector_all("mark", "els => els.map(e => e.textContent)")
    assert any("<script>window.__pwned='script'" in m for m in marks), marks
    context.close()
