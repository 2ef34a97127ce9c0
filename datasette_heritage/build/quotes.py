"""Citation verification: find a quote in its source's text.

A quote matches a passage when the two are the same once folded
(datasette_heritage/folding.py: quotation marks, dashes, Arabic letter forms,
vowel signs, digits and punctuation, invisible marks) and their white space
runs made single spaces; a passage begins and ends on word boundaries of the
folded text, and ends after the marks of its last letter. ``find_quote``
searches the folded copy of the text and maps the offsets back into the
stored text (tests/test_fast_paths.py checks it against a character-by-
character reading of the same definition).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..folding import fold, normalise, searchable


def find_quote(quote: str, text: str) -> tuple[int, int] | None:
    """(start, end) character offsets of the leftmost passage of ``text`` that
    is ``quote`` up to folding, or None."""
    places = find_quotes(quote, text, 1)
    return places[0] if places else None


def find_quotes(quote: str, text: str, most: int) -> list[tuple[int, int]]:
    """The (start, end) offsets of the first ``most`` passages of ``text``
    that are ``quote`` up to folding, left to right."""
    wanted = normalise(quote)
    if not wanted:
        return []
    head, tail = _is_word(wanted[0]), _is_word(wanted[-1])
    found = searchable(text)
    folded = found.folded
    places: list[tuple[int, int]] = []
    at = folded.find(wanted)
    while at >= 0 and len(places) < most:
        end = at + len(wanted)
        if not (head and at and _is_word(folded[at - 1])) and not (
            tail and end < len(folded) and _is_word(folded[end])
        ):
            places.append(found.span(at, end))
        at = folded.find(wanted, at + 1)
    return places


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w matches


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
    return fold(word).casefold()


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
    # Imported here: only a misquote, or an editor looking for a passage,
    # needs it; a build whose quotes are all found does not load it.
    from rapidfuzz import fuzz, process

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
    wanted = set(words)
    found: list[tuple[float, int, int]] = []
    for _, _, index in coarse:
        found.append(_refine(query, wanted, keys, starts[index], size, slack + stride))
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
    query: str, wanted: set[str], keys: list[str], start: int, size: int, reach: int
) -> tuple[float, int, int]:
    """(score, first word, last word) of the best window near ``start``: it
    may start ``reach`` words either way, and be up to twice the quote's
    length (an editor who left out a clause)."""
    best = (-1.0, start, start + size - 1)
    longest = 2 * size + reach
    for first in range(max(0, start - reach), min(len(keys), start + reach + 1)):
        for length in range(max(1, size - reach), longest + 1):
            if first + length > len(keys):
                break
            window = keys[first : first + length]
            score = _recall_weighted(query, " ".join(window))
            # The share of the quote's words the window has as they are: a
            # window that leaves out a word the editor typed loses to one
            # that spans the words they skipped.
            score *= 0.5 + 0.5 * len(wanted.intersection(window)) / len(wanted)
            if score > best[0]:
                best = (score, first, first + length - 1)
    return best


def _recall_weighted(query: str, window: str) -> float:
    """0-100: how much of the query the window holds, weighted over how
    little else it holds (an F2 score on their longest common subsequence).
    Plain ratio weighs both alike and drops a first word the editor typed
    with a typo; benchmarks/quote_finder.py measures the two."""
    from rapidfuzz.distance import LCSseq

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
    inside = fold(text[start:end]).count('"')
    if inside % 2 and end < len(text) and fold(text[end]) == '"':
        end += 1
    elif inside % 2 and start and fold(text[start - 1]) == '"':
        start -= 1
    return start, end


def word_differences(quote: str, passage: str) -> list[tuple[str, str]]:
    """Where ``quote`` and ``passage`` differ, word by word: (the quote's
    words, the passage's words); one side is empty for a missing or an extra
    word. Quotation marks, dashes and white space are folded as for
    find_quote; letter case is a difference."""
    mine, theirs = quote.split(), passage.split()
    matcher = difflib.SequenceMatcher(
        None, [fold(w) for w in mine], [fold(w) for w in theirs], autojunk=False
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
