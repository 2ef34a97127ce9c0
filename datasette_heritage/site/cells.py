"""How Datasette's table, row and query pages show heritage cells.

- Vocabulary terms (damage level, condition, cause, kind, monument type,
  stance, identification) as labelled badges, the vocabulary's description
  as their tooltip; an expanded foreign key keeps its link to the term's row.
- URLs in a ``url`` column as links (http/https only, rel="nofollow
  noopener"); Wikidata ids as links to Wikidata.
- A citation's quote links to its highlighted passage on the source page.
- Monument, event and source ids link to their row and to their heritage
  page; on the monuments, events and sources tables, whose id column is
  Datasette's own row link (not a render_cell cell), the name/title links to
  the heritage page instead.

Only databases with the heritage schema are touched, and only values the
vocabulary knows become badges; any other cell is left to Datasette (None).
Vocabulary labels are read once per database and cached.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

from datasette.utils import tilde_encode
from markupsafe import Markup

from ..schema import REQUIRED_TABLES, VOCABULARIES
from . import badges, urls
from .which_database import PLUGIN_NAME

# column -> vocabulary table; "type" only on tables whose type is a monument type
VOCABULARY_COLUMNS = {
    "damage_level": "damage_levels",
    "condition": "damage_levels",
    "cause": "causes",
    "kind": "event_kinds",
    "event_kind": "event_kinds",
    "type": "monument_types",
    "source_type": "source_types",
}
TYPE_TABLES = {"monuments", "monument_damage", None}
# Fixed terms of the citations schema (no vocabulary table).
FIXED_TERMS = {
    "stance": {
        "supports": ("supports", "The passage supports the event."),
        "disputes": ("disputes", "The passage disputes the event: the event is contested."),
    },
    "identification": {
        "explicit": ("explicit", "The passage names what the event is about."),
        "inferred": (
            "inferred",
            "Tying the passage to this event is the editor's inference; the note says why.",
        ),
    },
}
# record table -> (its id column in views and queries, label column, link title)
RECORDS = {
    "monuments": ("monument_id", "name", "Monument page"),
    "events": ("event_id", "title", "Event page"),
    "sources": ("source_id", "title", "Source page"),
}
REFERENCE_COLUMNS = {ref: table for table, (ref, _, _) in RECORDS.items()}
WIKIDATA = re.compile(r"Q[1-9][0-9]*\Z")

# vocabulary -> id -> (label, description, rank)
Terms = dict[str, dict[str, tuple[str, str, int | None]]]
_cache: weakref.WeakKeyDictionary[Any, Terms | None] = weakref.WeakKeyDictionary()


async def _load_terms(db) -> Terms | None:
    """The vocabularies of a heritage database; None for any other database."""
    if not REQUIRED_TABLES | set(VOCABULARIES) <= set(await db.table_names()):
        return None
    terms: Terms = {}
    for vocabulary in VOCABULARIES:
        rows = await db.execute(f"select id, label, description, rank from [{vocabulary}]")
        terms[vocabulary] = {r[0]: (r[1] or r[0], r[2] or "", r[3]) for r in rows.rows}
    return terms


def _get(row: Any, key: str) -> Any:
    try:
        value = row[key]
    except (IndexError, KeyError, TypeError):
        return None
    return value["value"] if isinstance(value, dict) else value


def _truncate(datasette, text: str) -> str:
    limit = datasette.setting("truncate_cells_html")
    return text[:limit] + "\u2026" if limit and len(text) > limit else text


def _page_link(href: str, title: str) -> Markup:
    return Markup(' <a class="heritage-page-link" href="{}" title="{}">page</a>').format(
        href, title
    )


def _render(
    datasette, database: str, terms: Terms, row: Any, value: Any, column: str, table: str | None
) -> Markup | None:
    raw = value["value"] if isinstance(value, dict) else value
    if raw is None or raw == "":
        return None

    vocabulary = VOCABULARY_COLUMNS.get(column)
    if vocabulary and (column != "type" or table in TYPE_TABLES):
        term = terms[vocabulary].get(raw)
        if term is None:
            return None
        href = None
        if isinstance(value, dict):  # keep the foreign key's link to the term's row
            href = datasette.urls.row(database, vocabulary, tilde_encode(str(raw)))
        return badges.term_badge(vocabulary, raw, term[0], term[2], term[1], href)

    if column in FIXED_TERMS:
        term = FIXED_TERMS[column].get(raw)
        return badges.term_badge(column, raw, term[0], title=term[1]) if term else None

    if column == "url":
        text = str(raw).strip()
        if text.startswith(("http://", "https://")) and not re.search(r"\s", text):
            return Markup('<a href="{}" rel="nofollow noopener">{}</a>').format(
                text, _truncate(datasette, text)
            )
        return None

    if column == "wikidata" and WIKIDATA.match(str(raw)):
        return Markup(
            '<a href="https://www.wikidata.org/wiki/{0}" rel="nofollow noopener">{0}</a>'
        ).format(raw)

    if column == "quote":
        citation_id = _get(row, "citation_id") or (
            _get(row, "id") if table in ("citations", None) else None
        )
        source_id = _get(row, "source_id")
        if citation_id is None or source_id is None:
            return None
        return Markup('<a class="heritage-quote-link" href="{}">{}</a>').format(
            urls.citation_url(datasette, str(source_id), str(citation_id)),
            _truncate(datasette, str(raw)),
        )

    record = table if column == "id" and table in RECORDS else REFERENCE_COLUMNS.get(column)
    if record:
        title = RECORDS[record][2]
        row_url = datasette.urls.row(database, record, tilde_encode(str(raw)))
        if isinstance(value, dict) and value.get("label") not in (None, raw):
            link = Markup('<a href="{}">{}</a>&nbsp;<em>{}</em>').format(
                row_url, value["label"], raw
            )
        else:
            link = Markup('<a href="{}">{}</a>').format(row_url, raw)
        return link + _page_link(urls.heritage_url_for(datasette, record, str(raw)), title)

    if table in RECORDS and column == RECORDS[table][1]:
        record_id = _get(row, "id")
        if record_id is None:
            return None
        return Markup('<a class="heritage-page" href="{}">{}</a>').format(
            urls.heritage_url_for(datasette, table, str(record_id)), _truncate(datasette, str(raw))
        )
    return None


HANDLED = (
    set(VOCABULARY_COLUMNS)
    | set(FIXED_TERMS)
    | set(REFERENCE_COLUMNS)
    | {"url", "wikidata", "quote", "id", "name", "title"}
)


def render_cell(datasette, database: str, row: Any, value: Any, column: str, table: str | None):
    """Markup for a heritage cell, None for any other; a coroutine the first
    time a database is seen (its vocabularies are read then)."""
    if column not in HANDLED or value is None:
        return None
    db = datasette.databases.get(database)
    if db is None:
        return None
    if db in _cache:
        terms = _cache[db]
        return (
            None
            if terms is None
            else _render(datasette, database, terms, row, value, column, table)
        )

    async def first() -> Markup | None:
        if db not in _cache:
            _cache[db] = await _load_terms(db)
        terms = _cache[db]
        return (
            None
            if terms is None
            else _render(datasette, database, terms, row, value, column, table)
        )

    return first()


def css_urls(datasette, view_name: str) -> list[str]:
    """heritage.css on Datasette's own pages, for the badges above."""
    if view_name not in ("table", "row", "database", "query"):
        return []
    return [datasette.urls.static_plugins(PLUGIN_NAME, "heritage.css")]
