"""Where a cold build's time goes, by stage.

Wraps the functions that do each stage of the build with timers of CPU time
(cheap, so the proportions are those of a real build; CPU time, so other
load on the machine does not count), runs one cold build, and prints CPU
seconds and share per stage. With ``--cprofile`` it also prints the
functions with the most time of their own under cProfile (which slows the
Python-heavy parts more than the C ones, so use it to find hot spots, not
for proportions).

Usage: python benchmarks/profile_build.py --citations 50000 [--cprofile]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, corpus, instrument, machine

from datasette_heritage.build import pipeline as build_module
from datasette_heritage.build import records, summaries, writer

# (module, attribute, stage): the call sites the build goes through.
STAGES = [
    (records, "read_yaml_file", "YAML parsing (libyaml events -> records with lines)"),
    (records, "validate_record", "JSON Schema validation"),
    (records, "parse_edtf", "EDTF dates"),
    (records, "find_quotes", "quote verification"),
    (writer, "insert_rows", "SQLite inserts"),
    (writer, "create_indexes", "indexes"),
    (writer, "update_conditions", "monuments' conditions"),
    (summaries, "write", "summary tables"),
    (writer, "create_full_text_search", "full-text search"),
    (writer, "create_views", "views"),
    (writer, "gather_statistics", "ANALYZE"),
    (writer, "inconsistencies", "check (integrity, foreign keys, counts)"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citations", type=int, default=50000)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()

    data_dir = corpus(args.citations)
    db_path = BENCH_DIR / f"profile-{args.citations}.db"
    print(f"machine: {machine()}")
    totals: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    instrument(STAGES, totals, calls, clock=time.process_time)
    started, wall = time.process_time(), time.perf_counter()
    if args.cprofile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(build_module.build, data_dir, db_path)
    else:
        build_module.build(data_dir, db_path)
    total, wall = time.process_time() - started, time.perf_counter() - wall
    db_path.unlink()

    print(f"cold build of {args.citations:,} citations: {total:.2f} s of CPU ({wall:.2f} s wall)")
    print("| stage | CPU seconds | share | calls |\n| --- | --- | --- | --- |")
    accounted = 0.0
    for _, _, stage in STAGES:
        if stage in totals:
            accounted += totals[stage]
            print(
                f"| {stage} | {totals[stage]:.2f} | {totals[stage] / total:.0%} | "
                f"{calls[stage]:,} |"
            )
    rest = total - accounted
    print(
        f"| rest (reading files, shaping rows, references, ids) | {rest:.2f} | "
        f"{rest / total:.0%} | |"
    )
    if args.cprofile:
        print()
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.top)
    print(json.dumps({"seconds": total, "wall_seconds": wall, "stages": dict(totals)}))


if __name__ == "__main__":
    main()
