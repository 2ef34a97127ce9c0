"""The article in a saved web page, a PDF or a plain-text file: its main
text and what the file says about it (title, date, credit, outlet, address,
language).

Each job goes to a library made for it (README.md, Dependencies, says why
each): trafilatura finds the main text of a page and reads its metadata
(meta tags, Open Graph, JSON-LD), with htmldate for the publication date;
pypdf reads PDFs; py3langid names the language when the file does not.
What this module adds is only what those leave out: the credit of an agency
(JSON-LD or meta author that is an organisation) and the language the page
declares.
"""

from __future__ import annotations

import html as html_escape
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .sources_folder import EditorError

# Fewer characters of main text than this is a list of links, not an article.
LEAST_ARTICLE_CHARS = 200
# Larger files are not articles an editor saved (and parsing them is slow).
MOST_FILE_BYTES = 50 * 1024 * 1024
_URL = re.compile(r"https?://\S+")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}")


class ExtractionError(EditorError):
    """The file holds no article text that can be stored."""


@dataclass
class Article:
    """What a file gave. ``text`` is paragraphs separated by blank lines;
    ``missing`` names the fields the file did not have."""

    text: str
    kind: str  # html, pdf or text
    title: str | None = None
    published: str | None = None  # YYYY-MM-DD
    credit: str | None = None
    publisher: str | None = None
    url: str | None = None
    language: str | None = None
    language_guessed: bool = False
    missing: list[str] = field(default_factory=list)


