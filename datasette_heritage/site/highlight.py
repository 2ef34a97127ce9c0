"""A source's text as HTML paragraphs with every cited passage in a <mark>.

Passages may overlap or nest (two claims quoting the same sentence, one quote
inside a longer one), but HTML elements may only nest. So a passage that
crosses another's end is closed there and reopened: its first piece carries
the ``id`` a citation link lands on, later pieces only a class. Paragraph
breaks (blank lines) do the same, so a passage spanning two paragraphs stays
inside <p> elements. Every piece of text is escaped on its own; nothing from
the database reaches the page unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from .urls import citation_anchor

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")


@dataclass(frozen=True)
class Passage:
    citation_id: str
    start: int
    end: int
    number: int  # shown as the passage's reference mark, [1], [2] ...
    href: str  # the event the passage is cited for
    title: str  # tooltip: what the passage is cited as


def locatable(text: str, start, end) -> bool:
    return isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)


def _clamp(start: int, end: int, breaks: Sequence[tuple[int, int]]) -> tuple[int, int]:
    # A quote never starts or ends in white space, but guard anyway: a passage
    # edge inside a paragraph break moves to the nearest paragraph edge.
    for b_start, b_end in breaks:
        if b_start < start < b_end:
            start = b_end
        if b_start < end < b_end:
            end = b_start
    return start, end


def highlight(text: str, passages: Sequence[Passage]) -> Markup:
    """The text as <p> paragraphs with each passage marked (see module doc)."""
    text = text or ""
    body_start = len(text) - len(text.lstrip())
    body_end = len(text.rstrip())
    breaks = [(m.start(), m.end()) for m in _PARAGRAPH_BREAK.finditer(text, body_start, body_end)]
    spans: dict[str, int] = {}  # citation id -> end, after clamping
    starts: dict[int, list[Passage]] = {}
    ends: dict[int, set[str]] = {}
    for passage in passages:
        if not locatable(text, passage.start, passage.end) or passage.citation_id in spans:
            continue
        start, end = _clamp(max(passage.start, body_start), min(passage.end, body_end), breaks)
        if start >= end:
            continue
        spans[passage.citation_id] = end
        starts.setdefault(start, []).append(passage)
        ends.setdefault(end, set()).add(passage.citation_id)
    break_at = dict(breaks)
    points = sorted({body_start, body_end, *starts, *ends, *break_at})

    out: list[str] = ["<p>"]
    stack: list[Passage] = []  # open passages, outermost first
    opened: set[str] = set()

    def open_mark(passage: Passage) -> None:
        first = passage.citation_id not in opened
        opened.add(passage.citation_id)
        attrs = f' id="{escape(citation_anchor(passage.citation_id))}"' if first else ""
        css = "heritage-passage" if first else "heritage-passage heritage-passage-cont"
        out.append(
            f'<mark{attrs} class="{css}" data-citation="{escape(passage.citation_id)}" title="{escape(passage.title)}">'
        )
        stack.append(passage)

    def close_mark() -> Passage:
        out.append("</mark>")
        return stack.pop()

    def references(done: list[Passage]) -> None:
        # After the marks they end, in reading order ([15][16][17]) however
        # the passages nest.
        for passage in sorted(done, key=lambda p: p.number):
            out.append(
                f'<sup class="heritage-passage-ref"><a href="{escape(passage.href)}" title="{escape(passage.title)}">[{passage.number}]</a></sup>'
            )

    position = body_start
    for point in points:
        if point < position:
            continue  # inside a paragraph break already skipped
        out.append(str(escape(text[position:point])))
        position = point
        ending = ends.get(point, set())
        if ending and any(p.citation_id in ending for p in stack):
            depth = min(i for i, p in enumerate(stack) if p.citation_id in ending)
            reopen: list[Passage] = []
            done: list[Passage] = []
            while len(stack) > depth:
                passage = close_mark()
                (done if passage.citation_id in ending else reopen).append(passage)
            references(done)
            for passage in reversed(reopen):
                open_mark(passage)
        if point in break_at:
            carried = list(stack)
            for _ in carried:
                close_mark()
            out.append("</p>\n<p>")
            position = break_at[point]
            for passage in carried:
                open_mark(passage)
        # Longer passages open first so shorter ones starting here nest inside.
        for passage in sorted(
            starts.get(point, []), key=lambda p: (-spans[p.citation_id], p.number)
        ):
            open_mark(passage)
    references([close_mark() for _ in list(stack)])
    out.append("</p>")
    return Markup("".join(out))
