"""Text folding: the one definition of what quote verification ignores.

Two copies of the same passage differ in ways no reader would call a
misquote. An editor types straight quotes where the article has typographic
ones, a hyphen for a dash; a copy of an Arabic text may carry its short vowels
(harakat) or not, stretch a word with tatweel, write alef with or without its
hamza, ta marbuta as ha, alef maqsura as ya, Arabic-Indic digits or Latin
ones, the Arabic comma or the Latin one; a copy from a PDF has presentation
forms, one from a web page invisible direction marks. ``FOLDS`` says which
characters fold, and to what (the empty string: ignored altogether);
everything else is compared as it is, letter case included. White space runs
count as one space.

``fold`` applies the table to a string; ``normalise`` also folds white space;
``fold_for_search`` is the folded copy a full-text index needs beside a text
(None where it would index nothing new); ``Searchable`` is a whole text
folded, with the way back from an offset in the folded text to the original,
so a quote found in the folded text is located in the stored one. The
build's quote verification (build/quotes.py), its full-text search columns
(``search_names``, ``search_text``), the site's search (what is typed, and
its snippets shown as stored), and the synthetic corpus (synth.py) all fold
with this module.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b\u2032\u02bc"
DOUBLE_QUOTES = '"\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb'
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"


def _chars(*ranges: tuple[int, int]) -> str:
    return "".join(chr(c) for low, high in ranges for c in range(low, high + 1))


# Ignored: marks a copy of the same text may have or lack. Arabic harakat
# (fathatan ... sukun, the hamza and alef written above or below), Quranic
# annotation marks, tatweel (the stretching stroke); Hebrew points and
# cantillation; and the invisible characters copies pick up: direction marks
# and embeddings, zero-width (non-)joiners and spaces, the soft hyphen, the
# byte order mark.
IGNORED = (
    _chars(
        (0x0610, 0x061A),
        (0x064B, 0x065F),
        (0x0670, 0x0670),
        (0x06D6, 0x06DC),
        (0x06DF, 0x06E4),
        (0x06E7, 0x06E8),
        (0x06EA, 0x06ED),
        (0x0591, 0x05BD),
        (0x05BF, 0x05BF),
        (0x05C1, 0x05C2),
        (0x05C4, 0x05C5),
        (0x05C7, 0x05C7),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2066, 0x2069),
    )
    + "\u0640\u061c\u00ad\ufeff"
)

# Arabic letters written in more than one way for the same word: alef with
# hamza above or below, with madda, wasla -> alef; alef maqsura and yeh with
# hamza -> yeh; waw with hamza -> waw; ta marbuta -> heh; the Persian yeh and
# keheh -> the Arabic yeh and kaf.
ARABIC_LETTERS = {
    "\u0622": "\u0627",
    "\u0623": "\u0627",
    "\u0625": "\u0627",
    "\u0671": "\u0627",
    "\u0672": "\u0627",
    "\u0673": "\u0627",
    "\u0649": "\u064a",
    "\u0626": "\u064a",
    "\u06cc": "\u064a",
    "\u0624": "\u0648",
    "\u0629": "\u0647",
    "\u06a9": "\u0643",
}

# Arabic punctuation and digits -> Latin ones.
ARABIC_PUNCTUATION = {
    "\u060c": ",",  # comma
    "\u061b": ";",  # semicolon
    "\u061f": "?",  # question mark
    "\u066a": "%",  # percent sign
    "\u066b": ".",  # decimal separator
    "\u066c": ",",  # thousands separator
    "\u06d4": ".",  # full stop (Urdu)
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Extended (Persian, Urdu) digits
}


def _folds() -> dict[str, str]:
    table = {c: "" for c in IGNORED}
    for chars, plain in ((SINGLE_QUOTES, "'"), (DOUBLE_QUOTES, '"'), (DASHES, "-")):
        table.update({c: plain for c in chars if c != plain})
    table.update(ARABIC_LETTERS)
    table.update(ARABIC_PUNCTUATION)
    # Arabic presentation forms (the shapes a PDF stores) -> the letters they
    # show, then folded as those are. Ligatures of several letters (lam-alef)
    # are left out: the table folds one character into at most one.
    for code in list(range(0xFB50, 0xFE00)) + list(range(0xFE70, 0xFEFF)):
        letter = unicodedata.normalize("NFKC", chr(code))
        if len(letter) == 1 and letter != chr(code) and table.get(letter, letter):
            table[chr(code)] = table.get(letter, letter)
    return table


# character -> what it folds to ("" for ignored)
FOLDS: dict[str, str] = _folds()

# The same table in four parts, each applied the fastest way its characters
# allow (benchmarks/quote_folding.py): str.replace per character present is
# far faster than str.translate on non-ASCII text (translate looks every
# character up in a dict), so translate is kept for the presentation forms,
# which only PDFs have, and the Arabic letters are looked at only in a text
# with characters of the Hebrew or Arabic blocks.
_QUOTES_AND_DASHES = SINGLE_QUOTES + DOUBLE_QUOTES + DASHES
_COMMON = [(c, p) for c, p in FOLDS.items() if c in _QUOTES_AND_DASHES]
_RTL_PAIRS = [(c, p) for c, p in FOLDS.items() if p and "\u0590" <= c <= "\u08ff"]
_PRESENTATION = {ord(c): p for c, p in FOLDS.items() if p and c >= "\ufb50"}
_IGNORED = "".join(c for c, p in FOLDS.items() if not p)
assert len(_COMMON) + len(_RTL_PAIRS) + len(_PRESENTATION) + len(_IGNORED) == len(FOLDS)
_HAS_OTHER = re.compile("[\u0590-\u08ff\ufb50-\ufefe" + re.escape(_IGNORED) + "]")
_HAS_RTL = re.compile("[\u0590-\u08ff]")
_HAS_PRESENTATION = re.compile("[\ufb50-\ufefe]")
_IGNORED_RUNS = re.compile("[" + re.escape(_IGNORED) + "]+")
_IGNORED_SPLIT = re.compile("([" + re.escape(_IGNORED) + "]+)")
_WHITE_RUNS_OF_TWO = re.compile(r"\s\s+")


def fold(text: str) -> str:
    """``text`` with every character of ``FOLDS`` folded (white space as it is)."""
    if text.isascii():
        return text
    text = _replace(text, _COMMON)
    if not _HAS_OTHER.search(text):
        return text  # most texts: quotes and dashes were all there was
    return _IGNORED_RUNS.sub("", _fold_one_for_one(text))


def _fold_one_for_one(text: str) -> str:
    """Past quotes and dashes, the folds of one character into one (which
    move no offset)."""
    if _HAS_RTL.search(text):
        text = _replace(text, _RTL_PAIRS)
    if _HAS_PRESENTATION.search(text):
        text = text.translate(_PRESENTATION)
    return text


def _replace(text: str, pairs: list[tuple[str, str]]) -> str:
    for char, plain in pairs:
        if char in text:
            text = text.replace(char, plain)
    return text


def fold_for_search(text: str) -> str | None:
    """``text`` folded, to be indexed for full-text search beside it; None
    when that would index nothing new: folding changes no letter of it (the
    quotation marks and dashes it also folds are word breaks to the index
    either way). FTS5's unicode61 tokenizer takes a vowel sign for a word
    break and tells alef forms apart: a vocalised word is only found, typed
    either way, in its folded copy."""
    if text.isascii():
        return None
    common = _replace(text, _COMMON)
    if not _HAS_OTHER.search(common):
        return None
    folded = _IGNORED_RUNS.sub("", _fold_one_for_one(common))
    return folded if folded != common else None


def search_lines(values: Iterable[str | None]) -> str:
    """A row's text columns as one text to fold for search, one a line (the
    empty left out)."""
    return "\n".join(v for v in values if v)


def normalise(text: str) -> str:
    """``text`` folded, with white space runs as single spaces and the ends stripped."""
    return " ".join(fold(text).split())


class _Shifts:
    """The way back from a string with some runs replaced by shorter ones to
    the string before: after each replacement, how far later characters moved."""

    def __init__(self) -> None:
        self.ends: list[int] = []  # where each replacement ends, in the new string
        self.moved: list[int] = []  # characters removed up to and including it

    def original(self, position: int) -> int:
        i = bisect_right(self.ends, position)
        return position + (self.moved[i - 1] if i else 0)


def _drop_ignored(text: str) -> tuple[str, _Shifts]:
    """``text`` without the characters folding drops, and the way back."""
    pieces = _IGNORED_SPLIT.split(text)  # kept, dropped, kept, ... kept
    kept = pieces[0::2]
    shifts = _Shifts()
    shifts.moved = list(accumulate(map(len, pieces[1::2])))
    shifts.ends = list(accumulate(map(len, kept[:-1])))  # where what follows each run is now
    return "".join(kept), shifts


def _collapse_white(text: str) -> tuple[str, _Shifts]:
    """``text`` with white space runs as single spaces and the ends stripped,
    and the way back. Only runs of two or more move what follows (a single
    line break becomes a space in place), and there are few of those: the
    offsets are noted for them alone."""
    shifts = _Shifts()
    removed = len(text) - len(text.lstrip())
    if removed:
        shifts.ends.append(0)
        shifts.moved.append(removed)
    for match in _WHITE_RUNS_OF_TWO.finditer(text):
        start, end = match.span()
        if start == 0:
            continue  # the leading run, counted above
        space = start - removed  # where the run's one space is now
        removed += end - start - 1
        shifts.ends.append(space + 1)
        shifts.moved.append(removed)
    return " ".join(text.split()), shifts


@dataclass(frozen=True)
class Searchable:
    """A text folded, white space runs as single spaces and the ends stripped
    (``normalise``), with the way back to offsets in the original."""

    original: str
    folded: str
    _ignored: _Shifts | None
    _white: _Shifts

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original's offsets of the folded text's ``[start:end]``. The
        end takes in the marks that follow the last character (a passage
        never ends between a letter and its vowel sign)."""
        first = self._back(start)
        last = self._back(end - 1) + 1
        text = self.original
        while last < len(text) and text[last] in FOLDS and FOLDS[text[last]] == "":
            last += 1
        return first, last

    def _back(self, position: int) -> int:
        position = self._white.original(position)
        return self._ignored.original(position) if self._ignored else position


def make_searchable(text: str) -> Searchable:
    """``text`` ready to be searched for folded passages."""
    folded, ignored = text, None
    if not text.isascii():
        folded = _replace(text, _COMMON)
        if _HAS_OTHER.search(folded):
            folded, ignored = _drop_ignored(_fold_one_for_one(folded))
    folded, white = _collapse_white(folded)
    return Searchable(text, folded, ignored, white)


# The build verifies a source's quotes one after another: the texts searched
# most recently are kept. (The site, which must bound its memory, folds with
# make_searchable.)
searchable = lru_cache(maxsize=256)(make_searchable)
