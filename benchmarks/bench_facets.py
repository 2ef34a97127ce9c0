"""How long the custom facets take on a large database, against Datasette's
facet time limit (facet_time_limit_ms, 200 ms by default).

    .venv/bin/python benchmarks/bench_facets.py DB [--runs 7]

DB is a built heritage database, e.g. a synthetic one:

    .venv/bin/python -c "from datasette_heritage.synth import synthesize; \\
        synthesize('/tmp/bench/data', citations=1000000, seed=1)"
    .venv/bin/datasette-heritage build /tmp/bench/data /tmp/bench/heritage.db

Prints, per facet, the median time of the facet's own SQL (from Datasette's
trace; an interrupted query is not traced, so count timed-out runs apart) and
of the whole JSON request, and how many runs timed out.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from datasette.app import Datasette

CASES: list[tuple[str, str, str]] = [
    # (label, table, query string); the facet measured is the first _facet*
    ("severity event_monuments.damage_level", "event_monuments", "_facet_severity=damage_level"),
    ("severity monuments.condition", "monuments", "_facet_severity=condition"),
    ("year events.date", "events", "_facet_year=date"),
    ("year events.date, one site", "events", "_facet_year=date&site_id={site}"),
    ("year events.date, kind=damage (2/3 of rows)", "events", "_facet_year=date&kind=damage"),
    (
        "year events.date, 2015 selected",
        "events",
        "_facet_year=date&date_start__lte=2015-12-31&date_end__gte=2015-01-01",
    ),
    ("year sources.published", "sources", "_facet_year=published"),
    ("corroboration events.id", "events", "_facet_corroboration=id"),
    ("corroboration events.id, contested=1", "events", "_facet_corroboration=id&contested=1"),
    ("column facet events.kind (Datasette's own)", "events", "_facet=kind"),
    (
        "column facet events.kind, kind=damage (Datasette's own)",
        "events",
        "_facet=kind&kind=damage",
    ),
]
# Facet SQL, told apart from the page's other queries in the trace.
FACET_SQL_MARKERS = ("is not null group by", "coalesce(sum(", "left join [", "as value, count(*)")


def facet_asked(query: str) -> tuple[str, str]:
    """(column, type) of the first facet in a query string."""
    key, _, column = query.split("&")[0].partition("=")
    return column, key[len("_facet_") :] if key.startswith("_facet_") else "column"


async def run(db_path: Path, runs: int) -> None:
    ds = Datasette(
        immutables=[str(db_path)], settings={"suggest_facets": False, "trace_debug": True}
    )
    name = db_path.stem
    limit = ds.setting("facet_time_limit_ms")
    counts = {
        t: (await ds.get_database(name).execute(f"select count(*) from [{t}]")).rows[0][0]
        for t in ("events", "event_monuments", "monuments", "sources")
    }
    print(f"database {db_path}: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    print(f"facet_time_limit_ms {limit}; {runs} runs each, medians\n")
    print(f"{'facet':56} {'facet SQL ms':>12} {'request ms':>11}  timed out")
    site = (
        await ds.get_database(name).execute(
            "select site_id from events group by site_id order by count(*) desc limit 1"
        )
    ).rows[0][0]
    for label, table, query in CASES:
        query = query.format(site=site)
        column, facet_type = facet_asked(query)
        sql_ms: list[float] = []
        request_ms: list[float] = []
        timed_out = errors = 0
        for _ in range(runs):
            started = time.perf_counter()
            response = await ds.client.get(
                f"/{name}/{table}.json?{query}&_size=1&_nocount=1&_trace=1"
            )
            request_ms.append((time.perf_counter() - started) * 1000)
            data: dict = response.json()
            if response.status_code != 200:
                errors += 1  # the page's own query hit sql_time_limit_ms
                continue
            # The JSON has no facets_timed_out: a facet that timed out is missing.
            timed_out += not any(
                f["name"] == column and f["type"] == facet_type
                for f in data["facet_results"].values()
            )
            traces = data.get("_trace", {}).get("traces", [])
            facet_traces = [
                t["duration_ms"] for t in traces if any(m in t["sql"] for m in FACET_SQL_MARKERS)
            ]
            sql_ms.append(sum(facet_traces))
        sql = f"{statistics.median(sql_ms):12.1f}" if sql_ms else f"{'-':>12}"
        print(
            f"{label:56} {sql} {statistics.median(request_ms):11.1f}  {timed_out}/{runs}"
            + (f"  (page query failed in {errors} runs)" if errors else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(run(args.db, args.runs))


if __name__ == "__main__":
    main()
