"""Facets Datasette's own cannot give: damage levels by severity, years from
EDTF ranges, and how well events are corroborated.

Each works on the facet SQL Datasette hands it (the table with the current
filters applied), so counts follow the page, and each value's link toggles a
plain querystring filter, so a click shows in Datasette's filter form and can
be edited there.

- ``?_facet_severity=damage_level`` (or ``condition``): levels in the
  ``damage_levels`` vocabulary's rank order (1 = most severe), labelled from
  it; rows with no level are one more value at the end (``__isnull``).
- ``?_facet_year=date``: uses ``date_start``/``date_end`` of the same row and
  counts a row in every year its interval spans; clicking a year filters with
  ``date_start__lte=<year>-12-31&date_end__gte=<year>-01-01`` (intervals that
  overlap the year). Rows with an open or missing bound match no such filter,
  so they are not counted either.
- ``?_facet_corroboration=id``: events by distinct supporting sources
  (1, 2, 3 or more; 0 when only disputing citations exist) and contested.

Metadata takes the same types: ``facets: [{severity: damage_level}]``, or a
dict for options, e.g. ``{year: {column: event_date, start: date_start,
end: date_end}}`` on a view whose date columns are named differently.
"""

from __future__ import annotations

import urllib.parse
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args
from datasette.utils.asgi import BadRequest

from ..schema import VOCABULARIES

FacetInfo = dict[str, Any]


class HeritageFacet(Facet):
    """Shared plumbing: configs, time limit, toggle links."""

    type: str = ""

    async def facet_results(self) -> tuple[list[FacetInfo], list[str]]:
        results: list[FacetInfo] = []
        timed_out: list[str] = []
        seen: set[str] = set()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config.get("simple")
            if not column:
                raise BadRequest(f"_facet_{self.type} needs a column name")
            # A facet both in metadata and in the querystring is shown once
            # (metadata's come first).
            if column in seen:
                continue
            seen.add(column)
            try:
                values, truncated = await self.values(column, config)
            except QueryInterrupted:
                timed_out.append(column)
                continue
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(
                        self._path_without(
                            lambda k, v, column=column: k == f"_facet_{self.type}" and v == column
                        )
                    ),
                    "results": values,
                    "truncated": truncated,
                }
            )
        return results, timed_out

    async def values(self, column: str, config: dict[str, Any]) -> tuple[list[FacetInfo], bool]:
        raise NotImplementedError

    async def run(self, sql: str) -> list[Any]:
        result = await self.ds.execute(
            self.database,
            sql,
            self.params,
            truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"),
        )
        return list(result.rows)

    async def columns(self) -> list[str]:
        return list(await self.get_columns(self.sql, self.params))

    def pairs(self) -> list[tuple[str, str]]:
        return self.get_querystring_pairs()

    def _path_without(self, drop) -> str:
        kept = [(k, v) for k, v in self.pairs() if not drop(k, v)]
        query = urllib.parse.urlencode(kept)
        return self.request.path + ("?" + query if query else "")

    def toggle(self, selected: bool, own_keys: set[str], add: Sequence[tuple[str, str]]) -> str:
        """Link that clears this facet's filters (own_keys) and, unless the
        value is already selected, sets add. A new filter starts again from
        the first page, so _next goes too."""
        path = self._path_without(lambda k, v: k in own_keys or k == "_next")
        if not selected:
            separator = "&" if "?" in path else "?"
            path += separator + urllib.parse.urlencode(list(add))
        return self.ds.absolute_url(self.request, self.ds.urls.path(path))

    def suggestion(self, column: str) -> dict[str, str]:
        return {
            "name": column,
            "type": self.type,
            "toggle_url": self.ds.absolute_url(
                self.request,
                self.ds.urls.path(
                    path_with_added_args(self.request, {f"_facet_{self.type}": column})
                ),
            ),
        }

    def enabled(self) -> set[str]:
        return {c["config"].get("column") or c["config"].get("simple") for c in self.get_configs()}

    def truncate(self, values: list[FacetInfo]) -> tuple[list[FacetInfo], bool]:
        size = self.get_facet_size()
        return values[:size], len(values) > size


