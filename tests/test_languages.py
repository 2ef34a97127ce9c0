"""Which way a text runs, from its language tag."""

import pytest

from datasette_heritage.site.languages import direction


@pytest.mark.parametrize(
    "tag,expected",
    [
        ("ar", "rtl"),
        ("ar-SY", "rtl"),
        ("fa", "rtl"),
        ("ur", "rtl"),
        ("he", "rtl"),
        ("ckb", "rtl"),
        ("ku-Arab", "rtl"),  # Kurdish in Arabic script
        ("ku", "ltr"),  # Kurmanji, in Latin script
        ("ar-Latn", "ltr"),  # Arabic in Latin transliteration
        ("en", "ltr"),
        ("en-GB", "ltr"),
        ("fr", "ltr"),
        ("AR", "rtl"),
        ("", "ltr"),
        (None, "ltr"),
        ("<script>", "ltr"),
    ],
)
def test_direction(tag, expected):
    assert direction(tag) == expected
