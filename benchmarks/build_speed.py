"""Cold build speed and peak memory, side by side with two references.

For each corpus size, in the same run and interleaved:

- ours: ``datasette_heritage.build.pipeline.build()`` into a new file (parse, validate,
  verify every quote, write, index, full-text search, check, swap);
- yaml-to-sqlite's method (benchmarks/baseline_yaml_to_sqlite.py): PyYAML
  ``safe_load`` per file, JSON round trip, sqlite-utils ``upsert_all``;
- a floor: the same rows as ours, already in memory, inserted with raw
  ``sqlite3`` ``executemany`` in one transaction (loading them is not timed).

Prints each run, then a table of medians, ratios and peak memory.

Usage: python benchmarks/build_speed.py --citations 50000 1000000 [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, corpus, machine, median, mib, print_table, run_child

METHODS = ("ours", "yaml-to-sqlite", "floor")


def child(method: str, data_dir: Path, db_path: Path) -> None:
    """Run one method in this (child) process and print its figures as JSON."""
    for path in (db_path, Path(str(db_path) + "-journal")):
        if path.exists():
            path.unlink()
    if method == "ours":
        from datasette_heritage.build.pipeline import build

        started = time.perf_counter()
        summary = build(data_dir, db_path)
        seconds = time.perf_counter() - started
        figures = {
            "seconds": seconds,
            "files": summary.files,
            "citations": summary.tables.get("citations", 0),
        }
    elif method == "yaml-to-sqlite":
        from baseline_yaml_to_sqlite import load

        started = time.perf_counter()
        files = load(data_dir, db_path)
        figures = {"seconds": time.perf_counter() - started, "files": files}
    else:
        figures = floor(data_dir, db_path)
    figures["db_bytes"] = db_path.stat().st_size
    print(json.dumps(figures))


def floor(data_dir: Path, db_path: Path) -> dict:
    """Rows from our loader, held in memory, then only the inserts are timed."""
    import sqlite_utils

    from datasette_heritage.build import writer
    from datasette_heritage.build.problems import ProblemLog
    from datasette_heritage.build.records import RecordLoader

    rows: dict = {}
    loader = RecordLoader(data_dir, ProblemLog())
    for table, batch in loader.rows():
        columns = list(writer.TABLES[table].columns)
        rows.setdefault(table, []).extend(tuple(row[c] for c in columns) for row in batch)
    schema = sqlite_utils.Database(str(db_path))
    writer.create_schema(schema)
    schema.close()
    started = time.perf_counter()
    conn = sqlite3.connect(str(db_path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    for table, values in rows.items():
        columns = list(writer.TABLES[table].columns)
        conn.executemany(f"INSERT INTO [{table}] VALUES ({', '.join('?' * len(columns))})", values)
    conn.execute("COMMIT")
    conn.close()
    return {"seconds": time.perf_counter() - started, "citations": len(rows.get("citations", []))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citations", type=int, nargs="+", default=[50000, 1000000])
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs per method (default: 3 up to 100,000 citations, else 1)",
    )
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument(
        "--child", nargs=3, metavar=("METHOD", "DATA", "DB"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return

    print(f"machine: {machine()}")
    table = []
    figures_by_size = {}
    for n in args.citations:
        data_dir = corpus(n)
        repeat = args.repeat or (3 if n <= 100000 else 1)
        runs: dict = {m: [] for m in args.methods}
        for i in range(repeat):
            for method in args.methods:
                db_path = BENCH_DIR / f"build-{method}-{n}.db"
                figures = run_child([__file__, "--child", method, str(data_dir), str(db_path)])
                runs[method].append(figures)
                print(
                    f"N={n:,} run {i + 1}/{repeat} {method}: {figures['seconds']:.2f}s, "
                    f"peak {mib(figures['maxrss'])} MiB, db {mib(figures['db_bytes'])} MiB",
                    flush=True,
                )
                os.unlink(db_path)
        seconds = {m: median([r["seconds"] for r in runs[m]]) for m in args.methods}
        peak = {m: max(r["maxrss"] for r in runs[m]) for m in args.methods}
        figures_by_size[str(n)] = {
            m: {"seconds": seconds[m], "maxrss": peak[m]} for m in args.methods
        }
        row = [f"{n:,}", str(runs[args.methods[0]][0].get("files", "")), str(repeat)]
        for m in METHODS:
            row.append(f"{seconds[m]:.2f}" if m in seconds else "-")
        ours = seconds.get("ours")
        row.append(
            f"{seconds['yaml-to-sqlite'] / ours:.1f}x"
            if ours and "yaml-to-sqlite" in seconds
            else "-"
        )
        row.append(f"{ours / seconds['floor']:.1f}x" if ours and "floor" in seconds else "-")
        row += [mib(peak[m]) if m in peak else "-" for m in METHODS]
        table.append(row)
    print()
    print_table(
        [
            "citations",
            "files",
            "runs",
            "ours s (median)",
            "yaml-to-sqlite s",
            "floor s",
            "yaml-to-sqlite / ours",
            "ours / floor",
            "ours peak MiB",
            "yaml-to-sqlite peak MiB",
            "floor peak MiB",
        ],
        table,
    )
    print(f"machine after: {machine()}")
    print(json.dumps(figures_by_size))


if __name__ == "__main__":
    main()
