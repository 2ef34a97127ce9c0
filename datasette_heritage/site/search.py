"""One search across monuments (every name, any language), events, cited
passages and sources: what the reader typed, made a safe full-text query,
and the matches' snippets as escaped HTML.

The full-text tables (written by build/writer.py) stem English words with
FTS5's porter tokenizer, so "temple" finds "temples"; names are indexed as
written and folded (datasette_heritage/folding.py), and each word of the
query is searched both ways, so an Arabic name is found with or without its
vowel signs and letter variants. The query is never
passed to FTS5 as syntax: each word is quoted (Datasette's escape_fts), so
operators, column filters and unbalanced quotes are plain words.
"""

from __future__ import annotations

import re

from datasette.utils import escape_fts
from markupsafe import Markup, escape

from ..folding import fold
from .queries import MARK_CLOSE, MARK_OPEN

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
_WORD = re.compile(r"\w", re.UNICODE)


class BadQuery(ValueError):
    """A query that cannot be searched; the message says why."""


def normalise(raw: str | None) -> str:
    """The query as it is shown back: white space collapsed, no control
    characters."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", raw or "")
    return " ".join(text.split())


def fts_query(text: str) -> str | None:
    """The FTS5 query for a normalised query; None when there is nothing to
    search for. Raises BadQuery for a query too long to be one."""
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(f"The search is too long: at most {MAX_QUERY_CHARS} characters")
    # Only words count: punctuation alone would match nothing anyway.
    terms = [t for t in text.replace('"', " ").split() if _WORD.search(t)]
    if not terms:
        return None
    if len(terms) > MAX_TERMS:
        raise BadQuery(f"The search has too many words: at most {MAX_TERMS}")
    # A word also matches in its folded form (Arabic typed with vowel signs
    # or hamza finds a name indexed plain: the build indexes names both ways).
    words = []
    for term in terms:
        plain = " ".join(fold(term).split())
        if plain and plain != term and _WORD.search(plain):
            words.append(f"({escape_fts(term)} OR {escape_fts(plain)})")
        else:
            words.append(escape_fts(term))
    # Spelled out: FTS5 takes no implicit AND beside a group in brackets.
    return " AND ".join(words)


def snippet_html(snippet: str | None) -> Markup:
    """A snippet from FTS5's snippet() with its matches in <mark>: the text
    escaped piece by piece, the marks balanced whatever the text holds."""
    out: list[str] = []
    open_mark = False
    for piece in re.split(f"({MARK_OPEN}|{MARK_CLOSE})", snippet or ""):
        if piece == MARK_OPEN:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif piece == MARK_CLOSE:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(str(escape(piece)))
    if open_mark:
        out.append("</mark>")
    return Markup("".join(out))
