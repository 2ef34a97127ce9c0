"""A person using the heritage pages in a real Chromium, on a real server
serving the real dataset the README way.

Only the server's own addresses are loaded: requests anywhere else (the map
tiles) are refused by the test, so it needs no network and proves the pages
work without any remote script or stylesheet. Screenshots go to
the folder in $HERITAGE_TEST_ARTIFACTS (a temporary one otherwise) for
people to look at.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MONUMENT = "temple-of-bel"


def rows(db_path: Path, query: str, params=()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def page(browser, real_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route(
        re.compile(r".*"),
        lambda route: (
            route.continue_() if route.request.url.startswith(real_server) else route.abort()
        ),
    )
    errors: list[str] = []
    failed: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda r: (
            failed.append(f"{r.status} {r.url}")
            if r.url.startswith(real_server) and r.status >= 400
            else None
        ),
    )
    page.errors, page.failed = errors, failed
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
    assert not failed, f"failed requests: {failed}"


def in_viewport(page, selector: str) -> bool:
    return page.eval_on_selector(
        selector,
        """el => {
        const r = el.getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
    }""",
    )


def test_overview_to_temple_of_bel_to_highlighted_passage(page, real_server, real_db, artifacts):
    # The overview: counts, a map with a marker per located monument, the strip.
    page.goto(real_server + "/-/heritage")
    located = rows(
        real_db,
        """SELECT id FROM monuments
                               WHERE latitude IS NOT NULL AND longitude IS NOT NULL""",
    )
    markers = page.locator("path.heritage-marker")
    markers.first.wait_for()
    assert markers.count() == len(located)
    events = rows(real_db, "SELECT count(*) FROM events")[0][0]
    assert page.locator(".heritage-counts").inner_text().count(f"{events}\nevents") == 1
    assert page.locator(".heritage-strip .heritage-bar").count() > 0
    # Markers are coloured by condition: the destroyed temple's is the worst rank's.
    temple = page.locator(f'path.heritage-marker[data-id="{MONUMENT}"]')
    fill = temple.evaluate("el => getComputedStyle(el).fill")
    swatch = page.locator(".heritage-legend .heritage-swatch").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert fill == swatch
    page.screenshot(path=str(artifacts / "heritage-overview.png"), full_page=True)
    # The Temple of Bel is listed, in view, without opening anything.
    listed = page.locator("#heritage-monuments a.heritage-map-label", has_text="Temple of Bel")
    assert listed.is_visible()

    # Click the temple's marker; its popup links to the monument page.
    temple.click()
    popup_link = page.locator(".leaflet-popup-content a", has_text="Temple of Bel")
    popup_link.wait_for()
    # Wait for the popup's fade-in, so the screenshot shows it as people do.
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    page.screenshot(path=str(artifacts / "heritage-overview-popup.png"))
    popup_link.click()
    page.wait_for_url(f"**/-/heritage/monuments/{MONUMENT}")
    assert page.locator("h1").inner_text() == "Temple of Bel"
    page.locator(f'path.heritage-marker[data-id="{MONUMENT}"]').wait_for()

    # Its damage timeline, in date order, with the claims and their quotes.
    expected_events = rows(
        real_db,
        """SELECT e.title FROM event_monuments em
        JOIN events e ON e.id = em.event_id WHERE em.monument_id = ?
        ORDER BY e.date_start, e.date_end, e.id""",
        (MONUMENT,),
    )
    titles = page.locator(".heritage-timeline-event h3 a").all_inner_texts()
    assert titles == [r["title"] for r in expected_events]
    quotes = rows(
        real_db,
        """SELECT c.id, c.quote, c.source_id FROM citations c
        JOIN event_monuments em ON em.event_id = c.event_id
        WHERE em.monument_id = ? AND c.verified = 1""",
        (MONUMENT,),
    )
    assert quotes, "the Temple of Bel has verified quotes"
    shown = page.locator(".heritage-quote-link").all_inner_texts()
    assert {q["quote"] for q in quotes} <= {s.strip("“”") for s in shown}
    page.screenshot(path=str(artifacts / "heritage-monument.png"), full_page=True)

    # Click a quote: the source page, scrolled to the highlighted passage.
    first = quotes[0]
    page.locator(f'.heritage-quote-link[href$="#citation-{first["id"]}"]').first.click()
    page.wait_for_url(
        f"**/-/heritage/sources/{first['source_id']}?citation={first['id']}#citation-{first['id']}"
    )
    mark = f'mark[id="citation-{first["id"]}"]'
    assert page.locator("mark:target").get_attribute("id") == f"citation-{first['id']}"
    assert in_viewport(page, mark)
    target_bg = page.locator(mark).evaluate("el => getComputedStyle(el).backgroundColor")
    others = page.locator(f'mark.heritage-passage:not([data-citation="{first["id"]}"])')
    if others.count():
        assert others.first.evaluate("el => getComputedStyle(el).backgroundColor") != target_bg
    passage = re.sub(
        r"\s+|\[\d+\]",
        "",
        "".join(page.locator(f'mark[data-citation="{first["id"]}"]').all_inner_texts()),
    )
    assert re.sub(r"\s+", "", first["quote"]).replace('"', "") in passage.replace("“", "").replace(
        "”", ""
    ).replace('"', "")
    page.screenshot(path=str(artifacts / "heritage-source-passage.png"))


def test_every_page_in_the_browser(page, real_server, real_db, artifacts):
    pages = ["/-/heritage/timeline"]
    pages += [f"/-/heritage/events/{r[0]}" for r in rows(real_db, "SELECT id FROM events")]
    pages += [f"/-/heritage/sources/{r[0]}" for r in rows(real_db, "SELECT id FROM sources")]
    pages += [f"/-/heritage/monuments/{r[0]}" for r in rows(real_db, "SELECT id FROM monuments")]
    for path in pages:
        page.goto(real_server + path)
        assert page.locator("h1").inner_text().strip()
    contested = rows(real_db, "SELECT id FROM events WHERE contested = 1 LIMIT 1")
    if contested:
        page.goto(real_server + f"/-/heritage/events/{contested[0][0]}")
        assert page.locator("h1 .heritage-contested").is_visible()
        page.screenshot(path=str(artifacts / "heritage-event-contested.png"), full_page=True)


def test_timeline_filter_form_works(page, real_server, real_db, artifacts):
    page.goto(real_server + "/-/heritage/timeline")
    every = rows(real_db, "SELECT count(*) FROM events")[0][0]
    assert page.locator(".heritage-timeline-event").count() == every
    site, kind = rows(
        real_db,
        """SELECT site_id, kind FROM events
        GROUP BY site_id, kind ORDER BY count(*) DESC LIMIT 1""",
    )[0]
    page.select_option("#heritage-site", site)
    page.select_option("#heritage-kind", kind)
    page.locator("form.heritage-filters input[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/-/heritage/timeline\?site={site}&kind={kind}$"))
    expected = rows(
        real_db,
        """SELECT title FROM events WHERE site_id = ? AND kind = ?
                                ORDER BY date_start, rowid""",
        (site, kind),
    )
    assert page.locator(".heritage-event-title").all_inner_texts() == [r[0] for r in expected]
    assert page.locator("#heritage-site").input_value() == site
    page.screenshot(path=str(artifacts / "heritage-timeline-filtered.png"), full_page=True)


def test_pages_work_without_javascript(browser, real_server, real_db):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(real_server + "/-/heritage/timeline")
        site = rows(real_db, "SELECT site_id FROM events LIMIT 1")[0][0]
        page.select_option("#heritage-site", site)
        page.locator("form.heritage-filters input[type=submit]").click()
        page.wait_for_url(re.compile(rf".*site={site}.*"))
        count = rows(real_db, "SELECT count(*) FROM events WHERE site_id = ?", (site,))[0][0]
        assert page.locator(".heritage-timeline-event").count() == count
        # Without a map, the overview still lists every monument, in view.
        page.goto(real_server + "/-/heritage")
        names = page.locator("#heritage-monuments a.heritage-map-label")
        assert names.count() == rows(real_db, "SELECT count(*) FROM monuments")[0][0]
        assert all(names.nth(i).is_visible() for i in range(names.count()))
    finally:
        context.close()


def content_height(page) -> int:
    # The body's own height: the document is never shorter than the window.
    return page.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")


SCREEN = 900


def test_datasette_table_pages_fit_a_laptop_screen(page, real_server, real_db, artifacts):
    # The aim for this dataset at 1280x900: sources within one screen,
    # citations within three, every row on the page.
    for table, screens in (("sources", 1), ("citations", 3)):
        page.goto(real_server + f"/heritage/{table}")
        count = rows(real_db, f"SELECT count(*) FROM {table}")[0][0]
        assert page.locator("table.rows-and-columns tbody tr").count() == count
        height = content_height(page)
        page.screenshot(path=str(artifacts / f"datasette-{table}-1280.png"), full_page=True)
        # Datasette 1.0's own table page is taller (the table actions on a row
        # of their own, a sort row in the filters): the aim is 0.65's layout.
        if not page.locator(".page-action-menu").count():
            assert height <= screens * SCREEN, (table, height)
        # Column descriptions: folded away, one click from view, and on hover.
        folded = page.locator("details.heritage-column-descriptions")
        assert folded.count() == 1 and not folded.evaluate("el => el.open")
        assert not page.locator("dl.column-descriptions").is_visible()
        folded.locator("summary").click()
        assert page.locator("dl.column-descriptions").is_visible()
        assert page.locator("th.col-source_id, th.col-title").first.get_attribute("title")


def test_datasette_pages_links_look_like_links(page, real_server):
    page.goto(real_server + "/heritage/citations")
    quote = page.locator("td.col-quote a.heritage-quote-link").first
    body_colour = page.evaluate("getComputedStyle(document.body).color")
    assert "underline" in quote.evaluate("el => getComputedStyle(el).textDecorationLine")
    assert quote.evaluate("el => getComputedStyle(el).color") != body_colour
    # The excerpt's link leads to the whole passage, highlighted.
    href = quote.get_attribute("href")
    quote.click()
    page.wait_for_url("**" + href)
    assert page.locator("mark:target").count() == 1


def test_search_from_a_datasette_page_header(page, real_server, real_db, artifacts):
    page.goto(real_server + "/heritage/sources")
    page.fill("#heritage-header-q", "temples")
    page.locator(".heritage-header-search input[type=submit]").click()
    page.wait_for_url("**/-/heritage/search?q=temples")
    # Grouped by kind; the singular's results are the plural's (stemming).
    for kind in ("monuments", "events", "citations", "sources"):
        assert page.locator(f"#results-{kind} h2").is_visible()
    assert page.locator("#results-monuments .heritage-result-title").count() > 0
    assert page.locator("#results-citations mark").count() > 0
    page.screenshot(path=str(artifacts / "heritage-search.png"), full_page=True)
    page.locator("#results-monuments a.heritage-result-title", has_text="Temple of Bel").click()
    page.wait_for_url("**/-/heritage/monuments/temple-of-bel")


def test_an_arabic_source_reads_right_to_left_with_its_passages_highlighted(
    browser, fixture_server, fixture_db, artifacts
):
    (source,) = rows(fixture_db, "SELECT id, text FROM sources WHERE language = 'ar'")
    citations = rows(
        fixture_db,
        "SELECT id, event_id, quote_start, quote_end, translation FROM citations "
        "WHERE source_id = ? ORDER BY quote_start",
        (source["id"],),
    )
    assert citations
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    try:
        page = context.new_page()
        target = citations[-1]
        page.goto(f"{fixture_server}/-/heritage/sources/{source['id']}#citation-{target['id']}")
        text = page.locator(".heritage-source-text")
        assert text.get_attribute("dir") == "rtl" and text.get_attribute("lang") == "ar"
        assert text.evaluate("el => getComputedStyle(el).direction") == "rtl"
        # Lines start at the right: the first word of a paragraph is further
        # right than its last, and hugs the right edge of the text block.
        first_word, last_word, block = text.evaluate(
            """el => {
            const p = el.querySelector('p:last-child');
            const node = [...p.childNodes].find(n => n.nodeType === 3 && n.data.trim());
            const range = document.createRange();
            const at = node.data.search(/\\S/);
            range.setStart(node, at); range.setEnd(node, at + 1);
            const first = range.getBoundingClientRect();
            const all = document.createRange(); all.selectNodeContents(p);
            const rects = [...all.getClientRects()];
            const line = rects.filter(r => Math.abs(r.top - first.top) < 2);
            const left = Math.min(...line.map(r => r.left));
            const box = p.getBoundingClientRect();
            return [first.right, left, box.right];
        }"""
        )
        assert first_word > last_word
        assert block - first_word < 4
        # Every cited passage is marked, whole, over the stored characters
        # (vowel signs and all), and the one in the address is the target.
        for c in citations:
            shown = "".join(page.locator(f'mark[data-citation="{c["id"]}"]').all_inner_texts())
            shown = re.sub(r"\[\d+\]", "", shown)
            stored = source["text"][c["quote_start"] : c["quote_end"]]
            assert re.sub(r"\s+", "", shown) == re.sub(r"\s+", "", stored)
        mark = page.locator(f'mark[id="citation-{target["id"]}"]')
        assert mark.evaluate("el => el.matches(':target')")
        assert in_viewport(page, f'mark[id="citation-{target["id"]}"]')
        inside = mark.evaluate(
            """el => {
            const box = el.closest('.heritage-source-text').getBoundingClientRect();
            return [...el.getClientRects()].every(
                r => r.left >= box.left - 1 && r.right <= box.right + 1);
        }"""
        )
        assert inside
        page.screenshot(path=str(artifacts / "heritage-source-rtl.png"), full_page=True)

        # On the event page the quote runs right to left, its translation beside it.
        page.goto(f"{fixture_server}/-/heritage/events/{target['event_id']}")
        quote = page.locator(f'.heritage-quote:has(a[href$="#citation-{target["id"]}"])')
        assert quote.evaluate("el => getComputedStyle(el).direction") == "rtl"
        claim = page.locator(f'li.heritage-claim:has(a[href$="#citation-{target["id"]}"])')
        assert target["translation"] in claim.locator(".heritage-translation").inner_text()
        assert (
            claim.locator(".heritage-translation").evaluate("el => getComputedStyle(el).direction")
            == "ltr"
        )
        page.screenshot(path=str(artifacts / "heritage-event-rtl-quote.png"), full_page=True)
    finally:
        context.close()


# Pairs of text elements (neither inside the other) whose boxes overlap by
# more than a few pixels each way: text drawn over text.
OVERLAPS = """() => {
  const boxes = [];
  for (const el of document.querySelectorAll('section.content *')) {
    if (el.closest('.leaflet-container')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!ownText) continue;
    for (const r of el.getClientRects()) {
      if (r.width > 0 && r.height > 0) boxes.push([el, r]);
    }
  }
  const found = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (a === b || a.contains(b) || b.contains(a)) continue;
      const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (x > 4 && y > 4) found.push(a.textContent.trim().slice(0, 30) + ' / ' + b.textContent.trim().slice(0, 30));
    }
  }
  return found.slice(0, 10);
}"""


def issue_pages(real_db) -> list[str]:
    """The plugin's pages of each kind."""
    event = rows(real_db, "SELECT id FROM events WHERE contested = 1 LIMIT 1")[0][0]
    source = rows(real_db, "SELECT id FROM sources ORDER BY length(text) DESC LIMIT 1")[0][0]
    return [
        "/-/heritage",
        "/-/heritage/timeline",
        f"/-/heritage/monuments/{MONUMENT}",
        f"/-/heritage/events/{event}",
        f"/-/heritage/sources/{source}",
        "/-/heritage/search?q=temple",
    ]


