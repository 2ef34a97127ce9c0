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

import json
import time
import urllib.parse
from collections.abc import Iterable, Sequence
from typing import Any

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args
from datasette.utils.asgi import BadRequest

from ..schema import VOCABULARIES
from .which_database import table_names

FacetInfo = dict[str, Any]

# What one request may ask of these facets; every setting comes from the
# address, so each is bounded here rather than trusted.
MAX_FACETS = 10  # facets of one type in the address (metadata's come on top)
# Bytes of toggle links for all the plugin's facets of one request: each
# link repeats the page's address (up to the server's limit of about 64 KB),
# so 1,000 values of a long address would otherwise make a body of 64 MB.
TOGGLE_BUDGET = 4_000_000
# Years one row's interval is counted in. EDTF's coarsest precision the
# build derives is a millennium; a wider interval says nothing about a year.
MAX_YEAR_SPAN = 1000
_BUDGET_KEY = "datasette_heritage.facet_budget"


class FacetTimeout(Exception):
    """The request's facets used up their share of SQL time."""


def _budget(datasette, request) -> dict[str, float]:
    """What is left for this request's facets: SQL time (all of the plugin's
    facets together get Datasette's sql_time_limit_ms, each at most
    facet_time_limit_ms) and bytes of toggle links. Kept in the request's
    scope, which every facet of the request shares."""
    scope = request.scope
    if _BUDGET_KEY not in scope:
        scope[_BUDGET_KEY] = {
            "deadline": time.monotonic() + datasette.setting("sql_time_limit_ms") / 1000,
            "toggle_bytes": TOGGLE_BUDGET,
        }
    return scope[_BUDGET_KEY]


class HeritageFacet(Facet):
    """Shared plumbing: configs, time limit, toggle links."""

    type: str = ""
    # Options a config may set besides its column.
    OPTIONS: tuple[str, ...] = ()

    async def facet_results(self) -> tuple[list[FacetInfo], list[str]]:
        configs = self.get_configs()
        asked = sum(1 for c in configs if c["source"] != "metadata")
        if asked > MAX_FACETS:
            raise BadRequest(
                f"_facet_{self.type}: {asked} facets asked for "
                f"(expected at most {MAX_FACETS} at once)"
            )
        columns = await self.columns()
        results: list[FacetInfo] = []
        timed_out: list[str] = []
        seen: set[tuple[str, ...]] = set()
        for source_and_config in configs:
            config = self.checked(source_and_config["config"])
            column = config["column"]
            settings = self.settings(column, config, columns)
            # A facet asked for twice (metadata's come first, or the same
            # columns under another name) is computed and shown once.
            if settings in seen:
                continue
            seen.add(settings)
            try:
                values, truncated = await self.values(column, settings)
            except (QueryInterrupted, FacetTimeout):
                timed_out.append(column)
                continue
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(
                        self._path_without(
                            lambda k, v, raw=source_and_config["config"]: (
                                k == f"_facet_{self.type}" and self._is_config(v, raw)
                            )
                        )
                    ),
                    "results": values,
                    "truncated": truncated,
                }
            )
        return results, timed_out

    def get_configs(self) -> list[dict[str, Any]]:
        # Read once per facet: facet_results and enabled both need them.
        if not hasattr(self, "_configs"):
            self._configs = super().get_configs()
        return self._configs

    def checked(self, config: Any) -> dict[str, str]:
        """A config with only known options, each a non-empty string."""
        if not isinstance(config, dict):
            raise BadRequest(
                f"_facet_{self.type}: expected a column name or a JSON object of options"
            )
        allowed = ("column", "simple") + self.OPTIONS
        checked = {}
        for key, value in config.items():
            if key not in allowed:
                raise BadRequest(
                    f"_facet_{self.type}: unknown option {str(key)[:50]!r} "
                    f"(expected one of: {', '.join(allowed)})"
                )
            if not isinstance(value, str) or not value:
                raise BadRequest(
                    f"_facet_{self.type}: option {key!r} must be a name (expected a string)"
                )
            checked[key] = value
        column = checked.pop("simple", None)
        checked.setdefault("column", column or "")
        if not checked["column"]:
            raise BadRequest(f"_facet_{self.type} needs a column name")
        return checked

    def settings(self, column: str, config: dict[str, str], columns: Sequence[str]) -> tuple:
        """The facet's resolved settings (checked against the columns); two
        configs with the same settings are the same facet."""
        raise NotImplementedError

    async def values(self, column: str, settings: tuple) -> tuple[list[FacetInfo], bool]:
        raise NotImplementedError

    async def run(self, sql: str) -> list[Any]:
        budget = _budget(self.ds, self.request)
        left_ms = (budget["deadline"] - time.monotonic()) * 1000
        if left_ms < 1:
            raise FacetTimeout()
        result = await self.ds.execute(
            self.database,
            sql,
            self.params,
            truncate=False,
            custom_time_limit=int(min(self.ds.setting("facet_time_limit_ms"), left_ms)),
        )
        return list(result.rows)

    async def columns(self) -> list[str]:
        if not hasattr(self, "_columns"):
            self._columns = list(await self.get_columns(self.sql, self.params))
        return self._columns

    def pairs(self) -> list[tuple[str, str]]:
        # The query string is parsed once per facet, not once per link.
        if not hasattr(self, "_pairs"):
            self._pairs = self.get_querystring_pairs()
        return self._pairs

    def _is_config(self, value: str, config: Any) -> bool:
        if value.startswith("{"):
            try:
                return json.loads(value) == config
            except ValueError:
                return False
        return config == {"simple": value} or config == {"column": value}

    def _path_without(self, drop) -> str:
        kept = [(k, v) for k, v in self.pairs() if not drop(k, v)]
        query = urllib.parse.urlencode(kept)
        return self.request.path + ("?" + query if query else "")

    def show(self, values: list[FacetInfo], links) -> tuple[list[FacetInfo], bool]:
        """The values shown (the facet size, within the request's budget of
        link bytes), each given its toggle link by ``links(value)``; and
        whether some were left out."""
        budget = _budget(self.ds, self.request)
        shown = []
        for value in values[: self.get_facet_size()]:
            value["toggle_url"] = links(value)
            budget["toggle_bytes"] -= len(value["toggle_url"])
            if budget["toggle_bytes"] < 0:
                break
            shown.append(value)
        return shown, len(shown) < len(values)

    def toggle(self, selected: bool, own_keys: set[str], add: Sequence[tuple[str, str]]) -> str:
        """Link that clears this facet's filters (own_keys) and, unless the
        value is already selected, sets add. A new filter starts again from
        the first page, so _next goes too."""
        key = frozenset(own_keys)
        cache = self.__dict__.setdefault("_bases", {})
        if key not in cache:
            cache[key] = self._path_without(lambda k, v: k in own_keys or k == "_next")
        path = cache[key]
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
        names = set()
        for c in self.get_configs():
            config = c["config"] if isinstance(c["config"], dict) else {}
            name = config.get("column") or config.get("simple")
            if isinstance(name, str):
                names.add(name)
        return names


