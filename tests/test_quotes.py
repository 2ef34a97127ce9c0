from datasette_heritage.build.quotes import closest_passage, find_quote, normalise

TEXT = "He said the city had fallen \u201cmore or less\u201d into IS hands.\n\nIt\u2019s  2,000-year-old \u2014 ruins."


def located(quote):
    found = find_quote(quote, TEXT)
    return TEXT[found[0] : found[1]] if found else None


def test_exact_passage_gives_offsets():
    start, end = find_quote("the city had fallen", TEXT)
    assert TEXT[start:end] == "the city had fallen"


def test_straight_quotes_match_typographic_ones():
    assert located('fallen "more or less" into IS') == "fallen \u201cmore or less\u201d into IS"


def test_apostrophes_white_space_and_dashes_are_folded():
    assert (
        located("hands.  It's 2,000-year-old - ruins")
        == "hands.\n\nIt\u2019s  2,000-year-old \u2014 ruins"
    )


def test_other_differences_are_not_folded():
    assert located("the City had fallen") is None
    assert located("the city has fallen") is None


def test_quote_must_not_cut_a_word():
    assert located("ity had fallen") is None
    assert located("the city had fall") is None


def test_regex_characters_in_quote_are_literal():
    assert find_quote("(a+b)*", "x (a+b)* y") == (2, 8)
    assert find_quote(".*", "abc") is None


def test_empty_quote_is_never_found():
    assert find_quote("   ", TEXT) is None


def test_closest_passage_shows_the_typo_in_context():
    passage = closest_passage("the citty had fallen", TEXT)
    assert "city had fallen" in passage


def test_normalise():
    assert normalise(" It\u2019s \u201cx\u201d \u2013 y\n z ") == 'It\'s "x" - y z'
