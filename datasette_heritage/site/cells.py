"""How Datasette's table, row and query pages show heritage cells.

- Vocabulary terms (damage level, condition, cause, kind, monument type,
  stance, identification) as labelled badges, the vocabulary's description
  as their tooltip; an expanded foreign key keeps its link to the term's row.
- Flags (contested, verified, the date qualifiers) as badges.
- EDTF dates in words ("10 December 2016? – 11 December 2016?"), the EDTF as
  written on hover.
- JSON arrays of names (alternative_names) as lists.
- Long text (an article, a note, a summary) cut to an excerpt, with a link
  to the whole: the source page for an article's text, else the row page of
  the record that holds it. Row pages show the whole value; CSV and JSON
  always carry it (render_cell only shapes HTML).
- URLs in a ``url`` column as links (http/https only, rel="nofollow
  noopener"); Wikidata ids as links to Wikidata.
- A citation's quote links to its highlighted passage on the source page.
- Site, monument, event, source and citation ids link to their row and to
  their heritage page; on the record tables, whose id column is Datasette's
  own row link (not a render_cell cell), the name/title links to the
  heritage page instead.

Only databases with the heritage schema are touched, and only values the
vocabulary knows become badges; any other cell is left to Datasette (None).
Vocabulary labels are read once per database and cached.
"""

from __future__ import annotations

import json
import re
import weakref
from contextvars import ContextVar
from typing import Any

from datasette.utils import tilde_encode
from markupsafe import Markup

from ..schema import COORDINATE_PRECISIONS, REQUIRED_TABLES, VOCABULARIES
from . import badges, urls
from .dates_in_words import edtf_in_words
from .languages import names_in_languages
from .which_database import PLUGIN_NAME, is_heritage_database, table_names

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
# Fixed terms of the schema (no vocabulary table): term -> (label, description).
FIXED_TERMS = {
    "coordinates_precision": COORDINATE_PRECISIONS,
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
    "sites": ("site_id", "name", "Timeline of the site's events"),
    "monuments": ("monument_id", "name", "Monument page"),
    "events": ("event_id", "title", "Event page"),
    "sources": ("source_id", "title", "Source page"),
    "citations": ("citation_id", None, "The passage, highlighted in its source"),
}
REFERENCE_COLUMNS = {ref: table for table, (ref, _, _) in RECORDS.items()}
WIKIDATA = re.compile(r"Q[1-9][0-9]*\Z")

# EDTF date columns of the tables and views. Longer values are left as they
# are: no date in words is that long, and the work stays bounded.
DATE_COLUMNS = {"date", "published", "event_date"}
DATE_MAX_CHARS = 64
# Flag columns (0/1) -> (badge when 1, classes, words when 0; None: nothing).
FLAGS = {
    "contested": ("contested", "heritage-contested", "no"),
    "verified": ("verified", "heritage-badge-verified", "not verified"),
    "date_uncertain": ("uncertain", "heritage-badge-qualifier", None),
    "date_approximate": ("approximate", "heritage-badge-qualifier", None),
    "date_interval": ("interval", "heritage-badge-qualifier", None),
}
FLAG_TITLES = {
    "contested": "At least one source disputes this event",
    "verified": "The quote was found in the source's stored text",
}
# JSON arrays of names.
LIST_COLUMNS = {"alternative_names", "photo_credits", "names"}
# Longer text is cut to an excerpt of about EXCERPT_CHARS on table and query
# pages: enough to recognise a passage, short enough to keep rows low.
EXCERPT_CHARS = 90
# Long-text column -> the record that holds it (None: the table itself).
TEXT_OWNERS = {
    "text": "sources",
    "published_note": "sources",
    "quote": "citations",
    "note": "citations",
    "summary": "events",
    "date_note": "events",
    "description": None,
}

