"""The build's fast paths give exactly what their reference definitions give.

- find_quote searches a folded, space-normalised copy of the text; the
  reference reads the definition (datasette_heritage/folding.py's table)
  character by character, as slowly and plainly as can be.
- validate_record checks with a compiled jsonschema-rs validator first and
  asks jsonschema only for the messages; both must accept the same records.
"""

import copy
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datasette_heritage.build.quotes import find_quote
from datasette_heritage.build.schema_check import _fast_validator, _validator, validate_record
from datasette_heritage.folding import FOLDS

# Characters that exercise every allowance: white space of several kinds,
# straight and typographic quotes, dashes, word and non-word characters; and
# Arabic: letters, a vowel sign and a shadda, tatweel, alef with and without
# hamza, ta marbuta and ha, Arabic-Indic and Latin digits, the Arabic comma,
# a right-to-left mark and a presentation form.
ALPHABET = (
    "ab _'\u2019\"\u201c\u201d-\u2013\u2014\n\t\u00a0.,\u00e91"
    "\u062a\u062f\u0645\u064e\u0651\u0640\u0623\u0627\u0629\u0647\u0661\u060c\u200f\ufe8d"
)
texts = st.text(alphabet=ALPHABET, max_size=40)


def _folded(text):
    """(characters, where each came from): each character folded on its own,
    ignored ones dropped, white space runs one space, none at either end."""
    chars, origin = [], []
    for i, ch in enumerate(text):
        ch = FOLDS.get(ch, ch)
        if ch == "":
            continue
        if ch.isspace():
            if not chars or chars[-1] == " ":
                continue
            ch = " "
        chars.append(ch)
        origin.append(i)
    if chars and chars[-1] == " ":
        chars.pop(), origin.pop()
    return chars, origin


def reference(quote, text):
    wanted, _ = _folded(quote)
    chars, origin = _folded(text)
    n = len(wanted)
    if not n:
        return None

    def word(ch):
        return ch.isalnum() or ch == "_"

    for start in range(len(chars) - n + 1):
        if chars[start : start + n] != wanted:
            continue
        if word(wanted[0]) and start and word(chars[start - 1]):
            continue
        if word(wanted[-1]) and start + n < len(chars) and word(chars[start + n]):
            continue
        end = origin[start + n - 1] + 1
        while end < len(text) and FOLDS.get(text[end]) == "":
            end += 1  # the marks of the last letter belong to the passage
        return origin[start], end
    return None


@settings(max_examples=3000, deadline=None)
@given(texts, st.data())
def test_find_quote_matches_the_definition(text, data):
    if text and data.draw(st.booleans()):
        start = data.draw(st.integers(0, len(text) - 1))
        quote = text[start : start + data.draw(st.integers(0, 12))]
        if data.draw(st.booleans()):
            quote = quote.replace(" ", "  ").replace("\u2019", "'").replace("\u064e", "")
    else:
        quote = data.draw(st.text(alphabet=ALPHABET, max_size=8))
    assert find_quote(quote, text) == reference(quote, text)


def test_find_quote_on_article_text():
    text = (
        "Isis   fighters\n\u201cblew up\u201d the Temple of Bel \u2014 witnesses said.\n\n"
        "Later, \u201cblew up\u201d the Temple of Bel again."
    )
    for quote in [
        '"blew up" the Temple of Bel - witnesses',
        "Temple of Bel",
        'fighters "blew up"',
        "Bel again",
        "Temple of Be",
        "Isis fighters",
    ]:
        assert find_quote(quote, text) == reference(quote, text), quote


EVENT = {
    "id": "e-1",
    "kind": "damage",
    "title": "T",
    "date": "2015-08",
    "site_id": "s",
    "summary": None,
    "monuments": [{"monument_id": "m", "damage_level": "destroyed", "cause": None}],
    "citations": [
        {
            "source_id": "src",
            "quote": "q",
            "claimant": "c",
            "stance": "supports",
            "identification": "inferred",
            "note": "why",
        }
    ],
}
SITE = {
    "id": "s",
    "name": "S",
    "alternative_names": ["T"],
    "country": "Syria",
    "latitude": 34.5,
    "longitude": 38.2,
    "wikidata": "Q5747",
    "unesco_whc_id": 23,
    "description": None,
}
SOURCE = {
    "id": "src",
    "title": "T",
    "publisher": None,
    "credit": "AP",
    "published": 2015,
    "published_note": None,
    "url": "https://example.org/a",
    "language": "en",
    "text_file": "a.txt",
}
WRONG_VALUES = [
    None,
    True,
    False,
    0,
    1,
    1.0,
    -91,
    1.5,
    "",
    "x",
    "Bad Id",
    "Q0",
    "en-",
    "a/b.txt",
    "http://a b",
    [],
    ["x"],
    ["x", "x"],
    {},
    {"a": 1},
]


def mutations(record, rng):
    """Records near a valid one: each value replaced, removed or added to."""
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append(path + [key])
                walk(value, path + [key])
        elif isinstance(node, list):
            for i, value in enumerate(node):
                paths.append(path + [i])
                walk(value, path + [i])

    walk(record, [])
    for path in paths:
        for action in ("replace", "remove", "extra"):
            mutated = copy.deepcopy(record)
            parent = mutated
            for step in path[:-1]:
                parent = parent[step]
            if action == "replace":
                parent[path[-1]] = rng.choice(WRONG_VALUES)
            elif action == "remove":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent["unexpected"] = 1
            else:
                parent.append(copy.deepcopy(parent[0]) if parent else 1)
            yield mutated


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize(
    "record_type, record", [("event", EVENT), ("site", SITE), ("source", SOURCE)]
)
def test_fast_validation_agrees_with_jsonschema(record_type, record, seed):
    rng = random.Random(seed)
    assert not validate_record(record_type, record, "f.yml")
    assert _fast_validator(record_type)(record)  # valid records take the fast path
    checked = 0
    for mutated in mutations(record, rng):
        slow_ok = not list(_validator(record_type).iter_errors(mutated))
        fast_ok = not validate_record(record_type, mutated, "f.yml")
        assert fast_ok == slow_ok, mutated
        checked += 1
    assert checked > 20
