"""'Cite this passage' on a source page, in a real Chromium on a real server
(the README way, under the site's Content-Security-Policy): a passage
selected with the mouse gives the same citation block as
`datasette-heritage quote`, one that verifies against the stored text."""

from __future__ import annotations

import sqlite3

import pytest

from datasette_heritage.build.quotes import find_quote
from datasette_heritage.editor.find_quote import citation_block

from .conftest import local_page

pytestmark = pytest.mark.browser

SOURCE = "2016-12-11-isis-regains-control-of-palmyra"


def source_text(db_path) -> str:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT text FROM sources WHERE id = ?", [SOURCE]).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def page(browser, real_server):
    context, page = local_page(browser, real_server, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=real_server)
    # A script refused by the policy shows only as a console message.
    page.on(
        "console",
        lambda m: page.errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{real_server}/-/heritage/sources/{SOURCE}")
    yield page
    context.close()
    assert not page.errors, page.errors


def drag_select(page, needle: str, cut_start: int = 0, cut_end: int = 0) -> None:
    """Press the mouse inside the text at ``needle`` (``cut_start``
    characters in) and release it ``cut_end`` characters before its end, as
    a person selects a passage."""
    box = page.evaluate(
        """([needle, cutStart, cutEnd]) => {
        const container = document.querySelector('.heritage-source-text');
        const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const at = node.data.indexOf(needle);
          if (at < 0) continue;
          const range = document.createRange();
          range.setStart(node, at + cutStart);
          range.setEnd(node, at + cutStart + 1);
          const first = range.getBoundingClientRect();
          range.setStart(node, at + needle.length - cutEnd - 1);
          range.setEnd(node, at + needle.length - cutEnd);
          const last = range.getBoundingClientRect();
          return {x1: first.left + 1, y1: first.top + first.height / 2,
                  x2: last.right - 1, y2: last.top + last.height / 2};
        }
        return null;
    }""",
        [needle, cut_start, cut_end],
    )
    assert box, f"{needle!r} is not in one piece of the page's text"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def test_a_selected_passage_becomes_the_citation_quote_gives(page, real_db, artifacts):
    passage = "Russia earlier said it had repelled militants"
    # From inside "Russia" to inside "militants": whole words are cited.
    drag_select(page, passage, cut_start=2, cut_end=3)
    panel = page.locator("#heritage-cite")
    panel.wait_for(state="visible")
    assert page.locator(".heritage-cite-preview").inner_text() == f"\u201c{passage}\u201d"
    page.get_by_role("button", name="Cite this passage").click()
    block = page.locator(".heritage-cite-yaml").inner_text()
    assert block == citation_block(SOURCE, passage)
    page.screenshot(path=str(artifacts / "cite-passage.png"))

    page.get_by_role("button", name="Copy").click()
    page.get_by_text("Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == block


def test_a_passage_across_paragraphs_and_reference_marks_verifies(page, real_db):
    text = source_text(real_db)
    start = text.index("Russia earlier said")
    end = text.index("forcing government forces to retreat to the south") + len("forcing")
    # Select from the start of one paragraph to inside the next-but-one,
    # over any highlighted passage and its [n] mark.
    page.evaluate(
        """([first, last]) => {
        const container = document.querySelector('.heritage-source-text');
        const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
        let start = null, end = null;
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!start && node.data.includes(first)) start = [node, node.data.indexOf(first)];
          if (node.data.includes(last)) end = [node, node.data.indexOf(last) + 3];
        }
        const range = document.createRange();
        range.setStart(...start);
        range.setEnd(...end);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
    }""",
        ["Russia earlier said", "forcing government forces to retreat to the south"],
    )
    page.locator("#heritage-cite").wait_for(state="visible")
    page.get_by_role("button", name="Cite this passage").click()
    block = page.locator(".heritage-cite-yaml").inner_text()
    expected = " ".join(text[start:end].split())
    assert block == citation_block(SOURCE, expected)
    assert "[" not in block.split("\n")[1]  # no reference mark in the quote
    assert find_quote(expected, text) is not None


def test_selecting_outside_the_text_offers_nothing(page):
    page.locator("h1").click(click_count=3)  # select the heading
    page.wait_for_timeout(300)
    assert not page.locator("#heritage-cite").is_visible()


def test_without_javascript_the_page_is_as_it_was(browser, real_server):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{real_server}/-/heritage/sources/{SOURCE}")
        assert page.locator(".heritage-source-text").is_visible()
        assert not page.locator("#heritage-cite").is_visible()
        assert not page.get_by_role("button", name="Cite this passage").is_visible()
    finally:
        context.close()