# The path of the request being answered, set by the ASGI wrapper
# (middleware.py): render_cell is not told which page it renders for, and a
# row page shows the whole of every value.
request_path: ContextVar[str | None] = ContextVar("heritage_request_path", default=None)

# vocabulary -> id -> (label, description, rank)
Terms = dict[str, dict[str, tuple[str, str, int | None]]]
_cache: weakref.WeakKeyDictionary[Any, Terms | None] = weakref.WeakKeyDictionary()


async def _load_terms(db) -> Terms | None:
    """The vocabularies of a heritage database; None for any other database."""
    if not REQUIRED_TABLES | set(VOCABULARIES) <= await table_names(db):
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
        fixed = FIXED_TERMS[column].get(raw)
        return badges.term_badge(column, raw, fixed[0], title=fixed[1]) if fixed else None

    if column in ("url", "archive_url"):
        text = urls.web_address(raw)
        if text is not None:
            return Markup(
                '<a class="heritage-link" href="{}" rel="nofollow noopener">{}</a>'
            ).format(text, _truncate(datasette, text))
        return None

    if column == "wikidata" and WIKIDATA.match(str(raw)):
        return Markup(
            '<a class="heritage-link" href="https://www.wikidata.org/wiki/{0}" rel="nofollow noopener">{0}</a>'
        ).format(raw)

    if column == "quote":
        citation_id = _get(row, "citation_id") or (
            _get(row, "id") if table in ("citations", None) else None
        )
        source_id = _get(row, "source_id")
        if citation_id is None or source_id is None:
            return None
        text = str(raw) if _on_row_page(datasette, database, table) else _excerpt(str(raw))
        return Markup('<a class="heritage-quote-link" href="{}">{}</a>').format(
            urls.citation_url(datasette, str(source_id), str(citation_id)), text
        )

    record = table if column == "id" and table in RECORDS else REFERENCE_COLUMNS.get(column)
    if record:
        return _record_cell(datasette, database, record, row, value, raw)

    if table in RECORDS and column == RECORDS[table][1]:
        record_id = _get(row, "id")
        if record_id is None:
            return None
        return Markup('<a class="heritage-page" href="{}">{}</a>').format(
            urls.heritage_url_for(datasette, table, str(record_id)), _truncate(datasette, str(raw))
        )

    if column in DATE_COLUMNS and isinstance(raw, str) and len(raw) <= DATE_MAX_CHARS:
        return Markup('<span class="heritage-edtf" title="EDTF: {}">{}</span>').format(
            raw, edtf_in_words(raw)
        )

    if column in FLAGS and raw in (0, 1):
        label, css, off = FLAGS[column]
        if raw:
            return badges.badge(label, css, title=FLAG_TITLES.get(column))
        return Markup('<span class="heritage-flag-off">{}</span>').format(off) if off else None

    if column in LIST_COLUMNS:
        return _list_cell(raw)

    if isinstance(raw, str) and len(raw) > EXCERPT_CHARS:
        return _long_text_cell(datasette, database, row, raw, column, table)
    return None


def _record_cell(datasette, database: str, record: str, row: Any, value: Any, raw: Any) -> Markup:
    """A record's id: a link to its row (with its label when Datasette
    expanded the foreign key), then to its heritage page."""
    row_url = datasette.urls.row(database, record, tilde_encode(str(raw)))
    if isinstance(value, dict) and value.get("label") not in (None, raw):
        link = Markup('<a class="heritage-link" href="{}">{}</a>&nbsp;<em>{}</em>').format(
            row_url, value["label"], raw
        )
    else:
        link = Markup('<a class="heritage-link" href="{}">{}</a>').format(row_url, raw)
    page = urls.heritage_url_for(datasette, record, str(raw), {"source_id": _get(row, "source_id")})
    return link + _page_link(page, RECORDS[record][2]) if page else link