@pytest.mark.parametrize("width", [1280, 390])
def test_plugin_pages_fit_the_width_and_nothing_overlaps(
    browser, real_server, real_db, artifacts, width
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.route(
        re.compile(r".*"),
        lambda route: (
            route.continue_() if route.request.url.startswith(real_server) else route.abort()
        ),
    )
    try:
        for path in issue_pages(real_db):
            page.goto(real_server + path, wait_until="networkidle")
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
            page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, (path, width, wide)
            assert page.evaluate(OVERLAPS) == [], (path, width)
    finally:
        context.close()


def test_monument_and_event_pages_print_as_dossiers(page, real_server, real_db, artifacts):
    event = rows(real_db, "SELECT id FROM events WHERE contested = 1 LIMIT 1")[0][0]
    for path in (f"/-/heritage/monuments/{MONUMENT}", f"/-/heritage/events/{event}"):
        page.goto(real_server + path, wait_until="networkidle")
        page.emulate_media(media="print")
        # No navigation, search, footer or links to Datasette.
        for selector in ("header", "footer.ft", ".heritage-header-search", ".heritage-links"):
            assert not page.locator(selector).first.is_visible(), (path, selector)
        assert page.locator("h1").is_visible()
        # Links written out after their text.
        link = page.locator(".heritage-claim a.heritage-quote-link").first
        after = link.evaluate("el => getComputedStyle(el, '::after').content")
        assert link.get_attribute("href") in after, after
        if "monuments" in path:
            assert page.locator(".heritage-map.heritage-map-ready").is_visible()
        name = path.strip("/").replace("/", "-")
        page.pdf(path=str(artifacts / f"{name}.pdf"))
        page.emulate_media(media="screen")


def test_feed_and_citations_as_readers_get_them(page, real_server, real_db):
    import feedparser

    from .test_renderers import STYLES, formatted

    # The monument page names its feed; a feed reader reads it.
    page.goto(real_server + f"/-/heritage/monuments/{MONUMENT}")
    href = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    assert page.locator("a.heritage-feed-link").get_attribute("href") == href
    feed = feedparser.parse(page.request.get(real_server + href).text())
    assert not feed.bozo and feed.entries
    events = rows(
        real_db,
        """SELECT e.title FROM event_monuments em JOIN events e ON e.id = em.event_id
        WHERE em.monument_id = ? ORDER BY e.date_start DESC""",
        (MONUMENT,),
    )
    assert [e.title.replace(" (contested)", "") for e in feed.entries] == [r[0] for r in events]
    # The sources table offers CSL-JSON; formatted, each credited source has
    # its credit as author.
    page.goto(real_server + "/heritage/sources")
    csl = page.locator("p.export-links a", has_text="csljson").get_attribute("href")
    items = page.request.get(real_server + csl).json()
    for style in STYLES:
        cites, entries = formatted(items, style)
        assert len(set(cites)) == len(items)
    credits = rows(real_db, "SELECT credit FROM sources WHERE credit IS NOT NULL")
    assert all(any(e.startswith(c[0].split("/")[0]) for e in entries) for c in credits)
