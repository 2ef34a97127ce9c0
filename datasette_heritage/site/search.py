"""One search across monuments (every name, any language), events, cited
passages and sources: what the reader typed, made a safe full-text query,
and the matches' snippets as escaped HTML.

The full-text tables (written by build/writer.py) stem English words with
FTS5's porter tokenizer, so "temple" finds "temples"; names are indexed as
written and folded (datasette_heritage/folding.py), texts (sources,
passages, events) as written and, where folding changes them, folded too;
each word of the query is searched both ways, so Arabic is found with or
without its vowel signs and letter variants. A match found only in the folded
copy is shown in the text as stored (``snippet_as_stored``). The query is never
passed to FTS5 as syntax: each word is quoted (Datasette's escape_fts), so
operators, column filters and unbalanced quotes are plain words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from datasette.utils import escape_fts
from markupsafe import Markup, escape

from ..folding import fold, make_searchable, search_lines

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
_WORD = re.compile(r"\w", re.UNICODE)


# A snippet's marks: control characters, which no tokenizer keeps in a word.
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"
ELLIPSIS = "\u2026"  # what FTS5's snippet() is given to show a cut


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
        plain = folded(term)
        if plain != term:
            words.append(f"({escape_fts(term)} OR {escape_fts(plain)})")
        else:
            words.append(escape_fts(term))
    # Spelled out: FTS5 takes no implicit AND beside a group in brackets.
    return " AND ".join(words)


def folded(text: str) -> str:
    """``text`` folded as the full-text copies are (vowel signs, tatweel,
    letter forms ...), or as it is when nothing searchable would be left.
    For Datasette's own search of a table too, which searches the words it
    is given as they are."""
    plain = " ".join(fold(text).split())
    return plain if _WORD.search(plain) else text


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


def snippet_as_stored(values: Sequence[str | None], shown: int, folded_snippet: str) -> str | None:
    """The passage of ``values[shown]`` that ``folded_snippet`` shows, as
    stored (vowel signs and all), with the marks around the same words.
    ``values`` are a row's columns that its search_text folds
    (schema.SEARCH_TEXT_COLUMNS), ``folded_snippet`` FTS5's snippet of that
    search_text. None when the snippet marks nothing in ``values[shown]``.
    Folds all the values: the caller bounds how much."""
    text = values[shown]
    if not text:
        return None
    joined = search_lines(values)
    before = search_lines(values[:shown])
    low = len(before) + 1 if before else 0  # where the text starts in the lines
    high = low + len(text)
    found = make_searchable(joined)
    for lead, trail in ((1, 1), (0, 1), (1, 0), (0, 0)):
        cut_lead = lead and folded_snippet.startswith(ELLIPSIS)
        cut_trail = trail and folded_snippet.endswith(ELLIPSIS)
        if (lead and not cut_lead) or (trail and not cut_trail):
            continue  # the same as a later try
        body = folded_snippet[int(cut_lead) : len(folded_snippet) - int(cut_trail)]
        plain, marks = _without_marks(" ".join(body.split()))
        at = found.folded.find(plain) if plain else -1
        if at < 0:
            continue
        start, end = found.span(at, at + len(plain))
        start, end = max(start, low), min(end, high)
        out, last, marked = [], start, False
        for mark_start, mark_end in marks:
            first, after = found.span(at + mark_start, at + mark_end)
            first, after = max(first, last), min(after, end)
            if first < after:
                out += [joined[last:first], MARK_OPEN, joined[first:after], MARK_CLOSE]
                last, marked = after, True
        if not marked:
            return None
        out.append(joined[last:end])
        return (ELLIPSIS if start > low else "") + "".join(out) + (ELLIPSIS if end < high else "")
    return None


def _without_marks(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """A snippet's text without its marks, and where each marked run was."""
    plain: list[str] = []
    marks: list[tuple[int, int]] = []
    length, opened = 0, None
    for piece in re.split(f"({MARK_OPEN}|{MARK_CLOSE})", marked):
        if piece == MARK_OPEN:
            opened = length if opened is None else opened
        elif piece == MARK_CLOSE:
            if opened is not None and length > opened:
                marks.append((opened, length))
            opened = None
        else:
            plain.append(piece)
            length += len(piece)
    if opened is not None and length > opened:
        marks.append((opened, length))
    return "".join(plain), marks
