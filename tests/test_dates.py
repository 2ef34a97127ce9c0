import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datasette_heritage.dates import (
    MONTH_NAMES,
    EdtfError,
    SingleDate,
    parse_edtf,
    parse_single_date,
)
from datasette_heritage.site.dates_in_words import edtf_in_words


@pytest.mark.parametrize(
    "text,start,end,precision,flags",
    [
        ("2015-08-30", "2015-08-30", "2015-08-30", "day", ""),
        ("2015-08", "2015-08-01", "2015-08-31", "month", ""),
        ("2016-02", "2016-02-01", "2016-02-29", "month", ""),
        ("2015", "2015-01-01", "2015-12-31", "year", ""),
        ("2015-05/2016-03", "2015-05-01", "2016-03-31", "month", "i"),
        ("2015/2016-03-02", "2015-01-01", "2016-03-02", "year", "i"),
        ("2016-12-11?", "2016-12-11", "2016-12-11", "day", "u"),
        ("2015-08~", "2015-08-01", "2015-08-31", "month", "a"),
        ("2015-08%", "2015-08-01", "2015-08-31", "month", "ua"),
        ("2015-05/..", "2015-05-01", None, "month", "i"),
        ("../2016", None, "2016-12-31", "year", "i"),
        ("2015-21", "2015-03-01", "2015-05-31", "season", ""),
        ("201X", "2010-01-01", "2019-12-31", "decade", ""),
    ],
)
def test_parse(text, start, end, precision, flags):
    date = parse_edtf(text)
    assert (date.start, date.end, date.precision) == (start, end, precision)
    assert (date.uncertain, date.approximate, date.interval) == (
        "u" in flags,
        "a" in flags,
        "i" in flags,
    )


@pytest.mark.parametrize(
    "text",
    [
        "2015-13",
        "2015-02-30",
        "2016/2015",
        "..",
        "abc",
        "",
        "15-08",
        "2015-08-30/2015-08-29",
        "2015-8",
    ],
)
def test_invalid(text):
    with pytest.raises(EdtfError):
        parse_edtf(text)


def test_fast_path_agrees_with_the_library():
    import edtf

    for text in ["2015", "2015-08", "2015-08-30", "2015-05/2016-03", "2016-12-11?", "2015-08~"]:
        parsed = edtf.parse_edtf(text)
        ours = parse_edtf(text)
        assert ours.start == "{:04d}-{:02d}-{:02d}".format(*parsed.lower_strict()[:3])
        assert ours.end == "{:04d}-{:02d}-{:02d}".format(*parsed.upper_strict()[:3])


# The library takes milliseconds a date, more on a busy machine: no deadline.
@settings(deadline=None, max_examples=200)
@given(st.integers(1, 9999), st.sampled_from([21, 22, 23, 24]), st.sampled_from(["", "?", "~"]))
def test_seasons_are_the_librarys(year, season, qualifier):
    """Seasons are read here as the library reads them, or refused as it refuses them."""
    import edtf

    text = f"{year:04d}-{season}{qualifier}"
    try:
        parsed = edtf.parse_edtf(text)
    except Exception:
        with pytest.raises(EdtfError):
            parse_edtf(text)
        return
    ours = parse_edtf(text)
    assert ours.start == "{:04d}-{:02d}-{:02d}".format(*parsed.lower_strict()[:3])
    assert ours.end == "{:04d}-{:02d}-{:02d}".format(*parsed.upper_strict()[:3])
    assert (ours.precision, ours.uncertain, ours.approximate, ours.interval) == (
        "season",
        False,
        False,
        False,
    )


@pytest.mark.parametrize(
    "text,parts",
    [
        ("2015", (2015, None, None, "")),
        ("2015-08", (2015, 8, None, "")),
        ("2016-12-11?", (2016, 12, 11, "?")),
        ("2015-21~", (2015, 21, None, "~")),
        ("2015-08%", (2015, 8, None, "%")),
        ("-0044", (-44, None, None, "")),
        ("2015-8", None),
        ("201X", None),
        ("2015-05/2016-03", None),
        ("2015-08-30 ", None),
    ],
)
def test_single_dates_in_the_common_form(text, parts):
    assert parse_single_date(text) == (None if parts is None else SingleDate(*parts))


@given(
    st.dates(min_value=datetime.date(1, 1, 1)),
    st.sampled_from(["day", "month", "year"]),
    st.sampled_from(["", "?", "~", "%"]),
)
def test_the_site_shows_the_date_the_build_stored(day, precision, qualifier):
    """The build's days (parse_edtf) and the site's words (edtf_in_words) read
    one definition of the date: the same year, month and day."""
    year, month = f"{day.year:04d}", f"{day.year:04d}-{day.month:02d}"
    text = {"day": day.isoformat(), "month": month, "year": year}[precision] + qualifier
    stored = parse_edtf(text)
    words = edtf_in_words(text)
    start = datetime.date.fromisoformat(stored.start)
    assert stored.precision == precision
    assert words.removeprefix("c. ").removesuffix("?").split()[-1] == str(start.year)
    if precision != "year":
        assert MONTH_NAMES[start.month - 1] in words
    if precision == "day":
        assert words.removeprefix("c. ").split()[0] == str(start.day)
    assert words.startswith("c. ") == stored.approximate
    assert words.endswith("?") == stored.uncertain
