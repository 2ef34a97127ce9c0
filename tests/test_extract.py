"""Article extraction (datasette_heritage.editor.extract) on saved pages
written with the structure of real news sites, and on PDFs and texts: the
article's paragraphs kept, the page furniture left out, the metadata found,
and one clear error for a file with no article in it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from datasette_heritage.build.quotes import normalise
from datasette_heritage.editor.extract import ExtractionError, extract

from . import pdf_files

ARTICLES = Path(__file__).parent / "fixtures" / "articles"
CASES = sorted(p.name.removesuffix(".expected.yml") for p in ARTICLES.glob("*.expected.yml"))
FIELDS = ("title", "published", "credit", "publisher", "url", "language")


def fixture(name: str) -> tuple[Path, dict]:
    page = next(p for p in ARTICLES.glob(name + ".*") if not p.name.endswith(".yml"))
    expected = yaml.safe_load((ARTICLES / f"{name}.expected.yml").read_text(encoding="utf-8"))
    return page, expected


def test_there_are_fixtures_of_each_kind():
    suffixes = {fixture(name)[0].suffix for name in CASES}
    assert suffixes == {".html", ".txt"}
    assert len(CASES) >= 5


@pytest.mark.parametrize("name", CASES)
def test_every_article_paragraph_is_kept(name):
    page, expected = fixture(name)
    text = normalise(extract(page).text)
    for paragraph in expected["paragraphs"]:
        assert normalise(paragraph) in text


@pytest.mark.parametrize("name", CASES)
def test_no_page_furniture_leaks_into_the_text(name):
    page, expected = fixture(name)
    text = extract(page).text
    for line in expected["boilerplate"]:
        assert normalise(line) not in normalise(text), line
    assert "<" not in text  # no markup, no script


@pytest.mark.parametrize("name", CASES)
def test_metadata_found(name):
    page, expected = fixture(name)
    article = extract(page)
    got = {field: getattr(article, field) for field in FIELDS}
    wanted = {k: (str(v) if v is not None else None) for k, v in expected["metadata"].items()}
    # What the file does not say is not made up (language may be guessed
    # from the text, and is flagged so).
    if wanted["language"] is None:
        assert article.language_guessed
        wanted["language"] = got["language"]
    assert got == wanted
    assert set(article.missing) == {f for f in FIELDS if got[f] is None}


def test_the_text_starts_with_the_headline_and_is_paragraphs():
    article = extract(ARTICLES / "wire-story.html")
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0] == "Militants blow up Roman gate in Tell Zahra"
    assert len(paragraphs) == 8
    assert all(p.strip() == p and "\n" not in p for p in paragraphs)


def test_arabic_page_keeps_its_script():
    article = extract(ARTICLES / "arabic-news.html")
    assert article.language == "ar" and not article.language_guessed
    assert "دُمّرت بالكامل" in article.text  # diacritics kept as printed


def test_pdf_report_text_and_metadata(tmp_path):
    article = extract(pdf_files.report_pdf(tmp_path / "report.pdf"))
    assert article.kind == "pdf"
    assert article.title == pdf_files.REPORT_TITLE
    assert article.published == "2017-02-03"
    assert article.credit == pdf_files.REPORT_AUTHOR
    assert article.language == "en" and not article.language_guessed
    for paragraph in pdf_files.REPORT_PARAGRAPHS:
        assert paragraph in article.text.split("\n\n")


def test_pdf_without_metadata_takes_its_first_line_as_title(tmp_path):
    article = extract(pdf_files.report_pdf(tmp_path / "bare.pdf", metadata=False))
    assert article.title == pdf_files.REPORT_TITLE
    assert article.language == "en" and article.language_guessed
    assert "credit" in article.missing


def test_file_name_does_not_decide_the_kind(tmp_path):
    renamed = tmp_path / "download"
    renamed.write_bytes((ARTICLES / "wire-story.html").read_bytes())
    assert extract(renamed).kind == "html"
    pdf = pdf_files.report_pdf(tmp_path / "report.txt")
    assert extract(pdf).kind == "pdf"


def test_latin1_text_is_decoded(tmp_path):
    path = tmp_path / "old.txt"
    text = (ARTICLES / "press-release.txt").read_text(encoding="utf-8")
    path.write_bytes(text.replace("strongest", "strongést").encode("latin-1"))
    assert "strongést" in extract(path).text


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


BAD_FILES = {
    "empty": (lambda d: write(d, "empty.html", b""), "the file is empty"),
    "blank text": (lambda d: write(d, "blank.txt", b" \n\n \t\n"), "only white space"),
    "short text": (lambda d: write(d, "short.txt", b"Breaking news\n\nMore soon."), "too little"),
    "home page": (lambda d: ARTICLES / "not-an-article.html", "no article text found"),
    "encrypted pdf": (lambda d: pdf_files.encrypted_pdf(d / "locked.pdf"), "encrypted"),
    "image-only pdf": (lambda d: pdf_files.image_only_pdf(d / "scan.pdf"), "no text layer"),
    "broken pdf": (
        lambda d: write(d, "cut.pdf", pdf_files.report_pdf(d / "r.pdf").read_bytes()[:300]),
        "not a readable PDF",
    ),
    "binary": (lambda d: write(d, "photo.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF\0" * 50), "not a text"),
    "folder": (lambda d: d, "not a file"),
    "missing": (lambda d: d / "nowhere.html", "cannot read"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_file_without_an_article_is_one_clear_error(case, tmp_path):
    make, message = BAD_FILES[case]
    path = make(tmp_path)
    with pytest.raises(ExtractionError) as raised:
        extract(path)
    text = str(raised.value)
    assert message in text
    assert text.startswith(str(path)) and "\n" not in text