def extract(path: Path) -> Article:
    """The article in the file at ``path``, by its content (HTML, PDF or
    text) whatever its name. Raises ExtractionError with one line to show."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ExtractionError(f"{path}: cannot read: {error.strerror}") from None
    if not path.is_file():
        raise ExtractionError(f"{path}: not a file (expected a saved page, a PDF or a text)")
    if size == 0:
        raise ExtractionError(f"{path}: the file is empty (expected a saved page, a PDF or a text)")
    if size > MOST_FILE_BYTES:
        raise ExtractionError(
            f"{path}: {size:,} bytes is too large for an article (expected at most "
            f"{MOST_FILE_BYTES // 1024 // 1024} MB)"
        )
    raw = path.read_bytes()
    if raw.lstrip()[:5] == b"%PDF-":
        article = extract_pdf(path)
    elif _looks_like_html(raw) or path.suffix.lower() in (".html", ".htm", ".xhtml"):
        article = extract_html(raw, str(path))
    else:
        article = extract_text(_decode_text(raw, path), str(path))
    article.missing = [
        name
        for name in ("title", "published", "credit", "publisher", "url", "language")
        if not getattr(article, name)
    ]
    return article


def _looks_like_html(raw: bytes) -> bool:
    head = raw[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head


def _decode_text(raw: bytes, path: Path) -> str:
    if b"\0" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError(
            f"{path}: not a text, a web page or a PDF (expected a saved page, a PDF or a text)"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # trafilatura's own choice of detector

    best = from_bytes(raw).best()
    if best is None:
        raise ExtractionError(f"{path}: the text's encoding cannot be recognised (expected UTF-8)")
    return str(best)


def _paragraphs(lines: list[str]) -> str:
    kept = [" ".join(line.split()) for line in lines]
    return "\n\n".join(line for line in kept if line)


def _with_title(title: str | None, body: str) -> str:
    """The stored text starts with the headline (citations may quote it),
    unless the extractor kept it already."""
    if title and not body.startswith(title):
        return f"{title}\n\n{body}"
    return body


def _too_short(text: str, where: str, what: str) -> None:
    if len(text) < LEAST_ARTICLE_CHARS:
        raise ExtractionError(
            f"{where}: {what} (expected an article of at least "
            f"{LEAST_ARTICLE_CHARS} characters of text)"
        )


# -- web pages ---------------------------------------------------------------


def extract_html(raw: bytes | str, where: str = "page") -> Article:
    import trafilatura
    from lxml import html as lxml_html

    try:
        document = trafilatura.bare_extraction(
            raw,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_precision=True,
            date_extraction_params={"extensive_search": True, "original_date": True},
        )
    except Exception as error:
        raise ExtractionError(f"{where}: the page cannot be read ({error})") from None
    # (A dict only when asked for one: as_dict is not set here.)
    if document is None or isinstance(document, dict) or not (document.text or "").strip():
        raise ExtractionError(
            f"{where}: no article text found: it looks like a home page, a list of links or "
            "a page that needs JavaScript (expected a saved article page)"
        )
    body = _paragraphs((document.text or "").splitlines())
    _too_short(body, where, "too little article text: is it a home page or a list of links?")
    try:
        tree = lxml_html.fromstring(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
    except Exception:
        tree = None
    linked = _json_ld(tree)
    title = _clean(document.title)
    credit = _clean(document.author) or _credit(tree, linked)
    language = _page_language(tree, linked)
    guessed = False
    if language is None:
        language, guessed = _guess_language(body), True
    url = document.url if document.url and _URL.fullmatch(document.url) else None
    return Article(
        text=_with_title(title, body),
        kind="html",
        title=title,
        published=document.date,
        credit=credit,
        publisher=_clean(document.sitename),
        url=url,
        language=language,
        language_guessed=guessed,
    )


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def _json_ld(tree: Any) -> list[dict[str, Any]]:
    """The JSON-LD objects of the page (graphs and lists flattened)."""
    found: list[dict[str, Any]] = []
    if tree is None:
        return found
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content())
        except ValueError:
            continue
        stack = [data]
        while stack and len(found) < 100:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                stack.extend(v for k, v in item.items() if k == "@graph")
    return found


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _credit(tree: Any, linked: list[dict[str, Any]]) -> str | None:
    """An author trafilatura leaves out: an organisation (an agency) named
    as the author in JSON-LD or in the author meta tag."""
    for item in linked:
        names = [n for n in _names(item.get("author")) if _clean(n)]
        if names:
            return ", ".join(_clean(n) for n in names)  # type: ignore[misc]
    if tree is not None:
        for content in tree.xpath('//meta[@name="author"]/@content'):
            if _clean(content):
                return _clean(content)
    return None


def _page_language(tree: Any, linked: list[dict[str, Any]]) -> str | None:
    """The language the page declares: <html lang>, JSON-LD inLanguage,
    og:locale; its primary subtag, lower case."""
    declared: list[Any] = []
    if tree is not None:
        declared.append(tree.get("lang"))
    declared.extend(item.get("inLanguage") for item in linked)
    if tree is not None:
        declared.extend(tree.xpath('//meta[@property="og:locale"]/@content'))
    for value in declared:
        if isinstance(value, str):
            match = _LANGUAGE.match(value.strip())
            if match:
                return match.group(0).lower()
    return None


def _guess_language(text: str) -> str | None:
    import py3langid

    language, _ = py3langid.classify(text[:5000])
    return language or None


# -- PDFs ------------------------------------------------------------------------


def extract_pdf(path: Path) -> Article:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            opened: int
            try:
                opened = reader.decrypt("")
            except Exception:
                opened = 0
            if not opened:
                raise ExtractionError(
                    f"{path}: the PDF is encrypted with a password (expected a PDF that "
                    "opens without one: save an unprotected copy, or its text as .txt)"
                )
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        root = reader.trailer["/Root"]
        declared = root.get("/Lang") if hasattr(root, "get") else None
    except ExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise ExtractionError(f"{path}: not a readable PDF ({error})") from None
    lines = [line for page in pages for line in page.splitlines() + [""]]
    body = _paragraphs(_reflow(lines))
    if not body.strip():
        raise ExtractionError(
            f"{path}: the PDF has no text layer, only images (a scan?): run OCR on it first "
            "or save its text as .txt (expected a PDF with text)"
        )
    _too_short(body, str(path), "too little text in the PDF")
    title = _clean(info.title) if info else None
    if not title:
        title = _clean(body.split("\n\n", 1)[0])
    created = info.creation_date if info else None
    language = None
    if isinstance(declared, str) and _LANGUAGE.match(declared):
        language = _LANGUAGE.match(declared).group(0).lower()  # type: ignore[union-attr]
    guessed = False
    if language is None:
        language, guessed = _guess_language(body), True
    return Article(
        text=_with_title(title, body),
        kind="pdf",
        title=title,
        published=created.date().isoformat() if created else None,
        credit=_clean(info.author) if info else None,
        language=language,
        language_guessed=guessed,
    )


def _reflow(lines: list[str]) -> list[str]:
    """PDF lines joined into paragraphs: a blank line (or a page end) ends
    one, and so does a line well short of the longest (a paragraph's last
    line, a heading)."""
    width = max((len(line.strip()) for line in lines), default=0)
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        current.append(stripped)
        if len(stripped) < 0.8 * width:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


# -- plain texts -----------------------------------------------------------------


def extract_text(text: str, where: str = "text") -> Article:
    """A press release or a copied article: the first line is its title; a
    date near the top is its publication date."""
    from htmldate import find_date

    lines = [line.strip() for line in text.splitlines()]
    filled = [line for line in lines if line]
    if not filled:
        raise ExtractionError(f"{where}: the file has only white space (expected an article)")
    title = filled[0][:300]
    head = "".join(f"<p>{html_escape.escape(line)}</p>" for line in filled[:8])
    published = find_date(
        f"<html><body>{head}</body></html>", extensive_search=True, original_date=True
    )
    body = "\n\n".join(
        " ".join(part.split()) for part in re.split(r"\n\s*\n", text.strip()) if part.strip()
    )
    _too_short(body, where, "too little text")
    return Article(
        text=body,
        kind="text",
        title=title,
        published=published,
        language=_guess_language(body),
        language_guessed=True,
    )
