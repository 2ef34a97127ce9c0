"""What the loader knows of records other than the one it is reading.

Checking a record needs the others: is its id already defined (and where),
does the site, monument, source or vocabulary term it names exist, which
site is that monument at, what is that source's text. ``KnownRecords``
answers from memory, filled in as a cold build loads record after record.
An incremental build reads only some files and answers the rest from the
previous database: ``previous_build_records.RecordsInPreviousBuild`` is the
same class with that fallback, handed to the loader in its place.
"""

from __future__ import annotations

from ..schema import VOCABULARIES
from .data_files import FOLDERS

# Tables a record can refer to: the vocabularies, sites, monuments, sources.
# Each maps a valid record's id to what a reference to it needs: the site of
# a monument, the text of a source (None: the source has no stored text).
Index = dict[str, str | None]


class KnownRecords:
    def __init__(self) -> None:
        # Per record type, every id claimed so far (valid or not): key -> (file, line)
        self._definitions: dict[str, dict[str, tuple[str, int]]] = {t: {} for t, _ in FOLDERS}
        self._valid: dict[str, Index] = {
            table: {} for table in (*VOCABULARIES, "sites", "monuments", "sources")
        }
        self._damage_level_ranks: dict[int, str] = {}

    # -- ids, valid or not: duplicates ------------------------------------------

    def definition(self, record_type: str, key: str) -> tuple[str, int] | None:
        """(file, line) where ``key`` was first defined, or None."""
        return self._definitions[record_type].get(key)

    def define(self, record_type: str, key: str, record_file: str, line: int) -> None:
        self._definitions[record_type][key] = (record_file, line)

    # -- valid records: references ----------------------------------------------

    def is_valid(self, table: str, key: str) -> bool:
        """Whether ``key`` is the id of a valid record of ``table`` (a
        vocabulary, sites, monuments or sources)."""
        return key in self._valid[table]

    def valid_ids(self, table: str) -> list[str]:
        """Every valid id of ``table``, to suggest one for a typo."""
        return list(self._valid[table])

    def add_term(self, vocabulary: str, term: str) -> None:
        self._valid[vocabulary][term] = None

    def add_site(self, site_id: str) -> None:
        self._valid["sites"][site_id] = None

    def add_monument(self, monument_id: str, site_id: str) -> None:
        self._valid["monuments"][monument_id] = site_id

    def add_source(self, source_id: str, text: str | None) -> None:
        self._valid["sources"][source_id] = text

    def site_of_monument(self, monument_id: str) -> str | None:
        return self._valid["monuments"].get(monument_id)

    def text_of_source(self, source_id: str) -> str | None:
        """The stored text of a valid source; None when it has none."""
        return self._valid["sources"].get(source_id)

    def damage_level_ranked(self, rank: int) -> str | None:
        """The damage level that has this rank, if one has."""
        return self._damage_level_ranks.get(rank)

    def rank_damage_level(self, rank: int, term: str) -> None:
        self._damage_level_ranks[rank] = term
