"""Datasette instances for the facet, renderer, cell and metadata tests: the
real Datasette app with the project's metadata.yml, through its test client.

metadata.yml describes the database ``heritage`` (the README serves
heritage.db); a database file with another name gets the same metadata under
its own name.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from datasette.app import Datasette

from datasette_heritage.site.serving import datasette_arguments

ROOT = Path(__file__).resolve().parent.parent
METADATA = ROOT / "metadata.yml"
FIXTURE_DATA = ROOT / "tests" / "fixtures" / "data"

# Untrusted text, in every kind of field the pages show.
HOSTILE = '<script>alert("x")</script>'


def load_metadata(db_path: Path) -> dict[str, Any]:
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    metadata["databases"] = {db_path.stem: metadata["databases"]["heritage"]}
    return metadata


def datasette_for(db_path: Path, metadata: bool = True) -> Datasette:
    """Serve db_path as the site does: immutable, with metadata.yml (and on
    Datasette 1.0 the configuration derived from it)."""
    arguments = datasette_arguments(load_metadata(db_path)) if metadata else {}
    return Datasette(immutables=[str(db_path)], **arguments)


# Datasette 1.0's table JSON holds only the parts ``?_extra=`` asks for;
# 0.65 ignores ``_extra`` and sends them all.
TABLE_EXTRAS = "_extra=facet_results&_extra=suggested_facets"


def table_json(path: str) -> str:
    """The JSON of a table page (``/db/table?filters``): every row, as
    objects, with its facets and suggested facets, in either Datasette."""
    base, _, query = path.partition("?")
    return f"{base}.json?{query}&_shape=objects&_size=max&{TABLE_EXTRAS}"


def facet_results(data: dict[str, Any]) -> dict[str, Any]:
    """A table page's facets by name: 1.0 nests them under ``results``,
    beside ``timed_out``; 0.65 sends them as they are."""
    results = data["facet_results"]
    return results["results"] if "timed_out" in results else results


def sql_path(database: str, format: str | None = None) -> str:
    """Where Datasette runs the SQL given as ``?sql=`` (``format``: json,
    geojson ...): ``/db/-/query`` in 1.0 (``/db?sql=`` only redirects
    there), ``/db`` in 0.65."""
    from datasette.url_builder import Urls

    base = f"/{database}/-/query" if hasattr(Urls, "database_query") else f"/{database}"
    return base + (f".{format}" if format else "")


def links(html_text: str) -> list[tuple[str, str]]:
    """Every link of a page: (href, its text with spaces collapsed)."""
    parser = _Links()
    parser.feed(html_text)
    return parser.found


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open.append((dict(attrs).get("href") or "", []))

    def handle_data(self, data: str) -> None:
        for _, text in self._open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            href, text = self._open.pop()
            self.found.append((href, " ".join("".join(text).split())))


def local(url: str) -> str:
    """A toggle_url (absolute, http://localhost/...) as a test-client path."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def write_hostile_data(target: Path) -> Path:
    """The fixture dataset with markup in names, titles, notes, claimants,
    labels and a URL: every one must come out escaped."""
    shutil.copytree(FIXTURE_DATA, target)

    def edit(relative: str, old: str, new: str) -> None:
        path = target / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    quoted = HOSTILE.replace('"', '\\"')
    edit("monuments/testopolis.yml", "name: Test Castle", f'name: "Castle {quoted}"')
    edit(
        "sources/url-only.yml",
        "title: A report we only have the address of",
        f'title: "Report {quoted}"',
    )
    edit(
        "sources/url-only.yml",
        "url: https://example.org/report",
        'url: "https://example.org/a\\"><script>alert(1)</script>"',
    )
    edit("events/2015.yml", "claimant: Example News", f'claimant: "News {quoted}"')
    edit(
        "events/2015.yml",
        "note: The article names no temple;",
        f'note: "{quoted}" # The article names no temple;',
    )
    edit(
        "vocabularies/causes.yml",
        "label: Explosion / heavy weaponry",
        'label: "Explosion <img src=x onerror=alert(1)>"',
    )
    return target
