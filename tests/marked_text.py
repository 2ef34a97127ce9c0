"""Parsing highlighted source text in tests: checks that the HTML nests and
collects the text of the whole and of each cited passage."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import ClassVar


class MarkedText(HTMLParser):
    """Parses highlighted HTML: checks that tags nest, and collects the text
    of the whole document and of each citation (all its pieces, in order),
    leaving out the reference links (<sup>)."""

    VOID: ClassVar[set[str]] = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple] = []
        self.text: list[str] = []
        self.by_citation: dict[str, list[str]] = {}
        self.ids: list[str] = []
        self.paragraphs = 0
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.VOID:
            return
        if tag == "p":
            self.paragraphs += 1
            if any(t == "p" for t, _ in self.stack):
                self.errors.append("<p> inside <p>")
        if "id" in attrs:
            self.ids.append(attrs["id"])
        self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1][0] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        if any(t == "sup" for t, _ in self.stack):
            return
        self.text.append(data)
        for tag, attrs in self.stack:
            if tag == "mark":
                self.by_citation.setdefault(attrs["data-citation"], []).append(data)

    @classmethod
    def parse(cls, html: str) -> MarkedText:
        parser = cls()
        parser.feed(html)
        parser.close()
        assert not parser.errors, parser.errors
        assert not parser.stack, f"unclosed: {parser.stack}"
        return parser