def _list_cell(raw: Any) -> Markup | None:
    try:
        items = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    if not items:
        return Markup('<span class="heritage-flag-off">none</span>')
    if all(isinstance(i, str) for i in items):
        shown = [Markup("<li>{}</li>").format(item) for item in items]
    else:  # names in other languages: each in its language and direction
        named = names_in_languages(raw)
        if len(named) != len(items):
            return None
        shown = [
            Markup(
                '<li><span lang="{}" dir="{}">{}</span> <span class="heritage-muted">{}</span></li>'
            ).format(n["language"], n["direction"], n["name"], n["language"])
            for n in named
        ]
    return Markup('<ul class="heritage-cell-list">{}</ul>').format(Markup("").join(shown))


def _excerpt(text: str) -> str:
    """The start of a long text, cut at a word, with an ellipsis."""
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text[:EXCERPT_CHARS]
    space = cut.rfind(" ")
    if space > EXCERPT_CHARS // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "\u2026"


def _on_row_page(datasette, database: str, table: str | None) -> bool:
    path = request_path.get()
    if not path or table is None:
        return False
    prefix = datasette.urls.table(database, table) + "/"
    return path.startswith(prefix) and "/" not in path[len(prefix) :]


def _long_text_cell(
    datasette, database: str, row: Any, raw: str, column: str, table: str | None
) -> Markup | None:
    if _on_row_page(datasette, database, table):
        return None  # Datasette's own cell: the whole text
    owner = TEXT_OWNERS.get(column, table)
    owner = owner or table
    href = None
    if owner in RECORDS:
        record_id = _get(row, "id") if owner == table else _get(row, RECORDS[owner][0])
        if record_id is not None:
            if column == "text" and owner == "sources":
                href = urls.source_url(datasette, str(record_id))
            else:
                href = datasette.urls.row(database, owner, tilde_encode(str(record_id)))
    elif table is not None and _get(row, "id") is not None:
        href = datasette.urls.row(database, table, tilde_encode(str(_get(row, "id"))))
    excerpt = Markup('<span class="heritage-excerpt">{}</span>').format(_excerpt(raw))
    if href is None:
        return excerpt
    return excerpt + Markup(
        ' <a class="heritage-more" href="{}" title="{}">whole&nbsp;text</a>'
    ).format(href, f"All {len(raw):,} characters")


HANDLED = (
    set(VOCABULARY_COLUMNS)
    | set(FIXED_TERMS)
    | set(REFERENCE_COLUMNS)
    | DATE_COLUMNS
    | set(FLAGS)
    | LIST_COLUMNS
    | {"url", "archive_url", "wikidata", "quote", "id", "name", "title"}
)


def render_cell(datasette, database: str, row: Any, value: Any, column: str, table: str | None):
    """Markup for a heritage cell, None for any other; a coroutine the first
    time a database is seen (its vocabularies are read then)."""
    if value is None or (
        column not in HANDLED and not (isinstance(value, str) and len(value) > EXCERPT_CHARS)
    ):
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


DATASETTE_VIEWS = ("table", "row", "database", "query")


async def css_urls(datasette, database: str | None, view_name: str) -> list[str]:
    """On Datasette's own pages: heritage.css for the badges, and on the
    heritage database's pages the layout of its cells."""
    if view_name not in DATASETTE_VIEWS + ("index",):
        return []
    found = [datasette.urls.static_plugins(PLUGIN_NAME, "heritage.css")]
    if database and await is_heritage_database(datasette, database):
        found.append(datasette.urls.static_plugins(PLUGIN_NAME, "heritage-datasette.css"))
    return found


async def js_urls(datasette, database: str | None, view_name: str) -> list[str]:
    """heritage-datasette.js on the heritage database's own pages: the
    column descriptions."""
    if view_name not in DATASETTE_VIEWS or not database:
        return []
    if not await is_heritage_database(datasette, database):
        return []
    return [datasette.urls.static_plugins(PLUGIN_NAME, "heritage-datasette.js")]
