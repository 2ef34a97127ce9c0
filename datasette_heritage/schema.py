"""The public schema's names that both halves share: the build writes these
tables, the site reads them. Table and column names are the dataset's public
API (people write SQL against them), so they change only with care."""

from __future__ import annotations

# One table per vocabulary file under data/vocabularies/, named after it.
VOCABULARIES = ("damage_levels", "causes", "event_kinds", "monument_types", "source_types")

# Vocabularies of optional fields: a data folder without the file still builds
# (its table is empty), so records written before the field existed keep
# building; a term used without the file is reported as unknown.
OPTIONAL_VOCABULARIES = frozenset({"source_types"})

# How exactly a site's or monument's coordinates place it (the editor says
# so, as a date says its precision): term -> (label, what it means).
COORDINATE_PRECISIONS = {
    "exact": (
        "exact",
        "The point is on the monument itself (for a site: its centre), from a survey, "
        "a gazetteer or a map.",
    ),
    "approximate": (
        "approximate",
        "The point is near the place, within a few hundred metres: an estimate, or one "
        "member of a group standing in for the whole.",
    ),
    "site-centre": (
        "site centre",
        "The monument's own place is not known: the point is the centre of its site.",
    ),
}

# The longest value a record may hold (an article's text, in UTF-8 bytes):
# the build refuses a longer text file, and the site's SQLite connections
# refuse to build a longer value (site/sql_limits.py).
MAX_TEXT_BYTES = 10_000_000

# Full-text search of Arabic (and any text folding changes): a table's
# search_text column is these columns, one a line (the empty left out:
# folding.search_lines), folded (folding.fold_for_search), in the rows where
# folding changes them. The build writes it and indexes it last of the table's
# full-text columns; the site's search shows a match found only there in the
# text as stored.
SEARCH_TEXT_COLUMNS = {
    "sources": ("title", "publisher", "credit", "text"),
    "events": ("title", "summary"),
    "citations": ("quote", "claimant", "note"),
}

# The tables the site's pages read; a database without them is someone else's.
REQUIRED_TABLES = frozenset({"sites", "monuments", "events", "citations", "sources"})
