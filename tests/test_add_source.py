"""`datasette-heritage add-source`: a saved article in, a source record and
its text out that the build accepts; nothing overwritten, an article added
twice refused, and one clear line for a file with no article in it."""

from __future__ import annotations

import datetime
import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from datasette_heritage.cli import cli
from datasette_heritage.editor.add_source import make_id

from . import pdf_files
from .conftest import FIXTURE_DATA

ARTICLES = Path(__file__).parent / "fixtures" / "articles"


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, folder)
    return folder


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "sources").iterdir())}


def test_a_saved_page_becomes_a_source_the_build_accepts(data):
    result = run("add-source", str(ARTICLES / "wire-story.html"), "--data", str(data))
    assert result.exit_code == 0, result.output
    source_id = "2017-01-20-militants-blow-up-roman-gate-in-tell-zahra"
    assert f"Added source {source_id}" in result.stdout
    record = yaml.safe_load((data / "sources" / f"{source_id}.yml").read_text())[0]
    assert record == {
        "id": source_id,
        "title": "Militants blow up Roman gate in Tell Zahra",
        "publisher": "The Daily Courier",
        "credit": "Jane Haddad",
        "published": datetime.date(2017, 1, 20),  # PyYAML reads dates; the build keeps text
        "published_note": None,
        "source_type": None,  # the page does not say what kind of outlet it is
        "url": "https://www.dailycourier.example/world/2017/jan/20/militants-blow-up-roman-gate-tell-zahra",
        "archive_url": None,
        "accessed": datetime.date.fromtimestamp((ARTICLES / "wire-story.html").stat().st_mtime),
        "language": "en",
        "text_file": f"{source_id}.txt",
        "text_sha256": hashlib.sha256(
            (data / "sources" / f"{source_id}.txt").read_bytes()
        ).hexdigest(),
    }
    text = (data / "sources" / f"{source_id}.txt").read_text(encoding="utf-8")
    assert text.startswith("Militants blow up Roman gate in Tell Zahra\n\nMilitants have blown up")
    validated = run("validate", str(data))
    assert validated.exit_code == 0, validated.output
    assert "4 sources" in validated.stdout  # the fixture's three and this one


def test_what_the_file_lacks_is_named_and_left_for_the_editor(data):
    result = run("add-source", str(ARTICLES / "ngo-report.html"), "--data", str(data))
    assert result.exit_code == 0
    assert "Not in the file, fill in by hand" in result.stdout
    assert "credit, publisher, url" in result.stdout
    assert "Language guessed from the text: en" in result.stdout
    source_id = "2016-03-22-condition-assessment-the-necropolis-of-tell-zahra"
    written = (data / "sources" / f"{source_id}.yml").read_text()
    assert "  url: null  # not in the file; only an address you have" in written
    assert "  language: en  # guessed from the text; check it" in written
    assert run("validate", str(data)).exit_code == 0


def test_an_arabic_page(data):
    result = run("add-source", str(ARTICLES / "arabic-news.html"), "--data", str(data))
    assert result.exit_code == 0
    (record_file,) = [p for p in (data / "sources").glob("2017-01-21-*.yml")]
    record = yaml.safe_load(record_file.read_text(encoding="utf-8"))[0]
    assert record["id"].isascii() and record["language"] == "ar"
    assert record["title"] == "مسلحون يفجرون البوابة الأثرية في تل زهرة"
    assert record["credit"] == "فرانس برس"
    assert run("validate", str(data)).exit_code == 0


def test_a_pdf_report_and_a_press_release(data, tmp_path):
    pdf = pdf_files.report_pdf(tmp_path / "report.pdf")
    assert run("add-source", str(pdf), "--data", str(data)).exit_code == 0
    result = run("add-source", str(ARTICLES / "press-release.txt"), "--data", str(data))
    assert result.exit_code == 0
    names = set(files(data))
    assert "2017-02-03-damage-assessment-of-the-roman-gate-of-tell.yml" in names
    assert "2016-03-22-antiquities-directorate-condemns-looting-of-castra-nova.txt" in names
    assert run("validate", str(data)).exit_code == 0


def test_the_same_article_again_is_refused_with_its_id(data, tmp_path):
    assert run("add-source", str(ARTICLES / "wire-story.html"), "--data", str(data)).exit_code == 0
    before = files(data)
    # Saved again, under another name: same text, so the same article.
    again = tmp_path / "Militants blow up Roman gate (1).html"
    again.write_bytes((ARTICLES / "wire-story.html").read_bytes())
    result = run("add-source", str(again), "--data", str(data))
    assert result.exit_code == 1
    assert "already source '2017-01-20-militants-blow-up-roman-gate-in-tell-zahra'" in result.stderr
    assert files(data) == before


def test_an_existing_file_is_never_overwritten(data):
    taken = data / "sources" / "2017-01-20-militants-blow-up-roman-gate-in-tell-zahra.txt"
    taken.write_text("An editor's own file.\n")
    result = run("add-source", str(ARTICLES / "wire-story.html"), "--data", str(data))
    assert result.exit_code == 0
    assert taken.read_text() == "An editor's own file.\n"
    assert "Added source 2017-01-20-militants-blow-up-roman-gate-in-tell-zahra-2" in result.stdout


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "empty.html", "the file is empty"),
        (lambda d: ARTICLES / "not-an-article.html", "no article text found"),
        (lambda d: pdf_files.encrypted_pdf(d / "locked.pdf"), "the PDF is encrypted"),
        (lambda d: pdf_files.image_only_pdf(d / "scan.pdf"), "no text layer"),
    ],
)
def test_no_article_no_files_and_one_line(data, tmp_path, make, message):
    (tmp_path / "empty.html").write_bytes(b"")
    before = files(data)
    result = run("add-source", str(make(tmp_path)), "--data", str(data))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert files(data) == before


def test_no_data_folder(tmp_path):
    result = run("add-source", str(ARTICLES / "wire-story.html"), "--data", str(tmp_path / "no"))
    assert result.exit_code == 1
    assert "no such folder" in result.stderr


@pytest.mark.parametrize(
    "published, title, expected",
    [
        (
            "2016-12-11",
            "Isis regains control of Palmyra, forcing Syrian forces to retreat",
            "2016-12-11-isis-regains-control-of-palmyra-forcing-syrian-forces",
        ),
        (None, "Report", "undated-report"),
        ("2016", "Émeutes à Alep — «dégâts»", "undated-emeutes-a-alep-degats"),
        ("2017-01-21", "!!!", "2017-01-21-source"),
        ("2017-01-21", "x" * 300, "2017-01-21-" + "x" * 60),
    ],
)
def test_ids_from_date_and_headline(published, title, expected):
    assert make_id(published, title) == expected


def test_every_editor_command_has_help():
    for command in ("add-source", "quote"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout
