"""Citation verification: find a quote in its source's text.

A quote matches a passage when they differ only in runs of white space, in
straight vs typographic quotation marks and apostrophes, and in the kind of
dash; a passage begins and ends on word boundaries. The quote is turned into a regular expression that allows exactly
those differences, so the match gives offsets into the original text
directly, with no normalised copy of the text to map back from.
"""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Optional, Pattern, Tuple

_SINGLE = "'\u2018\u2019\u201a\u201b\u2032\u02bc"
_DOUBLE = '"\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb'
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_CLASSES = {}
for chars in (_SINGLE, _DOUBLE, _DASHES):
    for ch in chars:
        _CLASSES[ch] = "[" + re.escape(chars) + "]"
_FOLD = str.maketrans({**{c: "'" for c in _SINGLE}, **{c: '"' for c in _DOUBLE},
                       **{c: "-" for c in _DASHES}})
_SPACE = re.compile(r"\s+")


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


def find_quote(quote: str, text: str) -> Optional[Tuple[int, int]]:
    """(start, end) character offsets of the quote in text, or None."""
    if not quote.strip():
        return None
    match = quote_pattern(quote).search(text)
    return (match.start(), match.end()) if match else None


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