def _require(columns: Iterable[str], needed: Sequence[str], facet: str, column: str) -> None:
    missing = [c for c in needed if c not in columns]
    if missing:
        raise BadRequest(
            f"_facet_{facet}={column[:100]}: this table has no column "
            f"{', '.join(m[:100] for m in missing)} (expected {', '.join(needed)[:300]})"
        )


class SeverityFacet(HeritageFacet):
    """Damage levels ordered by the vocabulary's rank, not by count."""

    type = "severity"
    OPTIONS = ("vocabulary",)
    SUGGEST_FOR = ("damage_level", "condition")

    def settings(self, column: str, config: dict[str, str], columns: Sequence[str]) -> tuple:
        _require(columns, [column], self.type, column)
        vocabulary = config.get("vocabulary")
        if vocabulary is not None and vocabulary not in VOCABULARIES:
            raise BadRequest(
                f"_facet_{self.type}: vocabulary must be one of "
                f"{', '.join(VOCABULARIES)}, not {vocabulary[:100]!r}"
            )
        return (column, vocabulary or "")

    async def values(self, column: str, settings: tuple) -> tuple[list[FacetInfo], bool]:
        vocabulary = settings[1] or await self.vocabulary_of(column)
        col = escape_sqlite(column)
        counts = f"select {col} as value, count(*) as count from ({self.sql}) group by {col}"
        # One more than can be shown, to know whether some were left out.
        limit = self.get_facet_size() + 1
        if vocabulary in await table_names(self.ds.get_database(self.database)):
            sql = (
                f"select f.value, f.count, v.label, v.rank from ({counts}) f "
                f"left join [{vocabulary}] v on v.id = f.value "
                f"order by f.value is null, v.rank is null, v.rank, f.value limit {limit}"
            )
        else:
            sql = (
                f"select value, count, null, null from ({counts}) "
                f"order by value is null, value limit {limit}"
            )
        rows = await self.run(sql)

        # Plain column=value is Datasette's exact filter; a column whose name
        # starts with "_" would read as a reserved argument, hence __exact.
        exact = column + "__exact" if column.startswith("_") else column
        own = {column, column + "__exact", column + "__isnull"}
        pairs = set(self.pairs())
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
                    "selected": selected,
                    "add": add,
                }
            )
        return self.show(values, lambda v: self.toggle(v["selected"], own, v.pop("add")))

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
        if "damage_levels" not in await table_names(self.ds.get_database(self.database)):
            return []
        columns, enabled = await self.columns(), self.enabled()
        return [self.suggestion(c) for c in self.SUGGEST_FOR if c in columns and c not in enabled]