def _require(columns: Iterable[str], needed: Sequence[str], facet: str, column: str) -> None:
    missing = [c for c in needed if c not in columns]
    if missing:
        raise BadRequest(
            f"_facet_{facet}={column}: this table has no column "
            f"{', '.join(missing)} (expected {', '.join(needed)})"
        )


class SeverityFacet(HeritageFacet):
    """Damage levels ordered by the vocabulary's rank, not by count."""

    type = "severity"
    SUGGEST_FOR = ("damage_level", "condition")

    async def values(self, column: str, config: dict[str, Any]) -> tuple[list[FacetInfo], bool]:
        _require(await self.columns(), [column], self.type, column)
        vocabulary = config.get("vocabulary") or await self.vocabulary_of(column)
        if vocabulary not in VOCABULARIES:
            raise BadRequest(
                f"_facet_{self.type}: vocabulary must be one of "
                f"{', '.join(VOCABULARIES)}, not {vocabulary!r}"
            )
        col = escape_sqlite(column)
        counts = f"select {col} as value, count(*) as count from ({self.sql}) group by {col}"
        if await self.ds.get_database(self.database).table_exists(vocabulary):
            sql = (
                f"select f.value, f.count, v.label, v.rank from ({counts}) f "
                f"left join [{vocabulary}] v on v.id = f.value "
                "order by f.value is null, v.rank is null, v.rank, f.value"
            )
        else:
            sql = f"select value, count, null, null from ({counts}) order by value is null, value"
        rows = await self.run(sql)

        # Plain column=value is Datasette's exact filter; a column whose name
        # starts with "_" would read as a reserved argument, hence __exact.
        exact = column + "__exact" if column.startswith("_") else column
        own = {column, column + "__exact", column + "__isnull"}
        pairs = self.pairs()
        values = []
        for value, count, label, rank in rows:
            if value is None:
                add = [(column + "__isnull", "1")]
                selected = add[0] in pairs
                label = "not recorded"
            else:
                add = [(exact, str(value))]
                selected = (column, str(value)) in pairs or (
                    column + "__exact",
                    str(value),
                ) in pairs
            values.append(
                {
                    "value": value,
                    "label": label or value,
                    "rank": rank,
                    "count": count,
                    "toggle_url": self.toggle(selected, own, add),
                    "selected": selected,
                }
            )
        return self.truncate(values)

    async def vocabulary_of(self, column: str) -> str:
        """The vocabulary a column's foreign key points to (so ranked causes
        work too); damage levels for views and queries, which have no keys."""
        if self.table:
            db = self.ds.get_database(self.database)
            for fk in await db.foreign_keys_for_table(self.table):
                if fk["column"] == column and fk["other_table"] in VOCABULARIES:
                    return fk["other_table"]
        return "damage_levels"

    async def suggest(self) -> list[dict[str, str]]:
        if not await self.ds.get_database(self.database).table_exists("damage_levels"):
            return []
        columns, enabled = await self.columns(), self.enabled()
        return [self.suggestion(c) for c in self.SUGGEST_FOR if c in columns and c not in enabled]


