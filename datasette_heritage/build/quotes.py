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
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from re import Pattern

from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

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


@dataclass(frozen=True)
class Candidate:
    """A passage of a text like a quote: ``text[start:end]`` is ``passage``;
    ``score`` is 0-100 (100: the same words, up to the allowed differences
    and letter case)."""

    start: int
    end: int
    passage: str
    score: float


_TOKEN = re.compile(r"\S+")


def _match_key(word: str) -> str:
    """A word as the fuzzy search compares it: folded as for find_quote, and
    letter case ignored."""
    return _fold(word).casefold()


@lru_cache(maxsize=64)
def _tokens(text: str) -> tuple[list[tuple[int, int]], list[str]]:
    spans = [match.span() for match in _TOKEN.finditer(text)]
    return spans, [_match_key(text[s:e]) for s, e in spans]


def closest_passages(quote: str, text: str, limit: int = 1) -> list[Candidate]:
    """The passages of ``text`` most like ``quote``, best first, at most
    ``limit``, none overlapping another: for an editor's typo, missing word or
    different punctuation. Each starts and ends on a word boundary (trimmed
    of the punctuation the quote does not have at that end), so it is itself
    a quote that ``find_quote`` finds.

    Compares word windows of the text with the quote (rapidfuzz's ratio on
    the folded words): every few words at the quote's length, then the best
    of those widened and narrowed a few words either way.
    """
    words = [_match_key(w) for w in quote.split()]
    spans, keys = _tokens(text)
    if not words or not keys:
        return []
    query = " ".join(words)
    size = min(len(words), len(keys))
    slack = max(2, size // 4)
    stride = max(1, size // 4)
    starts = range(0, len(keys) - size + 1, stride)
    coarse = process.extract(
        query,
        [" ".join(keys[i : i + size]) for i in starts],
        scorer=fuzz.ratio,
        limit=max(limit * 4, 8),
    )
    found: list[tuple[float, int, int]] = []
    for _, _, index in coarse:
        found.append(_refine(query, keys, starts[index], size, slack + stride))
    found.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[Candidate] = []
    for score, first, last in found:
        start, end = _trim(quote, text, spans[first][0], spans[last][1])
        if start >= end or any(start < c.end and c.start < end for c in chosen):
            continue
        chosen.append(Candidate(start, end, text[start:end], round(score, 1)))
        if len(chosen) == limit:
            break
    return chosen


def _refine(
    query: str, keys: list[str], start: int, size: int, reach: int
) -> tuple[float, int, int]:
    """(score, first word, last word) of the best window near ``start``."""
    best = (-1.0, start, start + size - 1)
    for first in range(max(0, start - reach), min(len(keys), start + reach + 1)):
        for length in range(max(1, size - reach), size + reach + 1):
            if first + length > len(keys):
                break
            score = _recall_weighted(query, " ".join(keys[first : first + length]))
            if score > best[0]:
                best = (score, first, first + length - 1)
    return best


def _recall_weighted(query: str, window: str) -> float:
    """0-100: how much of the query the window holds, weighted over how
    little else it holds (an F2 score on their longest common subsequence).
    Plain ratio weighs both alike and drops a first word the editor typed
    with a typo; benchmarks/quote_finder.py measures the two."""
    common = LCSseq.similarity(query, window)
    if not common:
        return 0.0
    precision, recall = common / len(window), common / len(query)
    return 100 * 5 * precision * recall / (4 * precision + recall)


def _wordlike(char: str) -> bool:
    # Letters, digits and combining marks (Arabic vowel signs): a passage
    # never ends between a letter and its mark.
    return unicodedata.category(char)[0] in "LNM" or char == "_"


def _trim(quote: str, text: str, start: int, end: int) -> tuple[int, int]:
    quote = quote.strip()
    if quote[:1] and _wordlike(quote[0]):
        while start < end and not _wordlike(text[start]):
            start += 1
    if quote[-1:] and _wordlike(quote[-1]):
        while end > start and not _wordlike(text[end - 1]):
            end -= 1
    # Keep a quotation the passage opens (or closes) whole.
    inside = _fold(text[start:end]).count('"')
    if inside % 2 and end < len(text) and _fold(text[end]) == '"':
        end += 1
    elif inside % 2 and start and _fold(text[start - 1]) == '"':
        start -= 1
    return start, end


def word_differences(quote: str, passage: str) -> list[tuple[str, str]]:
    """Where ``quote`` and ``passage`` differ, word by word: (the quote's
    words, the passage's words); one side is empty for a missing or an extra
    word. Quotation marks, dashes and white space are folded as for
    find_quote; letter case is a difference."""
    mine, theirs = quote.split(), passage.split()
    matcher = difflib.SequenceMatcher(
        None, [_fold(w) for w in mine], [_fold(w) for w in theirs], autojunk=False
    )
    return [
        (" ".join(mine[i1:i2]), " ".join(theirs[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def describe_differences(quote: str, passage: str) -> str:
    """The word differences in words: 'you typed "demolised", the text says
    "demolished"; missing "the"'."""
    parts = []
    for typed, says in word_differences(quote, passage):
        if typed and says:
            parts.append(f'you typed "{typed}", the text says "{says}"')
        elif says:
            parts.append(f'missing "{says}"')
        else:
            parts.append(f'not in the text: "{typed}"')
    return "; ".join(parts)


def misquote_report(quote: str, text: str) -> str:
    """For a quote not found in ``text``: the closest passage, on one line,
    and the words that differ."""
    best = closest_passages(quote, text)
    if not best:
        return "the text has no passage like it"
    shown = " ".join(best[0].passage.split())
    report = f'closest passage: "{shown}"'
    differences = describe_differences(quote, shown)
    return report + ("; " + differences if differences else "")
