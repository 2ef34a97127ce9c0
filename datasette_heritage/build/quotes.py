"""Citation verification: find a quote in its source's text.

A quote matches a passage when they differ only in runs of white space, in
straight vs typographic quotation marks and apostrophes, and in the kind of
dash; a passage begins and ends on word boundaries. ``quote_pattern`` is
the definition: the regular expression that allows exactly those
differences. ``find_quote`` gives the same answer (the leftmost such passage)
without compiling one expression per quote, which took most of a large
build's time: it searches a folded copy of the text, quotes and dashes made
plain and white space runs made single spaces, with a note of where runs
were shortened to map offsets back (tests/test_fast_paths.py checks the two
agree).
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left
from functools import lru_cache
from re import Pattern

_SINGLE = "'\u2018\u2019\u201a\u201b\u2032\u02bc"
_DOUBLE = '"\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb'
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_CLASSES = {}
for chars in (_SINGLE, _DOUBLE, _DASHES):
    for ch in chars:
        _CLASSES[ch] = "[" + re.escape(chars) + "]"
_FOLD = str.maketrans(
    {**{c: "'" for c in _SINGLE}, **{c: '"' for c in _DOUBLE}, **{c: "-" for c in _DASHES}}
)
_SPACE = re.compile(r"\s+")
_RUNS = re.compile(r"\s\s+")
# str.replace per character is far faster than str.translate on non-ASCII
# text (translate looks every character up in a dict).
_FOLD_PAIRS = (
    [(c, "'") for c in _SINGLE[1:]]
    + [(c, '"') for c in _DOUBLE[1:]]
    + [(c, "-") for c in _DASHES[1:]]
)


@lru_cache(maxsize=4096)
def quote_pattern(quote: str) -> Pattern[str]:
    """The regular expression that matches ``quote`` up to the allowed differences."""
    quote = quote.strip()
    parts = []
    for chunk in _SPACE.split(quote):
        parts.append("".join(_CLASSES.get(ch) or re.escape(ch) for ch in chunk))
    # A passage starts and ends on word boundaries: "Temple of Test" is not
    # a passage of "Temple of Tests".
    head = r"(?<!\w)" if quote[:1].isalnum() else ""
    tail = r"(?!\w)" if quote[-1:].isalnum() else ""
    return re.compile(head + r"\s+".join(parts) + tail)


def find_quote(quote: str, text: str) -> tuple[int, int] | None:
    """(start, end) character offsets of the quote in text, or None: the
    leftmost match of ``quote_pattern(quote)``."""
    quote = quote.strip()
    if not quote:
        return None
    wanted = " ".join(_fold(quote).split())
    head, tail = quote[:1].isalnum(), quote[-1:].isalnum()
    folded, runs, removed = _searchable(text)
    at = folded.find(wanted)
    while at >= 0:
        end = at + len(wanted)
        # Folding keeps word characters as they are, and white space becomes
        # a space: the boundaries read the same in the folded text.
        if not (head and at and _is_word(folded[at - 1])) and not (
            tail and end < len(folded) and _is_word(folded[end])
        ):
            return _original(runs, removed, at), _original(runs, removed, end - 1) + 1
        at = folded.find(wanted, at + 1)
    return None


def _fold(text: str) -> str:
    for char, plain in _FOLD_PAIRS:
        if char in text:
            text = text.replace(char, plain)
    return text


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w matches


@lru_cache(maxsize=256)
def _searchable(text: str) -> tuple[str, list[int], list[int]]:
    """The text folded, white space runs as single spaces and the ends
    stripped; then where each shortened run is in it, and how many characters
    were dropped up to and including that run."""
    folded = _fold(text)
    removed = len(folded) - len(folded.lstrip())
    runs, dropped = [], []
    for match in _RUNS.finditer(folded):
        if match.start() == 0:
            continue  # the leading run, already counted
        runs.append(match.start() - removed)
        removed += match.end() - match.start() - 1
        dropped.append(removed)
    lead = len(folded) - len(folded.lstrip())
    return " ".join(folded.split()), runs, [lead] + dropped


def _original(runs: list[int], removed: list[int], position: int) -> int:
    """Offset in the original text of a character of the searchable one."""
    return position + removed[bisect_left(runs, position)]


def normalise(text: str) -> str:
    """Text with white space runs, quotation marks and dashes folded."""
    return _SPACE.sub(" ", text.translate(_FOLD)).strip()


def closest_passage(quote: str, text: str, context: int = 0) -> str:
    """The passage of ``text`` most like ``quote``, to show an editor their typo.

    Anchors on the longest block the two share, then widens it to the quote's
    length; good enough to put the right sentence in front of the editor.
    """
    wanted = normalise(quote)
    haystack = normalise(text)
    if not wanted or not haystack:
        return ""
    matcher = difflib.SequenceMatcher(None, haystack, wanted, autojunk=False)
    block = matcher.find_longest_match(0, len(haystack), 0, len(wanted))
    start = max(0, block.a - block.b - context)
    end = min(len(haystack), start + len(wanted) + 2 * context)
    return haystack[start:end]
