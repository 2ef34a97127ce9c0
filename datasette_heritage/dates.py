"""EDTF dates: the earliest and latest day they allow, and how precise they are.

The ``edtf`` library is the authority on what is valid EDTF, but it is slow to
import and slow per date: at hundreds of thousands of events it would
dominate a build (benchmarks/profile_build.py). The forms editors use nearly always
(``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, optionally ``?``/``~``/``%``, and
intervals of those) are parsed here directly, and so are the four seasons of
a year (``YYYY-21`` to ``YYYY-24``), as the library reads them
(tests/test_dates.py holds the two to the same days); everything else
(seasons in intervals, unspecified digits such as ``201X``, ...) goes to the
library.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

# Precisions, finest first; an interval takes the coarser of its two ends.
PRECISIONS = ("day", "month", "season", "year", "decade", "century", "millennium")


class EdtfError(ValueError):
    """Not a valid EDTF date."""


class NeedsLibrary(EdtfError):
    """A form only the edtf library parses, when it was not to be used."""


@dataclass(frozen=True)
class EdtfDate:
    text: str
    start: str | None  # ISO day, earliest the date allows; None for an open start
    end: str | None  # ISO day, latest the date allows; None for an open end
    precision: str
    uncertain: bool
    approximate: bool
    interval: bool


class SingleDate(NamedTuple):
    """A date (not an interval) in EDTF's common form, as written:
    ``YYYY``, ``YYYY-MM`` (MM a month, or 21-24 a season), ``YYYY-MM-DD``,
    with ``?`` (uncertain), ``~`` (approximate) or ``%`` (both) after it."""

    year: int
    month: int | None
    day: int | None
    qualifier: str  # "", "?", "~" or "%"


# ASCII digits only: \d would take other scripts' digits, which EDTF does not.
_SINGLE_DATE = re.compile(r"(-?[0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?([?~%])?\Z")


def parse_single_date(text: str) -> SingleDate | None:
    """The parts of a date in the common form; None for any other form. The
    numbers are as written: whether they make a real day is not checked."""
    match = _SINGLE_DATE.match(text)
    if not match:
        return None
    year, month, day, qualifier = match.groups()
    return SingleDate(
        int(year), int(month) if month else None, int(day) if day else None, qualifier or ""
    )


def _days_of_common_form(text: str) -> tuple[datetime.date, datetime.date, str, str] | None:
    """First and last day, precision and qualifier of a date in the common
    form of a month or day of a year after 0; None for the library's forms."""
    date = parse_single_date(text)
    if date is None or date.year <= 0 or (date.day is None and (date.month or 0) > 12):
        return None  # years 0 and before, and seasons (2015-21), are the library's
    year, month, day, qualifier = date
    try:
        if month is not None and day is not None:
            first = datetime.date(year, month, day)
            return first, first, "day", qualifier
        if month is not None:
            last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
            return (
                datetime.date(year, month, 1),
                datetime.date(year, month, last),
                "month",
                qualifier,
            )
    except ValueError:
        raise EdtfError(f"{text!r} is not a real calendar date") from None
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year", qualifier


# The names of the months, and of the seasons of EDTF level 1 (21 spring ... 24 winter),
# as the site and the synthetic corpus write dates in words.
MONTH_NAMES = tuple(calendar.month_name[1:])
SEASON_NAMES = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}

# The library's days of the seasons of EDTF level 1: spring (21), summer,
# autumn, and winter (24) as the last month of its year.
_SEASONS = {
    21: ("03-01", "05-31"),
    22: ("06-01", "08-31"),
    23: ("09-01", "11-30"),
    24: ("12-01", "12-31"),
}


def _season(text: str) -> EdtfDate | None:
    """A season of a year after 0 with no qualifier (the library refuses one)."""
    date = parse_single_date(text)
    if date is None or date.year <= 0 or date.day is not None or date.qualifier:
        return None
    days = _SEASONS.get(date.month or 0)
    if days is None:
        return None
    year = f"{date.year:04d}"
    return EdtfDate(text, f"{year}-{days[0]}", f"{year}-{days[1]}", "season", False, False, False)


def _coarser(a: str, b: str) -> str:
    return a if PRECISIONS.index(a) >= PRECISIONS.index(b) else b


@lru_cache(maxsize=65536)
def parse_edtf(text: str, library: bool = True) -> EdtfDate:
    """Parse an EDTF string; raise EdtfError if it is not valid EDTF. With
    ``library=False``, a form that needs the (slow) edtf library raises
    NeedsLibrary instead of being parsed."""
    text = text.strip()
    if "/" in text:
        left, _, right = text.partition("/")
        ends: list[tuple[datetime.date, datetime.date, str, str] | None] = []
        for part in (left, right):
            if part in ("", ".."):
                ends.append(None)
                continue
            parsed = _days_of_common_form(part)
            if parsed is None:
                return _parse_with_library(text, library)
            ends.append(parsed)
        if ends[0] is None and ends[1] is None:
            raise EdtfError(f"{text!r} is open at both ends")
        if ends[0] and ends[1] and ends[0][0] > ends[1][1]:
            raise EdtfError(f"{text!r} ends before it starts")
        known = [e for e in ends if e]
        precision = known[0][2] if len(known) == 1 else _coarser(known[0][2], known[1][2])
        qualifiers = "".join(e[3] for e in known)
        return EdtfDate(
            text,
            ends[0][0].isoformat() if ends[0] else None,
            ends[1][1].isoformat() if ends[1] else None,
            precision,
            "?" in qualifiers or "%" in qualifiers,
            "~" in qualifiers or "%" in qualifiers,
            True,
        )
    parsed = _days_of_common_form(text)
    if parsed is None:
        return _season(text) or _parse_with_library(text, library)
    start, end, precision, qualifier = parsed
    return EdtfDate(
        text,
        start.isoformat(),
        end.isoformat(),
        precision,
        qualifier in ("?", "%"),
        qualifier in ("~", "%"),
        False,
    )


def _parse_with_library(text: str, library: bool = True) -> EdtfDate:
    if not library:
        raise NeedsLibrary(f"{text!r} needs the edtf library")
    import edtf  # imported lazily: it pulls in pyparsing, slow to import

    try:
        parsed = edtf.parse_edtf(text)
        lower, upper = parsed.lower_strict(), parsed.upper_strict()
        start = datetime.date(*lower[:3]).isoformat()
        end = datetime.date(*upper[:3]).isoformat()
    except Exception:  # the library raises several types, and TypeError on some input
        raise EdtfError(f"{text!r} is not a valid EDTF date") from None
    name = type(parsed).__name__
    interval = "Interval" in name
    if name == "Season":
        precision = "season"
    else:
        precision = getattr(parsed, "precision", None) or _precision_from_span(start, end)
    return EdtfDate(
        text,
        start,
        end,
        precision,
        bool(getattr(parsed, "is_uncertain", False)) or "?" in text or "%" in text,
        bool(getattr(parsed, "is_approximate", False)) or "~" in text or "%" in text,
        interval,
    )


def _precision_from_span(start: str, end: str) -> str:
    days = (datetime.date.fromisoformat(end) - datetime.date.fromisoformat(start)).days
    for limit, name in (
        (0, "day"),
        (31, "month"),
        (92, "season"),
        (366, "year"),
        (3653, "decade"),
        (36525, "century"),
    ):
        if days <= limit:
            return name
    return "millennium"
