"""Datasette instances for the facet, renderer, cell and metadata tests: the
real Datasette app with the project's metadata.yml, through its test client.

metadata.yml describes the database ``heritage`` (the README serves
heritage.db); a database file with another name gets the same metadata under
its own name.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from datasette.app import Datasette

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
    """Serve db_path as the site does: immutable, with metadata.yml."""
    return Datasette(
        immutables=[str(db_path)], metadata=load_metadata(db_path) if metadata else None
    )


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
