"""The public schema's names that both halves share: the build writes these
tables, the site reads them. Table and column names are the dataset's public
API (people write SQL against them), so they change only with care."""

from __future__ import annotations

# One table per vocabulary file under data/vocabularies/, named after it.
VOCABULARIES = ("damage_levels", "causes", "event_kinds", "monument_types")

# The tables the site's pages read; a database without them is someone else's.
REQUIRED_TABLES = frozenset({"sites", "monuments", "events", "citations", "sources"})
