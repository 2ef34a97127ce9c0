"""folding.py's copy of a text for full-text search: the same words, folded,
index as the same tokens as the plain text, and a text folding leaves alone
gets no copy. (Quote matching with the same table: test_quotes.py.)"""

import sqlite3

from datasette_heritage.build.writer import FTS_TOKENIZE
from datasette_heritage.folding import fold_for_search, search_lines

VOCALISED = "قالَ ناشِطونَ إنَّ المُسَلَّحِينَ فَجَّرُوا قَوْسَ المـعـبد عام ٢٠١٥، وأضاف"
PLAIN = "قال ناشطون ان المسلحين فجروا قوس المعبد عام 2015, واضاف"


def tokens(text: str) -> list[str]:
    """The tokens the build's full-text tables index for ``text``."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(a, tokenize='{FTS_TOKENIZE}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    conn.execute("INSERT INTO t (a) VALUES (?)", (text,))
    return [row[0] for row in conn.execute("SELECT term FROM v ORDER BY offset")]


def test_a_vocalised_text_is_indexed_as_its_plain_words_only_in_its_copy():
    # FTS5 splits a vocalised word at its vowel signs, and keeps tatweel, hamza
    # forms and Arabic-Indic digits: none of these words is found as typed plain.
    words = ["ناشطون", "ان", "المسلحين", "فجروا", "قوس", "المعبد", "2015", "واضاف"]
    assert words == [w for w in tokens(PLAIN) if w in words]
    assert not set(tokens(VOCALISED)) & set(words)
    copy = fold_for_search(VOCALISED)
    assert copy is not None and tokens(copy) == tokens(PLAIN)
    # The plain words typed with vowel signs fold to the same tokens.
    assert tokens(fold_for_search(PLAIN) or PLAIN) == tokens(copy)


def test_no_copy_where_folding_changes_nothing_the_index_sees():
    assert fold_for_search("The temple was destroyed in 2015.") is None
    # Typographic quotes and dashes fold, but they are word breaks either way.
    assert (
        fold_for_search("\u201cIt\u2019s gone\u201d \u2014 the 2,000\u2011year\u2011old arch")
        is None
    )
    # Arabic with nothing to fold: no vowel signs, no letter variants.
    assert fold_for_search("قال ناشطون ان المسلحين فجروا قوس المعبد") is None
    # One letter variant, one copy.
    assert fold_for_search("المدينة القديمة") == "المدينه القديمه"
    # Invisible marks inside an English word would split it too.
    assert fold_for_search("Pal\u00admyra") == "Palmyra"


def test_search_lines_leave_out_empty_columns():
    assert search_lines(["a title", None, "", "the text"]) == "a title\nthe text"