# An ISO day, as the build writes date_start/date_end: anything else in the
# columns a year facet is pointed at is no date and is not counted.
ISO_DAY = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"


class YearFacet(HeritageFacet):
    """Years from EDTF ranges: a row counts in every year its interval spans."""

    type = "year"
    OPTIONS = ("start", "end")

    def settings(self, column: str, config: dict[str, str], columns: Sequence[str]) -> tuple:
        if "start" in config or "end" in config:
            if "start" not in config or "end" not in config:
                raise BadRequest(
                    f"_facet_{self.type}: give both start and end, or neither "
                    "(expected the columns of the earliest and latest day)"
                )
            start, end = config["start"], config["end"]
            # The facet's name is a column of the table too, as Datasette's are.
            _require(columns, [column, start, end], self.type, column)
        else:
            if column.endswith(("_start", "_end")):
                prefix = column.rsplit("_", 1)[0]
                start, end = prefix + "_start", prefix + "_end"
            else:
                start, end = column + "_start", column + "_end"
            _require(columns, [start, end], self.type, column)
        return (start, end)

    async def values(self, column: str, settings: tuple) -> tuple[list[FacetInfo], bool]:
        start, end = settings
        s, e = escape_sqlite(start), escape_sqlite(end)
        # Grouped by the exact (start, end) pair first: with the build's
        # index on (start, end) SQLite reads the pairs in index order with no
        # sort, and there are few distinct pairs (dates cluster). Only the
        # pairs are checked to be ISO days: materialized, so SQLite does not
        # push that check down onto every row. Each pair is then spread over
        # its years in SQL too, so all of the work is inside the facet's time
        # limit.
        sql = f"""
            with recursive grouped(first_day, last_day, n) as materialized (
              select {s}, {e}, count(*) from ({self.sql})
              where {s} is not null and {e} is not null
              group by {s}, {e}
            ),
            pairs(first, last, n) as (
              select cast(substr(first_day, 1, 4) as integer),
                     cast(substr(last_day, 1, 4) as integer), n
              from grouped where first_day glob {ISO_DAY} and last_day glob {ISO_DAY}
            ),
            years(year, last, n) as (
              select first, last, n from pairs where last - first between 0 and {MAX_YEAR_SPAN - 1}
              union all
              select year + 1, last, n from years where year < last
            )
            select year, sum(n) from years group by year order by year desc
            limit {self.get_facet_size() + 1}"""
        own = {start + "__lte", end + "__gte"}
        pairs = set(self.pairs())
        values = []
        # Most recent first, as events are sorted by default.
        for year, count in await self.run(sql):
            add = [(start + "__lte", f"{year:04d}-12-31"), (end + "__gte", f"{year:04d}-01-01")]
            values.append(
                {
                    "value": year,
                    "label": str(year),
                    "count": count,
                    "selected": all(pair in pairs for pair in add),
                    "add": add,
                }
            )
        return self.show(values, lambda v: self.toggle(v["selected"], own, v.pop("add")))

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
    OPTIONS = ("supporting", "contested")
    SUPPORTING = "supporting_sources"
    CONTESTED = "contested"
    # (value, label, SQL condition, filter suffix, filter value), in display order
    BUCKETS = (
        ("1", "1 source", "= 1", "", "1"),
        ("2", "2 sources", "= 2", "", "2"),
        ("3+", "3 or more sources", ">= 3", "__gte", "3"),
        ("0", "no supporting source", "= 0", "", "0"),
    )

    def settings(self, column: str, config: dict[str, str], columns: Sequence[str]) -> tuple:
        supporting = config.get("supporting", self.SUPPORTING)
        contested = config.get("contested", self.CONTESTED)
        _require(columns, [column, supporting, contested], self.type, column)
        return (supporting, contested)

    async def values(self, column: str, settings: tuple) -> tuple[list[FacetInfo], bool]:
        supporting, contested = settings
        sup, con = escape_sqlite(supporting), escape_sqlite(contested)
        sums = ", ".join(
            f"coalesce(sum({sup} {condition}), 0)" for _, _, condition, _, _ in self.BUCKETS
        )
        sql = f"select {sums}, coalesce(sum({con} = 1), 0) from ({self.sql})"
        counts = (await self.run(sql))[0]

        pairs = set(self.pairs())
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
        return self.show(values, lambda v: self.toggle(v["selected"], *v.pop("link")))

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
            "selected": selected,
            "link": (own, [(key, wanted)]),
        }

    async def suggest(self) -> list[dict[str, str]]:
        columns = await self.columns()
        if {"id", self.SUPPORTING, self.CONTESTED} <= set(columns) and "id" not in self.enabled():
            return [self.suggestion("id")]
        return []


FACET_CLASSES = [SeverityFacet, YearFacet, CorroborationFacet]
