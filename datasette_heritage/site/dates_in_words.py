"""EDTF dates as people read them: "August 2015", "May 2015 – March 2016",
"11 December 2016?", "c. 2015", "from June 2016".

A date is shown exactly as precise as its record says, never more: the
derived start/end days are for sorting, and showing "1 August 2015" for
``2015-08`` would invent a day the sources never gave.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..dates import MONTH_NAMES, SEASON_NAMES, parse_single_date


def _part(text: str) -> str | None:
    """One end of a date in words, or None when it is not a form shown here."""
    date = parse_single_date(text)
    if date is None:
        return None
    year, month, day, qualifier = date
    if day is not None and month is not None:
        if not 1 <= month <= 12:
            return None
        words = f"{day} {MONTH_NAMES[month - 1]} {year}"
    elif month is not None:
        if 1 <= month <= 12:
            words = f"{MONTH_NAMES[month - 1]} {year}"
        elif month in SEASON_NAMES:
            words = f"{SEASON_NAMES[month].capitalize()} {year}"
        else:
            return None
    else:
        words = str(year)
    if qualifier in ("~", "%"):
        words = "c. " + words
    if qualifier in ("?", "%"):
        words += "?"
    return words


def edtf_in_words(edtf: str) -> str:
    """The date in words; an unusual EDTF form is shown as written."""
    text = (edtf or "").strip()
    if "/" in text:
        left, _, right = text.partition("/")
        start = _part(left) if left not in ("", "..") else None
        end = _part(right) if right not in ("", "..") else None
        if left == ".." and end:
            return f"until {end}"
        if right == ".." and start:
            return f"from {start}"
        if left == "" and end:
            return f"unknown – {end}"
        if right == "" and start:
            return f"{start} – unknown"
        if start and end:
            return f"{start} – {end}"
        return text
    return _part(text) or text


def _iso_datetime(edtf: str) -> str | None:
    """A value for <time datetime>, which takes YYYY, YYYY-MM or YYYY-MM-DD."""
    text = edtf.strip()
    date = parse_single_date(text)
    if date is None or text.startswith("-") or (date.month or 0) > 12:
        return None  # years before 1 and seasons are not HTML dates
    year, month, day, _ = date
    return "-".join([f"{year:04d}"] + [f"{n:02d}" for n in (month, day) if n is not None])


def when(row: Mapping[str, Any], prefix: str = "date") -> dict[str, Any]:
    """Everything a page shows about a row's date (columns ``<prefix>``,
    ``<prefix>_start``, ``<prefix>_end``, ``<prefix>_precision`` and, for
    events, the uncertain/approximate/interval flags)."""
    edtf = row.get(prefix) or ""
    interval = bool(row.get(f"{prefix}_interval")) or "/" in edtf
    return {
        "edtf": edtf,
        "display": edtf_in_words(edtf) if edtf else "undated",
        "start": row.get(f"{prefix}_start"),
        "end": row.get(f"{prefix}_end"),
        "precision": row.get(f"{prefix}_precision"),
        "uncertain": bool(row.get(f"{prefix}_uncertain")) or "?" in edtf or "%" in edtf,
        "approximate": bool(row.get(f"{prefix}_approximate")) or "~" in edtf or "%" in edtf,
        "interval": interval,
        "datetime": None if interval else _iso_datetime(edtf),
        "note": row.get(f"{prefix}_note"),
        # For grouping a list by year: the year of the earliest day allowed.
        "start_year": (row.get(f"{prefix}_start") or "")[:4] or "undated start",
    }
