import pytest

from datasette_heritage.build.quotes import (
    closest_passages,
    describe_differences,
    find_quote,
    misquote_report,
)
from datasette_heritage.folding import normalise

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


ARTICLE = (
    "Satellite images show that the militants demolished the tetrapylon and part of "
    "the Roman theatre last month.\n\nThe Temple of Bel was blown up in 2015; "
    "\u201cnothing is left\u201d of its cella, a witness said. The theatre had been "
    "used for executions."
)


def test_closest_passage_starts_and_ends_on_word_boundaries():
    # The old report began mid-word ("st year. Satellite ..."): every
    # candidate now begins and ends on a word edge, so it is a quote itself.
    for quote in ["militants demolised the tetrapylon", "nothing is left of its cela", "teh Roman"]:
        for candidate in closest_passages(quote, ARTICLE, limit=3):
            start, end = candidate.start, candidate.end
            assert start == 0 or not ARTICLE[start - 1].isalnum()
            assert end == len(ARTICLE) or not ARTICLE[end].isalnum()
            assert find_quote(candidate.passage, ARTICLE) is not None


@pytest.mark.parametrize(
    "typed, passage",
    [
        ("the militants demolised the tetrapylon", "the militants demolished the tetrapylon"),
        (
            "militants demolished tetrapylon and part",
            "militants demolished the tetrapylon and part",
        ),
        ('"nothing is left" of its cella', "\u201cnothing is left\u201d of its cella"),
        ("the temple of bel was blown up", "The Temple of Bel was blown up"),
        ("Roman theater last month", "Roman theatre last month"),
    ],
)
def test_closest_passage_is_the_one_the_editor_means(typed, passage):
    assert closest_passages(typed, ARTICLE)[0].passage == passage


def test_misquote_report_marks_the_words_that_differ():
    report = misquote_report("the militants demolised the tetrapylon", ARTICLE)
    assert report == (
        'closest passage: "the militants demolished the tetrapylon"; '
        'you typed "demolised", the text says "demolished"'
    )


def test_missing_and_extra_words_are_named():
    assert (
        describe_differences(
            "militants demolished tetrapylon", "militants demolished the tetrapylon"
        )
        == 'missing "the"'
    )
    assert (
        describe_differences("the old Roman theatre", "the Roman theatre")
        == 'not in the text: "old"'
    )


def test_closest_passage_is_on_one_line():
    report = misquote_report("last month. The Temple of Bel was blown", ARTICLE)
    assert "\n" not in report
    assert 'closest passage: "last month. The Temple of Bel was blown"' in report


def test_several_candidates_do_not_overlap_and_come_best_first():
    found = closest_passages("the theatre", ARTICLE, limit=3)
    assert len(found) >= 2
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    for a in found:
        for b in found:
            assert a is b or a.end <= b.start or b.end <= a.start


def test_nothing_to_compare():
    assert closest_passages("anything", "") == []
    assert closest_passages("   ", ARTICLE) == []
    assert misquote_report("anything", "   ") == "the text has no passage like it"


def test_normalise():
    assert normalise(" It\u2019s \u201cx\u201d \u2013 y\n z ") == 'It\'s "x" - y z'


# -- Arabic and other right-to-left texts (made-up sentences, not real reports)

ARABIC = "قال ناشطون إنَّ المُسَلَّحِينَ فَجَّرُوا قَوْسَ المدينة الأثري عام ٢٠١٥، وإن المـعـبد تضرر."


def arabic_located(quote, text=ARABIC):
    """The passage of ``text`` found for ``quote``, as stored."""
    found = find_quote(quote, text)
    return text[found[0] : found[1]] if found else None


def test_a_quote_without_diacritics_finds_the_vocalised_passage():
    # The offsets point into the stored text, vowel signs and all, and the
    # passage ends after the marks of its last letter.
    assert arabic_located("المسلحين فجروا قوس") == "المُسَلَّحِينَ فَجَّرُوا قَوْسَ"


def test_a_vocalised_quote_finds_the_plain_passage():
    assert arabic_located("قَالَ نَاشِطُونَ") == "قال ناشطون"


def test_tatweel_is_ignored():
    assert arabic_located("وإن المعبد تضرر") == "وإن المـعـبد تضرر"
    assert arabic_located("قـال نـاشطون") == "قال ناشطون"


def test_alef_hamza_ta_marbuta_and_alef_maqsura_forms_are_folded():
    # Hamza on alef written or not, alef with madda; ta marbuta typed as ha.
    assert arabic_located("ان المسلحين") == "إنَّ المُسَلَّحِينَ"
    assert arabic_located("قوس المدينه الاثري") == "قَوْسَ المدينة الأثري"
    assert arabic_located("على", "سيطر علي المدينة") == "علي"
    assert arabic_located("مسؤول", "قال مسوول محلي") == "مسوول"


def test_arabic_and_latin_digits_and_punctuation_are_folded():
    assert arabic_located("عام 2015, وإن") == "عام ٢٠١٥، وإن"
    assert arabic_located("عام ٢٠١٥", "في عام 2015 دمر") == "عام 2015"
    assert arabic_located("هل دمر؟", "قال: هل دمر? لا") == "هل دمر?"


def test_invisible_direction_marks_are_ignored():
    text = "وأضاف المرصد أن \u200fالقلعة القديمة \u200e(2017) ما زالت"
    start, end = find_quote("أن القلعة القديمة (2017)", text)
    assert text[start:end] == "أن \u200fالقلعة القديمة \u200e(2017)"


def test_presentation_forms_from_a_pdf_are_the_letters_they_show():
    # "تدمر" as a PDF stores it: final, medial and initial letter shapes.
    shaped = "في \ufe97\ufeaa\ufee4\ufeae اليوم"
    assert arabic_located("تدمر", shaped) == "\ufe97\ufeaa\ufee4\ufeae"


def test_an_arabic_quote_must_not_cut_a_word():
    # "جروا" is inside "فَجَّرُوا": a vowel sign between letters is no word edge.
    assert arabic_located("جروا قوس") is None
    assert arabic_located("المسلحين فجر") is None


def test_hebrew_points_are_ignored():
    assert arabic_located("שלום עולם", "אמר: שָׁלוֹם עוֹלָם!") == "שָׁלוֹם עוֹלָם"


def test_other_arabic_differences_are_not_folded():
    assert arabic_located("المسلحون فجروا") is None  # another word ending
    assert arabic_located("عام 2016") is None
