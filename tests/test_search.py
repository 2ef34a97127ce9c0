"""site/search.py: a match found only in a text's folded copy is shown in
the text as stored, with the same words marked, whatever the text holds."""

import re
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from datasette_heritage.build.writer import FTS_TOKENIZE
from datasette_heritage.folding import fold, fold_for_search, search_lines
from datasette_heritage.site.search import MARK_CLOSE, MARK_OPEN, snippet_as_stored

from .conftest import FIXTURE_DATA

# The made-up Arabic report of the fixtures, as written (vocalised words,
# tatweel, hamza forms, ta marbuta, Arabic-Indic digits, a direction mark),
# and English words with a typographic apostrophe.
WORDS = (FIXTURE_DATA / "sources" / "arabic-report.txt").read_text(encoding="utf-8").split() + [
    "temple",
    "Temple’s",
]


def folded_snippet(values: list[str | None], word: str, tokens: int = 6) -> str | None:
    """FTS5's snippet of the folded copy of ``values`` where ``word`` (typed
    plain) matches, as the site's search asks for it."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(search_text, tokenize='{FTS_TOKENIZE}')")
    conn.execute("INSERT INTO t VALUES (?)", (fold_for_search(search_lines(values)),))
    row = conn.execute(
        "SELECT snippet(t, 0, char(2), char(3), '\u2026', ?) FROM t WHERE t MATCH ?",
        (tokens, f'"{word}"'),
    ).fetchone()
    return row[0] if row else None


def marked_words(snippet: str) -> list[str]:
    return [piece.split(MARK_CLOSE)[0] for piece in snippet.split(MARK_OPEN)[1:]]


def test_the_stored_words_are_marked():
    text = "قال ناشطون إنَّ المُسَلَّحِينَ فَجَّرُوا قَوْسَ المدينة عام ٢٠١٥، وإن المـعـبد تضرر."
    for typed, stored in (("فجروا", "فَجَّرُوا"), ("المعبد", "المـعـبد"), ("2015", "٢٠١٥")):
        shown = snippet_as_stored([text], 0, folded_snippet([text], typed))
        assert shown is not None and marked_words(shown) == [stored]
        assert shown.replace(MARK_OPEN, "").replace(MARK_CLOSE, "").strip("\u2026") in text


def test_only_the_column_shown_is_shown():
    title, text = "تقرير عن المدينة", "قال ناشطون إنَّ المُسَلَّحِينَ فَجَّرُوا قَوْسَ المدينة"
    values = [title, None, text]
    shown = snippet_as_stored(values, 2, folded_snippet(values, "المدينه", tokens=20))
    assert shown is not None and title not in shown and marked_words(shown) == ["المدينة"]
    # A match in the title alone marks nothing in the text.
    assert snippet_as_stored(values, 2, folded_snippet(values, "تقرير")) is None
    assert snippet_as_stored(values, 1, folded_snippet(values, "المدينه")) is None


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=60),
    pick=st.integers(min_value=0),
    white=st.sampled_from([" ", "\n", "  ", "\n\n"]),
)
def test_any_match_is_shown_as_stored(words, pick, white):
    text = white.join(words)
    typed = re.findall(r"\w+", fold(words[pick % len(words)]))[0]
    snippet = folded_snippet([text], typed)
    if snippet is None:
        return  # nothing left to search for in that word (or nothing folded)
    shown = snippet_as_stored([text], 0, snippet)
    assert shown is not None
    plain = shown.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")
    assert plain.strip("\u2026") in text
    for word in marked_words(shown):
        assert fold(word).casefold() in fold(text).casefold()
        assert typed.casefold() in fold(word).casefold()
