"""Add a source to ``data/sources/`` from a saved article: its text in
``<id>.txt`` and its record in ``<id>.yml``, with an id made of its date and
headline (the editors' guide's convention). Never overwrites a file, and
refuses an article whose text is already a source."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..build.quotes import normalise
from ..build.safe_yaml import YamlError, read_yaml_file
from .extract import Article, extract
from .sources_folder import EditorError, SourceFile, source_files, sources_dir

# Words of the headline kept in an id, and the most characters they take.
ID_WORDS = 8
ID_WORD_CHARS = 60


@dataclass
class Facts:
    """What add-source knows beside the article: the day the file was saved
    (its date on disk), the hash of the stored text, the source types."""

    accessed: str
    text_sha256: str
    source_types: list[str]


@dataclass
class AddedSource:
    id: str
    record_file: Path
    text_file: Path
    article: Article


def add_source(file: Path, data_dir: Path) -> AddedSource:
    """Extract ``file`` and write its source files under data_dir/sources/.
    Raises EditorError (one line to show) and writes nothing on any problem."""
    folder = sources_dir(data_dir)
    if not Path(data_dir).is_dir():
        raise EditorError(
            f"{data_dir}: no such folder (expected a data directory; give it with --data)"
        )
    article = extract(file)
    existing = list(source_files(data_dir))
    same = _same_text(article.text, existing)
    if same is not None:
        raise EditorError(
            f"{file}: this article is already source {same.id!r} ({same.record_file}); "
            "nothing was written (expected a new article)"
        )
    taken = {source.id for source in existing}
    folder.mkdir(parents=True, exist_ok=True)
    source_id = unique_id(make_id(article.published, article.title), taken, folder)
    text_file = folder / f"{source_id}.txt"
    record_file = folder / f"{source_id}.yml"
    text_bytes = (article.text + "\n").encode("utf-8")
    facts = Facts(
        accessed=datetime.date.fromtimestamp(Path(file).stat().st_mtime).isoformat(),
        text_sha256=hashlib.sha256(text_bytes).hexdigest(),
        source_types=_vocabulary_ids(data_dir, "source_types"),
    )
    # "x": never replace a file, even one created since the id was chosen.
    with open(text_file, "xb") as out:
        out.write(text_bytes)
    try:
        with open(record_file, "x", encoding="utf-8") as out:
            out.write(
                source_yaml(source_id, article, text_file.name, facts, _schema_hint(data_dir))
            )
    except BaseException:
        text_file.unlink()
        raise
    return AddedSource(source_id, record_file, text_file, article)


def _same_text(text: str, existing: list[SourceFile]) -> SourceFile | None:
    """The existing source whose stored text is this text (white space,
    quotation marks and dashes folded as quotes are), if any."""
    wanted = normalise(text)
    for source in existing:
        if source.text_file is None or not source.text_file.is_file():
            continue
        try:
            if source.text_file.stat().st_size < len(wanted) // 2:
                continue  # far too short to be the same text
            if normalise(source.text_file.read_text(encoding="utf-8", errors="replace")) == wanted:
                return source
        except OSError:
            continue
    return None


def make_id(published: str | None, title: str | None) -> str:
    """``<date>-<headline words>``: lower-case ASCII letters, digits and
    hyphens (a headline in another script is transliterated)."""
    from anyascii import anyascii

    words = re.findall(r"[a-z0-9]+", anyascii(title or "").lower())
    kept: list[str] = []
    for word in words[:ID_WORDS]:
        if kept and len("-".join(kept + [word])) > ID_WORD_CHARS:
            break
        kept.append(word[:ID_WORD_CHARS])
    date = published if published and re.fullmatch(r"\d{4}-\d{2}-\d{2}", published) else "undated"
    return "-".join([date] + (kept or ["source"]))


def unique_id(wanted: str, taken: set[str], folder: Path) -> str:
    candidate, number = wanted, 1
    while (
        candidate in taken
        or (folder / f"{candidate}.yml").exists()
        or (folder / f"{candidate}.txt").exists()
    ):
        number += 1
        candidate = f"{wanted}-{number}"
    return candidate


def _vocabulary_ids(data_dir: Path, name: str) -> list[str]:
    path = Path(data_dir) / "vocabularies" / f"{name}.yml"
    try:
        document, _ = read_yaml_file(str(path), str(path))
    except YamlError:
        return []
    return [r["id"] for r in document or [] if isinstance(r, dict) and isinstance(r.get("id"), str)]


def _schema_hint(data_dir: Path) -> str | None:
    schema = Path(data_dir).resolve().parent / "datasette_heritage/schemas/source.schema.json"
    return "../../datasette_heritage/schemas/source.schema.json" if schema.is_file() else None


def _scalar(value: str | None) -> str:
    # A JSON string is a YAML double-quoted scalar: any text stays intact.
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


FIELD_HELP = {
    "title": "the headline as printed",
    "publisher": "the outlet, only when the article names it",
    "credit": "the byline or agency line as printed, e.g. Reuters/AP",
    "published": "EDTF, e.g. 2016-12-11, or 2016-12-11? when inferred (say how in published_note)",
    "url": "only an address you have; never a guessed one",
    "language": "a language tag such as en or ar",
}


def source_yaml(
    source_id: str, article: Article, text_name: str, facts: Facts, schema: str | None
) -> str:
    """The source record, with a comment on each field the file did not give."""

    def line(name: str, value: str, comment: str = "") -> str:
        return f"  {name}: {value}" + (f"  # {comment}" if comment else "") + "\n"

    def field(name: str) -> str:
        value = getattr(article, name)
        if value is None:
            return line(name, "null", f"not in the file; {FIELD_HELP[name]}")
        if name == "language" and article.language_guessed:
            return line(name, value, "guessed from the text; check it")
        if name == "published":
            return line(name, value, f"from the {article.kind}'s metadata or text; check it")
        return line(name, _scalar(value))

    out = f"# yaml-language-server: $schema={schema}\n" if schema else ""
    out += f"- id: {source_id}\n"
    out += field("title") if article.title else line("title", '""', FIELD_HELP["title"])
    out += field("publisher") + field("credit")
    kinds = ", ".join(facts.source_types) or "see data/vocabularies/source_types.yml"
    out += line("source_type", "null", f"what kind of source: one of {kinds}")
    out += field("published")
    out += line("published_note", "null")
    out += field("url")
    out += line("archive_url", "null", "an archived copy's address, if you have one")
    out += line("accessed", facts.accessed, "the day the file was saved (its date on disk)")
    out += field("language")
    out += line("text_file", text_name)
    out += line("text_sha256", facts.text_sha256)
    return out
