"""Article extraction on the saved pages of tests/fixtures/articles (and a
PDF written by tests/pdf_files.py): for each extractor, the share of the
article's paragraphs it keeps, the boilerplate lines it lets into the text
(navigation, cookie banners, ads, related links, comments, scripts) and the
metadata fields it gets right (title, published, credit, publisher, url,
language), with its CPU time.

Extractors: add-source's own (datasette_heritage.editor.extract: trafilatura
with favor_precision, plus metadata), trafilatura with its defaults, and, if
installed, readability-lxml and jusText (not dependencies of the project:
`pip install readability-lxml` to compare).

Usage: python benchmarks/extraction_quality.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datasette_heritage.build.quotes import normalise  # noqa: E402

ARTICLES = ROOT / "tests" / "fixtures" / "articles"
FIELDS = ("title", "published", "credit", "publisher", "url", "language")


def cases(workdir: Path) -> list[tuple[str, Path, dict]]:
    import yaml

    found = []
    for expected in sorted(ARTICLES.glob("*.expected.yml")):
        name = expected.name.removesuffix(".expected.yml")
        page = next(p for p in ARTICLES.glob(name + ".*") if not p.name.endswith(".yml"))
        found.append((name, page, yaml.safe_load(expected.read_text(encoding="utf-8"))))
    try:
        from tests import pdf_files
    except ImportError:  # fpdf2 not installed: no PDF case
        return found
    pdf = pdf_files.report_pdf(workdir / "report.pdf")
    found.append(
        (
            "report-pdf",
            pdf,
            {
                "paragraphs": pdf_files.REPORT_PARAGRAPHS,
                "boilerplate": [],
                "metadata": {
                    "title": pdf_files.REPORT_TITLE,
                    "published": pdf_files.REPORT_DATE.date().isoformat(),
                    "credit": pdf_files.REPORT_AUTHOR,
                    "publisher": None,
                    "url": None,
                    "language": "en",
                },
            },
        )
    )
    return found


def ours(path: Path) -> tuple[str, dict]:
    from datasette_heritage.editor.extract import extract

    article = extract(path)
    return article.text, {name: getattr(article, name) for name in FIELDS}


def trafilatura_default(path: Path) -> tuple[str, dict]:
    import trafilatura

    if path.suffix != ".html":
        return ours(path)[0], {}
    document = trafilatura.bare_extraction(path.read_bytes(), with_metadata=True)
    if document is None:
        return "", {}
    return document.text or "", {
        "title": document.title,
        "published": document.date,
        "credit": document.author,
        "publisher": document.sitename,
        "url": document.url,
        "language": document.language,
    }


def readability(path: Path) -> tuple[str, dict]:
    from lxml import html
    from readability import Document

    if path.suffix != ".html":
        return ours(path)[0], {}
    document = Document(path.read_text(encoding="utf-8"))
    text = html.fromstring(document.summary()).text_content()
    return text, {"title": document.short_title()}


def justext_only(path: Path) -> tuple[str, dict]:
    import justext

    if path.suffix != ".html":
        return ours(path)[0], {}
    page = path.read_text(encoding="utf-8")
    # jusText needs the language's stop words: English for all but Arabic.
    language = "Arabic" if 'lang="ar"' in page else "English"
    paragraphs = justext.justext(page, justext.get_stoplist(language))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate), {}


EXTRACTORS: dict[str, Callable[[Path], tuple[str, dict]]] = {
    "add-source (trafilatura, precision)": ours,
    "trafilatura defaults": trafilatura_default,
    "readability-lxml": readability,
    "jusText": justext_only,
}


def score(text: str, metadata: dict, expected: dict) -> dict:
    folded = normalise(text)
    paragraphs = expected["paragraphs"]
    kept = sum(normalise(p) in folded for p in paragraphs)
    leaked = [b for b in expected["boilerplate"] if normalise(b) in folded]
    wanted = expected["metadata"]
    found = sum(
        1
        for name in FIELDS
        if wanted.get(name) is not None and str(metadata.get(name) or "") == str(wanted[name])
    )
    return {
        "paragraphs": len(paragraphs),
        "kept": kept,
        "leaked": leaked,
        "fields": sum(1 for name in FIELDS if wanted.get(name) is not None),
        "fields_found": found,
    }


def main() -> None:
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as workdir:
        all_cases = cases(Path(workdir))
        for name, extractor in EXTRACTORS.items():
            try:
                for _, path, _ in all_cases:  # imports and models loaded before timing
                    try:
                        extractor(path)
                    except ImportError:
                        raise
                    except Exception:
                        pass
            except ImportError:
                print(f"{name}: not installed, skipped")
                continue
            totals = {"paragraphs": 0, "kept": 0, "leaked": 0, "fields": 0, "fields_found": 0}
            leaks: list[str] = []
            started = time.process_time()
            for case, path, expected in all_cases:
                try:
                    text, metadata = extractor(path)
                except Exception as error:
                    text, metadata = "", {}
                    print(f"  {name} on {case}: {type(error).__name__}: {error}")
                got = score(text, metadata, expected)
                for key in ("paragraphs", "kept", "fields", "fields_found"):
                    totals[key] += got[key]
                totals["leaked"] += len(got["leaked"])
                leaks.extend(f"{case}: {line}" for line in got["leaked"])
            totals["cpu_seconds"] = round(time.process_time() - started, 3)
            totals["leaks"] = leaks
            results[name] = totals
    print(f"{len(all_cases)} articles: " + ", ".join(case for case, _, _ in all_cases))
    print(
        f"{'extractor':<38} {'paragraphs kept':>16} {'boilerplate leaked':>19} "
        f"{'metadata found':>15} {'CPU s':>7}"
    )
    for name, t in results.items():
        share = t["kept"] / t["paragraphs"] if t["paragraphs"] else 0
        print(
            f"{name:<38} {t['kept']:>4}/{t['paragraphs']:<4} {share:>6.0%} "
            f"{t['leaked']:>19} {t['fields_found']:>7}/{t['fields']:<7} {t['cpu_seconds']:>7.3f}"
        )
        for leak in t["leaks"]:
            print(f"    leaked: {leak}")
    print(
        json.dumps(
            {name: {k: v for k, v in t.items() if k != "leaks"} for name, t in results.items()}
        )
    )


if __name__ == "__main__":
    main()
