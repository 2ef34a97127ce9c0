"""The source text with its cited passages marked: nesting, overlaps,
paragraphs and escaping, checked by parsing the HTML that comes out."""

from __future__ import annotations

import re

import pytest

from datasette_heritage.site.dates_in_words import edtf_in_words, when
from datasette_heritage.site.highlight import Passage, highlight

from .marked_text import MarkedText


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def passage(cid: str, text: str, quote: str, number: int, occurrence: int = 0) -> Passage:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return Passage(cid, start, start + len(quote), number, f"/event/{cid}", f"cited {cid}")


TEXT = (
    "Title <b>&amp;</b>\n\nAlpha beta gamma delta epsilon zeta.\n"
    "Eta theta iota <script>alert('x')</script> kappa.\n\n\nLambda mu nu xi."
)


def check(text: str, passages: list[Passage]) -> MarkedText:
    html = str(highlight(text, passages))
    parsed = MarkedText.parse(html)
    assert squash("".join(parsed.text)) == squash(text), "text lost or duplicated"
    for p in passages:
        # A passage split by a paragraph break loses the break's white space.
        assert re.sub(r"\s", "", "".join(parsed.by_citation[p.citation_id])) == re.sub(
            r"\s", "", text[p.start : p.end]
        )
        assert parsed.ids.count(f"citation-{p.citation_id}") == 1
    return parsed


def test_plain_text_paragraphs_and_escaping():
    html = str(highlight(TEXT, []))
    parsed = check(TEXT, [])
    assert parsed.paragraphs == 3
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;&amp;amp;&lt;/b&gt;" in html


def test_overlapping_nested_identical_and_cross_paragraph_passages():
    passages = [
        passage("outer", TEXT, "Alpha beta gamma delta", 1),
        passage("nested", TEXT, "beta gamma", 2),
        passage("same", TEXT, "beta gamma", 3),
        passage("crossing", TEXT, "delta epsilon zeta.\nEta", 4),
        passage("hostile", TEXT, "<script>alert('x')</script> kappa.\n\n\nLambda", 5),
        passage("tail", TEXT, "Lambda mu nu xi.", 6),
    ]
    parsed = check(TEXT, passages)
    assert parsed.paragraphs == 3
    html = str(highlight(TEXT, passages))
    assert "<script>" not in html
    # The passage crossing "outer"'s end continues in a piece without the id.
    assert html.count('data-citation="crossing"') == 2
    assert html.count('data-citation="hostile"') == 2  # split by the paragraph break
    # Each passage ends with its numbered link to its event.
    for p in passages:
        assert f'href="/event/{p.citation_id}"' in html and f">[{p.number}]</a>" in html


def test_hostile_titles_and_ids_are_escaped_in_attributes():
    text = "one two three"
    p = Passage(
        'x"><script>1</script>', 0, 3, 1, 'javascript:"><b>', '"><img src=x onerror=alert(1)>'
    )
    html = str(highlight(text, [p]))
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    MarkedText.parse(html)


@pytest.mark.parametrize("bad", [(-1, 3), (2, 2), (5, 99), (None, None), (3, 1)])
def test_passages_outside_the_text_are_left_unmarked(bad):
    text = "some text here"
    html = str(highlight(text, [Passage("bad", bad[0], bad[1], 1, "/e", "t")]))
    assert "<mark" not in html
    assert squash("".join(MarkedText.parse(html).text)) == text


@pytest.mark.parametrize(
    "edtf,words",
    [
        ("2015-08-30", "30 August 2015"),
        ("2015-08", "August 2015"),
        ("2015", "2015"),
        ("2015-05/2016-03", "May 2015 – March 2016"),
        ("2016-12-11?", "11 December 2016?"),
        ("2015-08~", "c. August 2015"),
        ("2015%", "c. 2015?"),
        ("2016-12-10?/2016-12-11?", "10 December 2016? – 11 December 2016?"),
        ("/2016-12", "unknown – December 2016"),
        ("2015/", "2015 – unknown"),
        ("../2016", "until 2016"),
        ("2015-06/..", "from June 2015"),
        ("2015-21", "Spring 2015"),
        ("201X", "201X"),
    ],
)
def test_dates_in_words(edtf, words):
    assert edtf_in_words(edtf) == words


def test_when_keeps_precision_and_flags():
    w = when(
        {
            "date": "2015-05/2016-03",
            "date_start": "2015-05-01",
            "date_end": "2016-03-31",
            "date_precision": "month",
            "date_interval": 1,
        }
    )
    assert w["interval"] and w["precision"] == "month" and w["datetime"] is None
    w = when(
        {
            "date": "2016-12-11?",
            "date_start": "2016-12-11",
            "date_end": "2016-12-11",
            "date_precision": "day",
            "date_uncertain": 1,
        }
    )
    assert w["uncertain"] and not w["interval"] and w["datetime"] == "2016-12-11"


def test_references_after_a_passage_cited_several_times_run_in_reading_order():
    text = "One two three four five six."
    passages = [
        passage("whole", text, "One two three four five", 15),
        passage("same-a", text, "three four five", 16),
        passage("same-b", text, "three four five", 17),
        passage("same-c", text, "three four five", 18),
    ]
    check(text, passages)
    html = str(highlight(text, passages))
    numbers = [int(n) for n in re.findall(r">\[(\d+)\]</a>", html)]
    assert numbers == [15, 16, 17, 18]
