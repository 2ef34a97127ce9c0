"""`datasette-heritage quote`: approximate words in, a citation that verifies
out, pasted into a real event file and checked by `validate`."""

from __future__ import annotations

import shutil

import pytest
import yaml
from click.testing import CliRunner

from datasette_heritage.cli import cli
from datasette_heritage.editor.find_quote import citation_block, search

from .conftest import FIXTURE_DATA

ARTICLE = (
    "Satellite images show that the militants demolished the tetrapylon and part of the "
    "Roman theatre last month.\n\nThe Temple of Bel was blown up in 2015; \u201cnothing is "
    "left\u201d of its cella, a witness said. The theatre had been used for executions.\n\n"
    "Officials said the theatre would be rebuilt."
)


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, folder)
    (folder / "sources" / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "sources" / "article.yml").write_text(
        "- id: article\n  title: An article\n  language: en\n  text_file: article.txt\n"
    )
    return folder


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result


def paste_and_validate(data, block: str, claimant: str = "a witness"):
    """Paste a printed citation under a new event, as an editor would."""
    citation = block.replace("claimant:  ", f"claimant: {claimant}  ", 1)
    lines = "\n".join("    " + line for line in citation.splitlines())
    (data / "events" / "new.yml").write_text(
        "- id: new-event\n  kind: damage\n  title: New\n  date: 2017-01\n"
        "  site_id: testopolis\n  citations:\n" + lines + "\n",
        encoding="utf-8",
    )
    return run("validate", str(data))


@pytest.mark.parametrize(
    "typed, passage",
    [
        ("the militants demolised the tetrapylon", "the militants demolished the tetrapylon"),
        ("militants demolished tetrapylon", "militants demolished the tetrapylon"),
        ('"nothing is left" of its cella', "\u201cnothing is left\u201d of its cella"),
        ("temple of bel was blown up", "Temple of Bel was blown up"),
        ("Roman theater - last month", "Roman theatre last month"),
    ],
)
def test_quote_finds_the_passage_and_the_citation_verifies(data, typed, passage):
    result = run("quote", "article", typed, "--data", str(data))
    assert result.exit_code == 0, result.output
    printed = yaml.safe_load(result.stdout)
    assert printed[0]["source_id"] == "article"
    assert printed[0]["quote"] == passage
    validated = paste_and_validate(data, result.stdout)
    assert validated.exit_code == 0, validated.output


def test_the_difference_is_named(data):
    result = run("quote", "article", "the militants demolised the tetrapylon", "--data", str(data))
    assert 'you typed "demolised", the text says "demolished"' in result.stdout


def test_words_of_the_text_are_found_word_for_word(data):
    result = run("quote", "article", "blown up in 2015", "--data", str(data))
    assert result.stdout.startswith("# article: found word for word\n")
    assert yaml.safe_load(result.stdout)[0]["quote"] == "blown up in 2015"


def test_a_passage_over_a_paragraph_break_is_one_line(data):
    result = run("quote", "article", "last month. The Temple", "--data", str(data))
    assert yaml.safe_load(result.stdout)[0]["quote"] == "last month. The Temple"
    assert paste_and_validate(data, result.stdout).exit_code == 0


def test_ambiguous_words_give_several_candidates(data):
    result = run("quote", "article", "the theater", "--data", str(data))
    assert result.exit_code == 0
    candidates = yaml.safe_load(result.stdout)
    assert len(candidates) >= 2
    assert "keep the one you mean" in result.stdout.splitlines()[0]
    quotes = [c["quote"] for c in candidates]
    assert "the theatre" in [q.lower() for q in quotes]


def test_words_found_twice_say_so(data):
    result = run("quote", "article", "theatre", "--data", str(data))
    assert "found word for word, 3 times" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["articel", "the theatre"], "did you mean article"),
        (["url-only", "the temple"], "source 'url-only' has no text_file"),
        (["article", "zqxj vvkw pllm"], "no passage of 'article' is like"),
    ],
)
def test_bad_requests_get_one_clear_line(data, args, message):
    result = run("quote", *args, "--data", str(data))
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_no_data_folder(tmp_path):
    result = run("quote", "x", "y", "--data", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "no such folder" in result.stderr


@pytest.mark.parametrize(
    "passage",
    [
        'He said "yes: no" \\ # not a comment',
        "- a list? {not: a mapping} [nor] &anchor *alias !tag %directive",
        "\u0627\u0644\u0645\u062f\u064a\u0646\u0629 \u0627\u0644\u0623\u062b\u0631\u064a\u0629",
    ],
)
def test_any_passage_survives_the_yaml_round_trip(passage):
    block = citation_block("wire-report", passage)
    assert yaml.safe_load(block)[0]["quote"] == passage
    assert search(passage, "Before. " + passage + " After.").exact


def test_an_id_yaml_would_read_as_a_number_is_quoted():
    assert yaml.safe_load(citation_block("2016", "x"))[0]["source_id"] == "2016"


def test_arabic_words_without_their_marks_find_the_passage(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    page = FIXTURE_DATA.parent / "articles" / "arabic-news.html"
    assert run("add-source", str(page), "--data", str(data)).exit_code == 0
    (record,) = (data / "sources").glob("2017-01-21-*.yml")
    source_id = record.stem
    # Typed without harakat, with a bare alef and a ha for the ta marbuta,
    # and the wrong century: the passage as printed comes back.
    typed = "البوابه التي يعود تاريخها الى القرن الثالث دمرت بالكامل"
    result = run("quote", source_id, typed, "--data", str(data))
    assert result.exit_code == 0, result.output
    quote = yaml.safe_load(result.stdout)[0]["quote"]
    assert quote == "البوابة التي يعود تاريخها إلى القرن الثاني الميلادي دُمّرت بالكامل"
    assert 'you typed "الثالث"' in result.stdout
    assert paste_and_validate(data, result.stdout.replace(typed, quote)).exit_code == 0
