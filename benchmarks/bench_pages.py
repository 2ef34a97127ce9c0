"""How long the heritage pages take on a large database.

    .venv/bin/python benchmarks/bench_pages.py DB [--runs 9]

DB is a built heritage database, e.g. a synthetic one (1,000,000 citations
give about 300,000 events, 100,000 monuments and 20,000 sources):

    .venv/bin/python -c "from datasette_heritage.synth import synthesize; \\
        synthesize('/tmp/bench/data', citations=1000000, seed=1)"
    .venv/bin/datasette-heritage build /tmp/bench/data /tmp/bench/heritage.db

Serves DB immutable through Datasette's test client (the whole app: routing,
queries, templates) and prints, per page and its JSON twin, the median and
slowest of the runs in milliseconds, and the page size. The pages picked are
the heaviest of their kind: the monument with the most events, the event and
the source with the most citations, the busiest site on the timeline, and a
timeline page deep into the events.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import time
from pathlib import Path

from datasette.app import Datasette

from datasette_heritage.site import queries


def heaviest(db_path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:

        def one(sql: str) -> str:
            return conn.execute(sql).fetchone()[0]

        monument = one(
            "SELECT monument_id FROM event_monuments GROUP BY monument_id "
            "ORDER BY count(*) DESC LIMIT 1"
        )
        event = one(
            "SELECT event_id FROM citations GROUP BY event_id ORDER BY count(*) DESC LIMIT 1"
        )
        source = one(
            "SELECT source_id FROM citations GROUP BY source_id ORDER BY count(*) DESC LIMIT 1"
        )
        site = one("SELECT site_id FROM events GROUP BY site_id ORDER BY count(*) DESC LIMIT 1")
        kind = one("SELECT kind FROM events GROUP BY kind ORDER BY count(*) LIMIT 1")
        middle = conn.execute(
            "SELECT date_start, rowid FROM events ORDER BY date_start, rowid "
            "LIMIT 1 OFFSET (SELECT count(*) / 2 FROM events)"
        ).fetchone()
        events = one("SELECT count(*) FROM events")
    finally:
        conn.close()
    deep = queries.next_token({"date_start": middle[0], "rowid": middle[1]})
    return [
        ("overview", "/-/heritage"),
        ("timeline, first page", "/-/heritage/timeline"),
        (f"timeline, middle page (of {events:,} events)", f"/-/heritage/timeline?next={deep}"),
        ("timeline, busiest site", f"/-/heritage/timeline?site={site}"),
        ("timeline, rarest kind", f"/-/heritage/timeline?kind={kind}"),
        ("timeline, site and kind", f"/-/heritage/timeline?site={site}&kind={kind}"),
        ("monument with most events", f"/-/heritage/monuments/{monument}"),
        ("event with most citations", f"/-/heritage/events/{event}"),
        ("source with most citations", f"/-/heritage/sources/{source}"),
    ]


async def run(db_path: Path, runs: int) -> None:
    ds = Datasette(immutables=[str(db_path)])
    await ds.invoke_startup()
    print(f"{db_path} ({db_path.stat().st_size / 1e6:,.0f} MB), {runs} runs each, ms")
    print(
        f"{'page':48} {'html median':>11} {'slowest':>8} {'json median':>11} "
        f"{'slowest':>8} {'html KB':>8}"
    )
    for label, path in heaviest(db_path):
        row = [label]
        size = 0
        for url in (path, path.replace("?", ".json?") if "?" in path else path + ".json"):
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                response = await ds.client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            if not url.split("?")[0].endswith(".json"):
                size = len(response.content)
            row += [statistics.median(timings), max(timings)]
        print(
            f"{row[0]:48} {row[1]:11.1f} {row[2]:8.1f} {row[3]:11.1f} {row[4]:8.1f} "
            f"{size / 1000:8.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    asyncio.run(run(args.db, args.runs))


if __name__ == "__main__":
    main()
