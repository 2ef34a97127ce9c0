"""Load the records under ``data/``: parse, validate, resolve references,
verify citations, and hand out table rows.

Record types are loaded in dependency order (vocabularies, sites, monuments,
sources, events) so every reference can be checked against what came before,
and rows are handed out one file at a time so a large corpus never has to be
held in memory whole. Problems are collected, not raised, so one run reports
all of them; the caller decides what to do with the rows it already has.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dates import EdtfDate, EdtfError, parse_edtf
from ..folding import fold_for_search
from ..schema import MAX_TEXT_BYTES, OPTIONAL_VOCABULARIES, VOCABULARIES
from .data_files import (
    LINK,
    LINK_EXPECTED,
    RECORD_TABLES,
    NotAPlainFile,
    discover_files,
    read_data_file,
)
from .known_records import KnownRecords
from .problems import Problem, ProblemLog
from .quotes import find_quotes, misquote_report
from .safe_yaml import YamlError, YamlList, YamlMapping, decode_utf8, read_yaml_file
from .schema_check import field_name, line_of, validate_record

EDTF_EXAMPLES = "an EDTF date such as 2015-08-30, 2015-08, 2015, 2015-05/2016-03 or 2016-12-11?"

Rows = dict[str, list[dict[str, Any]]]


@dataclass
class LoadStats:
    files: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    citations_verified: int = 0
    citations_unverified: int = 0
    # Not problems: the build goes on (a quote found more than once).
    warnings: list[Problem] = field(default_factory=list)


def validate(data_dir: Path, on_file: Callable[[Path], None] | None = None) -> LoadStats:
    """Run every check the build runs; write nothing. Raises BuildError."""
    problems = ProblemLog()
    loader = RecordLoader(Path(data_dir), problems, on_file)
    for _ in loader.rows():
        pass
    problems.raise_if_any()
    return loader.stats


def names_columns(record: Any) -> dict[str, str]:
    """A site's or monument's names as stored: ``alternative_names`` and the
    names in other languages (``names``) as JSON, and ``search_names``, every
    name once as written and once folded (folding.py: Arabic vowel signs,
    tatweel, letter forms ...) where that differs, one a line, for full-text
    search (FTS5 takes vowel signs for word breaks)."""
    alternative = record.get("alternative_names") or []
    names = [{"name": n["name"], "language": n["language"]} for n in record.get("names") or []]
    every = [record["name"], *alternative, *(n["name"] for n in names)]
    search: list[str] = []
    for name in every:
        folded = fold_for_search(name)
        for form in (name, " ".join(folded.split()) if folded else None):
            if form and form not in search:
                search.append(form)
    return {
        "alternative_names": json.dumps(alternative, ensure_ascii=False),
        "names": json.dumps(names, ensure_ascii=False),
        "search_names": "\n".join(search),
    }


class RecordLoader:
    """Loads one data directory. Iterate ``rows()`` for the table rows.

    ``known`` is what the loader knows of other records: empty for a cold
    build, which loads them all; the previous build's records for an
    incremental one (previous_build_records.RecordsInPreviousBuild)."""

    def __init__(
        self,
        data_dir: Path,
        problems: ProblemLog,
        on_file: Callable[[Path], None] | None = None,
        known: KnownRecords | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.problems = problems
        self.on_file = on_file
        self.known = known if known is not None else KnownRecords()
        self.stats = LoadStats()
        # Record types with a file that could not be read: references to them
        # are not reported, since the missing ids are most likely in that file.
        self.unreadable: set[str] = set()
        # Vocabularies without a file: their terms are not reported one by one.
        self.missing_vocabularies: set[str] = set()
        self._loaders: dict[str, Callable[[Path], Rows]] = {
            "vocabulary": self._load_vocabulary,
            "site": self._load_site,
            "monument": self._load_monument,
            "source": self._load_source,
            "event": self._load_event,
        }

    def rows(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Yield (table, rows) batches, one or more per file, in load order."""
        if not self.data_dir.is_dir():
            self.problems.add(
                str(self.data_dir),
                1,
                "",
                "no such directory",
                "a data directory with sites/, monuments/, sources/, events/",
            )
            return
        links: list[str] = []
        files = discover_files(self.data_dir, links)
        for link in links:
            self.problems.add(link, 1, "", LINK, LINK_EXPECTED)
        vocab_files = {p.stem for t, p in files if t == "vocabulary"}
        for name in VOCABULARIES:
            if name not in vocab_files and name not in OPTIONAL_VOCABULARIES:
                self.problems.add(
                    str(self.data_dir / "vocabularies" / f"{name}.yml"),
                    1,
                    "",
                    "vocabulary file is missing",
                    f"a list of {name.replace('_', ' ')} terms",
                )
                self.missing_vocabularies.add(name)
        yield from self.load_files(files)

    def load_files(
        self, files: list[tuple[str, Path]]
    ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Load these files (record type, path), in this order; yield (table,
        rows) batches. (An incremental build loads only some files.)"""
        for record_type, path in files:
            self.stats.files += 1
            batch = self._loaders[record_type](path)
            if self.on_file:
                self.on_file(path)
            for table, rows in batch.items():
                if rows:
                    self.stats.rows[table] = self.stats.rows.get(table, 0) + len(rows)
                    yield table, rows

    # -- helpers -----------------------------------------------------------

    def _records(
        self, path: Path, record_type: str, namespace: str = ""
    ) -> Iterator[tuple[YamlMapping, bool]]:
        """The records of one file, their ids claimed: (record, valid).

        A record that breaks its schema is still handed out (``valid`` False)
        so that its references, terms, dates and quotes are checked in the
        same run; it gives no rows. ``namespace`` scopes ids: vocabulary ids
        are unique per vocabulary.
        """
        record_file = str(path)
        try:
            document, _ = read_yaml_file(record_file, record_file)
        except YamlError as error:
            self.problems.problems.append(error.problem)
            self.unreadable.add(record_type)
            return
        if document is None:
            return
        if not isinstance(document, YamlList):
            self.problems.add(
                record_file,
                getattr(document, "line", 1),
                "",
                "the file should be a list of records",
                "a YAML list: each record starts with '- id: ...'",
            )
            return
        for index, record in enumerate(document):
            if not isinstance(record, YamlMapping):
                self.problems.add(
                    record_file,
                    document.item_lines[index],
                    f"[{index}]",
                    "a record should be a mapping of fields",
                    "id: ..., name: ...",
                )
                continue
            errors = validate_record(record_type, record, record_file)
            if errors:
                self.problems.problems.extend(errors)
                # Claim a valid-looking id anyway, so references to this record
                # are not reported a second time as unknown.
                if isinstance(record.get("id"), str):
                    self._claim_id(record_type, record, record_file, namespace)
                yield record, False
                continue
            if self._claim_id(record_type, record, record_file, namespace):
                yield record, True

    def _claim_id(
        self, record_type: str, record: YamlMapping, record_file: str, namespace: str
    ) -> bool:
        key = namespace + record["id"]
        first = self.known.definition(record_type, key)
        if first is not None:
            first_file, first_line = first
            self.problems.add(
                record_file,
                line_of(record, ["id"]),
                "id",
                f"duplicate id {record['id']!r} (first defined at {first_file}:{first_line})",
                "ids unique per record type",
            )
            return False
        self.known.define(record_type, key, record_file, record.line)
        return True

    def _check_ref(
        self,
        record_file: str,
        record: YamlMapping,
        path: list[Any],
        value: Any,
        table: str,
        what: str,
        where: str,
    ) -> bool:
        """Whether ``value`` (at ``path`` in the record) is the id of a valid
        record of ``table``; if not, report it unless it is reported elsewhere."""
        if not isinstance(value, str):
            return False  # missing or of the wrong type: the schema check reports it
        if self.known.is_valid(table, value):
            return True
        ref_type = _RECORD_TYPE_OF_TABLE.get(table, "vocabulary")
        key = value if ref_type != "vocabulary" else f"{table}:{value}"
        if ref_type in self.unreadable or self.known.definition(ref_type, key) is not None:
            return False  # defined but broken, or maybe in an unreadable file: reported there
        if table in self.missing_vocabularies:
            return False  # the missing file is reported
        known = self.known.valid_ids(table)
        guess = difflib.get_close_matches(str(value), known, n=1) if len(known) < 50000 else []
        hint = f"; did you mean {guess[0]!r}?" if guess else ""
        self.problems.add(
            record_file,
            line_of(record, path),
            field_name(path),
            f"unknown {what} {value!r}{hint}",
            f"the id of a {what} in {where}",
        )
        return False

    def _date(self, record_file: str, record: YamlMapping, key: str) -> EdtfDate | None:
        value = record.get(key)
        if value is None or isinstance(value, bool) or not isinstance(value, (str, int)):
            return None  # missing or of the wrong type: the schema check reports it
        try:
            return parse_edtf(str(value))
        except EdtfError as error:
            self.problems.add(record_file, line_of(record, [key]), key, str(error), EDTF_EXAMPLES)
            return None

    # -- record types ------------------------------------------------------

    def _load_vocabulary(self, path: Path) -> Rows:
        name = path.stem
        if name not in VOCABULARIES:
            self.problems.add(
                str(path),
                1,
                "",
                f"unknown vocabulary {name!r}",
                "a file named for one of: " + ", ".join(VOCABULARIES),
            )
            return {}
        rows = []
        for record, valid in self._records(path, "vocabulary", namespace=name + ":"):
            if not valid:
                continue
            if name == "damage_levels":
                self._rank_damage_level(str(path), record)
            self.known.add_term(name, record["id"])
            rows.append(
                {
                    "id": record["id"],
                    "label": record["label"],
                    "description": record["description"],
                    "rank": record.get("rank"),
                }
            )
        return {name: rows}

    def _rank_damage_level(self, record_file: str, record: YamlMapping) -> None:
        rank = record.get("rank")
        if rank is None:
            self.problems.add(
                record_file,
                record.line,
                "rank",
                "missing: damage levels are ordered by rank",
                "a whole number, 1 for the most severe",
            )
            return
        holder = self.known.damage_level_ranked(rank)
        if holder is not None:
            self.problems.add(
                record_file,
                line_of(record, ["rank"]),
                "rank",
                f"rank {rank} is already used by {holder!r}",
                "a different rank for each damage level",
            )
            return
        self.known.rank_damage_level(rank, record["id"])

    def _load_site(self, path: Path) -> Rows:
        rows = []
        for r, valid in self._records(path, "site"):
            if not valid:
                continue
            self.known.add_site(r["id"])
            if not self._located(str(path), r):
                continue
            rows.append(
                {
                    "id": r["id"],
                    "name": r["name"],
                    **names_columns(r),
                    "country": r["country"],
                    "latitude": r.get("latitude"),
                    "longitude": r.get("longitude"),
                    "coordinates_precision": r.get("coordinates_precision"),
                    "wikidata": r.get("wikidata"),
                    "unesco_whc_id": r.get("unesco_whc_id"),
                    "description": r.get("description"),
                    "record_file": str(path),
                    "record_line": r.line,
                }
            )
        return {"sites": rows}

    def _located(self, record_file: str, record: Any) -> bool:
        """Whether a precision comes with coordinates to be precise about."""
        if record.get("coordinates_precision") is None:
            return True
        if record.get("latitude") is not None and record.get("longitude") is not None:
            return True
        self.problems.add(
            record_file,
            line_of(record, ["coordinates_precision"]),
            "coordinates_precision",
            "given without latitude and longitude",
            "latitude and longitude beside it, or no coordinates_precision",
        )
        return False

    def _load_monument(self, path: Path) -> Rows:
        rows = []
        record_file = str(path)
        for r, valid in self._records(path, "monument"):
            ok = self._check_ref(
                record_file, r, ["site_id"], r.get("site_id"), "sites", "site", "data/sites/"
            )
            ok &= self._check_ref(
                record_file,
                r,
                ["type"],
                r.get("type"),
                "monument_types",
                "monument type",
                "data/vocabularies/monument_types.yml",
            )
            if not ok or not valid:
                continue
            self.known.add_monument(r["id"], r["site_id"])
            if not self._located(record_file, r):
                continue
            rows.append(
                {
                    "id": r["id"],
                    "site_id": r["site_id"],
                    "name": r["name"],
                    **names_columns(r),
                    "type": r["type"],
                    "period": r.get("period"),
                    "latitude": r.get("latitude"),
                    "longitude": r.get("longitude"),
                    "coordinates_precision": r.get("coordinates_precision"),
                    "wikidata": r.get("wikidata"),
                    "description": r.get("description"),
                    "condition": None,
                    "record_file": record_file,
                    "record_line": r.line,
                }
            )
        return {"monuments": rows}

    def _load_source(self, path: Path) -> Rows:
        rows = []
        record_file = str(path)
        for r, valid in self._records(path, "source"):
            published = self._date(record_file, r, "published")
            ok = self._day(record_file, r, "accessed")
            ok &= r.get("source_type") is None or self._check_ref(
                record_file,
                r,
                ["source_type"],
                r.get("source_type"),
                "source_types",
                "source type",
                "data/vocabularies/source_types.yml",
            )
            if not valid:
                continue  # its text_file is not read: the name may not be safe
            text = None
            if r.get("text_file"):
                text = self._read_text(path.parent / r["text_file"], record_file, r)
                if text is None:
                    continue
            elif r.get("text_sha256"):
                self.problems.add(
                    record_file,
                    line_of(r, ["text_sha256"]),
                    "text_sha256",
                    "there is no text_file to check it against",
                    "a text_file beside it, or no text_sha256",
                )
                ok = False
            # A source whose text is not checked is still known to the events
            # citing it, so they are not reported a second time.
            self.known.add_source(r["id"], text)
            if not ok:
                continue
            rows.append(
                {
                    "id": r["id"],
                    "title": r["title"],
                    "publisher": r.get("publisher"),
                    "credit": r.get("credit"),
                    "photo_credits": json.dumps(r.get("photo_credits") or [], ensure_ascii=False),
                    "source_type": r.get("source_type"),
                    "published": published.text if published else None,
                    "published_start": published.start if published else None,
                    "published_end": published.end if published else None,
                    "published_precision": published.precision if published else None,
                    "published_note": r.get("published_note"),
                    "url": r.get("url"),
                    "archive_url": r.get("archive_url"),
                    "accessed": r.get("accessed"),
                    "language": r["language"],
                    "text": text,
                    "text_file": r.get("text_file"),
                    "text_sha256": r.get("text_sha256"),
                    "record_file": record_file,
                    "record_line": r.line,
                }
            )
        return {"sources": rows}

    def _day(self, record_file: str, record: YamlMapping, key: str) -> bool:
        """Whether a YYYY-MM-DD field is a real day."""
        value = record.get(key)
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return True  # missing, or not of that form: the schema check reports it
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            self.problems.add(
                record_file,
                line_of(record, [key]),
                key,
                f"{value!r} is not a day of the calendar",
                "a day as YYYY-MM-DD, e.g. 2016-12-11",
            )
            return False
        return True

    def _read_text(self, text_path: Path, record_file: str, record: YamlMapping) -> str | None:
        try:
            raw = read_data_file(text_path, MAX_TEXT_BYTES)
        except NotAPlainFile as refused:
            self.problems.add(
                record_file,
                line_of(record, ["text_file"]),
                "text_file",
                f"{text_path} {refused.message}",
                refused.expected,
            )
            return None
        except OSError:
            self.problems.add(
                record_file,
                line_of(record, ["text_file"]),
                "text_file",
                f"no file {text_path}",
                "the source's text as a UTF-8 file beside this YAML file",
            )
            return None
        expected = record.get("text_sha256")
        if expected:
            actual = hashlib.sha256(raw).hexdigest()
            if actual != expected:
                self.problems.add(
                    record_file,
                    line_of(record, ["text_sha256"]),
                    "text_sha256",
                    f"{text_path} has SHA-256 {actual}, not the one "
                    "recorded: the text changed since",
                    "the recorded SHA-256: restore the text, or record the new copy's "
                    "SHA-256 if it is the right one",
                )
                return None
        try:
            return decode_utf8(raw, str(text_path))
        except YamlError as error:
            self.problems.problems.append(error.problem)
            return None

    def _warn_repeated(
        self, record_file: str, r: YamlMapping, path: list[Any], sid: str, text: str, quote: str
    ) -> None:
        """A quote that occurs more than once in its source: the first place is
        stored and highlighted, and the editor is told (not stopped: the words
        are verified, and a sentence repeated word for word, a headline in the
        body, cannot always be told apart by quoting more)."""
        places = find_quotes(quote, text, 10)
        where = ", ".join(str(start) for start, _ in places[:3])
        more = "" if len(places) < 10 else " and more"
        self.stats.warnings.append(
            Problem(
                record_file,
                line_of(r, path + ["quote"]),
                field_name(path + ["quote"]),
                f"warning: occurs {len(places)}{'+' if more else ''} times in the text of "
                f"source {sid!r} "
                f"(at characters {where}{more}); the first is highlighted",
                "a passage that occurs once: quote a few more words if that tells them apart",
            )
        )

    def _load_event(self, path: Path) -> Rows:
        events, links, citations = [], [], []
        record_file = str(path)
        for r, valid in self._records(path, "event"):
            site_known = self._check_ref(
                record_file, r, ["site_id"], r.get("site_id"), "sites", "site", "data/sites/"
            )
            ok = site_known and valid
            ok &= self._check_ref(
                record_file,
                r,
                ["kind"],
                r.get("kind"),
                "event_kinds",
                "event kind",
                "data/vocabularies/event_kinds.yml",
            )
            date = self._date(record_file, r, "date")
            event_links = self._event_monuments(record_file, r, site_known)
            event_citations = self._event_citations(record_file, r)
            if not ok or date is None or event_links is None or event_citations is None:
                continue
            supporting, disputing = _distinct_sources(event_citations)
            events.append(
                {
                    "id": r["id"],
                    "kind": r["kind"],
                    "title": r["title"],
                    "date": date.text,
                    "date_start": date.start,
                    "date_end": date.end,
                    "date_precision": date.precision,
                    "date_uncertain": int(date.uncertain),
                    "date_approximate": int(date.approximate),
                    "date_interval": int(date.interval),
                    "date_note": r.get("date_note"),
                    "site_id": r["site_id"],
                    "summary": r.get("summary"),
                    # An event is contested as soon as one citation disputes it.
                    "contested": int(disputing > 0),
                    "supporting_sources": supporting,
                    "disputing_sources": disputing,
                    "record_file": record_file,
                    "record_line": r.line,
                }
            )
            links.extend(event_links)
            citations.extend(event_citations)
        return {"events": events, "event_monuments": links, "citations": citations}

    def _event_monuments(
        self, record_file: str, r: YamlMapping, site_known: bool = True
    ) -> list[dict[str, Any]] | None:
        rows = []
        ok = True
        seen: set[str] = set()
        for i, m in _items(r.get("monuments")):
            path: list[Any] = ["monuments", i]
            mid = m.get("monument_id")
            known = self._check_ref(
                record_file,
                r,
                path + ["monument_id"],
                mid,
                "monuments",
                "monument",
                "data/monuments/",
            )
            # An unknown monument does not hide the terms beside it.
            ok &= known
            if known and mid in seen:
                self.problems.add(
                    record_file,
                    line_of(r, path + ["monument_id"]),
                    field_name(path + ["monument_id"]),
                    f"monument {mid!r} is listed twice",
                    "each monument once per event",
                )
                ok = False
            if known:
                seen.add(mid)
            # Against an unknown event site every monument would differ: the
            # site is reported, not each monument.
            if (
                known
                and site_known
                and (monument_site := self.known.site_of_monument(mid)) != r["site_id"]
            ):
                self.problems.add(
                    record_file,
                    line_of(r, path + ["monument_id"]),
                    field_name(path + ["monument_id"]),
                    f"monument {mid!r} is at site {monument_site!r}, "
                    f"not the event's site {r['site_id']!r}",
                    "monuments of the event's site",
                )
                ok = False
            for key, vocabulary in (("damage_level", "damage_levels"), ("cause", "causes")):
                if m.get(key) is not None:
                    ok &= self._check_ref(
                        record_file,
                        r,
                        path + [key],
                        m[key],
                        vocabulary,
                        key.replace("_", " "),
                        f"data/vocabularies/{vocabulary}.yml",
                    )
            rows.append(
                {
                    "event_id": r.get("id"),
                    "monument_id": mid,
                    "damage_level": m.get("damage_level"),
                    "cause": m.get("cause"),
                }
            )
        return rows if ok else None

    def _event_citations(self, record_file: str, r: YamlMapping) -> list[dict[str, Any]] | None:
        rows = []
        ok = True
        for i, c in _items(r.get("citations")):
            path: list[Any] = ["citations", i]
            sid = c.get("source_id")
            if not self._check_ref(
                record_file, r, path + ["source_id"], sid, "sources", "source", "data/sources/"
            ):
                ok = False
                continue
            text = self.known.text_of_source(sid)
            start = end = None
            if not isinstance(c.get("quote"), str) or not c["quote"].strip():
                ok = False  # the schema check reports it
                continue
            if text is not None:
                # Two are enough to know the first is not the only one.
                places = find_quotes(c["quote"], text, 2)
                found = places[0] if places else None
                if len(places) > 1:
                    self._warn_repeated(record_file, r, path, sid, text, c["quote"])
                if found is None:
                    self.problems.add(
                        record_file,
                        line_of(r, path + ["quote"]),
                        field_name(path + ["quote"]),
                        f"not found in the text of source {sid!r}; "
                        + misquote_report(c["quote"], text),
                        "a passage of the source's text, word for word",
                    )
                    ok = False
                    continue
                start, end = found
                self.stats.citations_verified += 1
            else:
                self.stats.citations_unverified += 1
            rows.append(
                {
                    "id": f"{r.get('id')}-{i + 1}",
                    "event_id": r.get("id"),
                    "source_id": sid,
                    "quote": c["quote"],
                    "translation": c.get("translation"),
                    "quote_start": start,
                    "quote_end": end,
                    "verified": int(text is not None),
                    "claimant": c.get("claimant"),
                    "stance": c.get("stance"),
                    "identification": c.get("identification"),
                    "note": c.get("note"),
                    "record_file": record_file,
                    # The citation's own line, as line_of(r, path) finds it.
                    "record_line": getattr(c, "line", None) or line_of(r, path),
                }
            )
        return rows if ok else None


def _distinct_sources(citations: list[dict[str, Any]]) -> tuple[int, int]:
    """How many distinct sources support an event, and how many dispute it:
    an event's citations are all in its record, so its counts are known here."""
    supporting = {c["source_id"] for c in citations if c["stance"] == "supports"}
    disputing = {c["source_id"] for c in citations if c["stance"] == "disputes"}
    return len(supporting), len(disputing)


def _items(value: Any) -> Iterator[tuple[int, Any]]:
    """(index, item) for the mappings of a list field; anything else (not a
    list, an item that is not a mapping) is the schema check's to report."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


_RECORD_TYPE_OF_TABLE = {table: record_type for record_type, table in RECORD_TABLES.items()}