class YearFacet(HeritageFacet):
    """Years from EDTF ranges: a row counts in every year its interval spans."""

    type = "year"

    @staticmethod
    def bounds(column: str, config: dict[str, Any], columns: Sequence[str]) -> tuple[str, str]:
        if config.get("start") or config.get("end"):
            start, end = config.get("start"), config.get("end")
        elif column.endswith(("_start", "_end")):
            prefix = column.rsplit("_", 1)[0]
            start, end = prefix + "_start", prefix + "_end"
        else:
            start, end = column + "_start", column + "_end"
        _require(columns, [start, end], "year", column)
        return start, end

    async def values(self, column: str, config: dict[str, Any]) -> tuple[list[FacetInfo], bool]:
        start, end = self.bounds(column, config, await self.columns())
        s, e = escape_sqlite(start), escape_sqlite(end)
        # Grouped by the exact (start, end) pair: with the build's index on
        # (start, end) SQLite reads the pairs in index order with no sort,
        # and there are few distinct pairs (dates cluster); spreading each
        # over its years is cheap here, where SQL would scan rows per year.
        sql = (
            f"select {s}, {e}, count(*) from ({self.sql}) "
            f"where {s} is not null and {e} is not null group by {s}, {e}"
        )
        years: Counter = Counter()
        for first_day, last_day, n in await self.run(sql):
            try:
                first, last = int(str(first_day)[:4]), int(str(last_day)[:4])
            except ValueError:
                continue  # not an ISO date: no year to count it in
            for year in range(first, last + 1):
                years[year] += n

        own = {start + "__lte", end + "__gte"}
        pairs = self.pairs()
        values = []
        # Most recent first, as events are sorted by default.
        for year in sorted(years, reverse=True):
            add = [(start + "__lte", f"{year:04d}-12-31"), (end + "__gte", f"{year:04d}-01-01")]
            selected = all(pair in pairs for pair in add)
            values.append(
                {
                    "value": year,
                    "label": str(year),
                    "count": years[year],
                    "toggle_url": self.toggle(selected, own, add),
                    "selected": selected,
                }
            )
        return self.truncate(values)

    async def suggest(self) -> list[dict[str, str]]:
        columns, enabled = await self.columns(), self.enabled()
        return [
            self.suggestion(c)
            for c in columns
            if c + "_start" in columns and c + "_end" in columns and c not in enabled
        ]


class CorroborationFacet(HeritageFacet):
    """Events by how many distinct sources support them, and contested."""

    type = "corroboration"
    SUPPORTING = "supporting_sources"
    CONTESTED = "contested"
    # (value, label, SQL condition, filter suffix, filter value), in display order
    BUCKETS = (
        ("1", "1 source", "= 1", "", "1"),
        ("2", "2 sources", "= 2", "", "2"),
        ("3+", "3 or more sources", ">= 3", "__gte", "3"),
        ("0", "no supporting source", "= 0", "", "0"),
    )

    async def values(self, column: str, config: dict[str, Any]) -> tuple[list[FacetInfo], bool]:
        supporting = config.get("supporting", self.SUPPORTING)
        contested = config.get("contested", self.CONTESTED)
        _require(await self.columns(), [supporting, contested], self.type, column)
        sup, con = escape_sqlite(supporting), escape_sqlite(contested)
        sums = ", ".join(
            f"coalesce(sum({sup} {condition}), 0)" for _, _, condition, _, _ in self.BUCKETS
        )
        sql = f"select {sums}, coalesce(sum({con} = 1), 0) from ({self.sql})"
        counts = (await self.run(sql))[0]

        pairs = self.pairs()
        support_keys = {supporting, supporting + "__exact", supporting + "__gte"}
        values = []
        for (value, label, _, suffix, wanted), count in zip(self.BUCKETS, counts):
            key = supporting + suffix
            selected = (key, wanted) in pairs
            if count or selected:
                values.append(self._value(value, label, count, selected, support_keys, key, wanted))
        selected = (contested, "1") in pairs
        if counts[-1] or selected:
            values.append(
                self._value(
                    "contested",
                    "contested",
                    counts[-1],
                    selected,
                    {contested, contested + "__exact"},
                    contested,
                    "1",
                )
            )
        return values, False

    def _value(
        self,
        value: str,
        label: str,
        count: int,
        selected: bool,
        own: set[str],
        key: str,
        wanted: str,
    ) -> FacetInfo:
        return {
            "value": value,
            "label": label,
            "count": count,
            "toggle_url": self.toggle(selected, own, [(key, wanted)]),
            "selected": selected,
        }

    async def suggest(self) -> list[dict[str, str]]:
        columns = await self.columns()
        if {"id", self.SUPPORTING, self.CONTESTED} <= set(columns) and "id" not in self.enabled():
            return [self.suggestion("id")]
        return []


FACET_CLASSES = [SeverityFacet, YearFacet, CorroborationFacet]
