"""Incremental build speed: how long a build into the existing database takes
after editing one file, by kind of edit, and where that time goes.

On a scratch copy of the synthetic corpus: one cold build that records its
manifest, then, repeated, each edit followed by a build into the existing
database (timed), then the edit undone and built again. Stages are timed by
wrapping the functions that do them. With ``--verify`` the final database is
compared table by table with a cold build of the same files.

Usage: python benchmarks/incremental_build.py --citations 1000000 [--repeat 3] [--verify]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, corpus, instrument, machine, median, print_table

from datasette_heritage.build import atomic_write, incremental, writer
from datasette_heritage.build import pipeline as build_module
from datasette_heritage.build.manifest import CACHE_ENV

STAGES = [
    (incremental, "find_changes", "stat files, hash the changed"),
    (incremental, "reread", "load changed files and dependents"),
    (atomic_write.shutil, "copyfile", "copy the database"),
    (incremental, "replace_rows_of_files", "delete and insert rows, FTS, derived columns"),
    (incremental, "replace_vocabularies", "replace vocabularies"),
    (incremental, "inconsistencies_in_changes", "check the changes"),
    (atomic_write, "_fsync", "fsync and rename"),
    (writer, "verified_citations", "count verified citations for the summary"),
]


def edits(data: Path) -> list[tuple]:
    """(name, path, edited bytes) for each kind of edit: one file each, through
    the same YAML writer the corpus was written with."""
    from datasette_heritage.build.safe_yaml import read_yaml_file
    from datasette_heritage.synth import record_yaml

    def edited(path: Path, change: Callable[[list], None]) -> str:
        records = read_yaml_file(str(path), str(path))[0]
        change(records)
        return "".join(record_yaml(r) for r in records)

    events = sorted((data / "events").glob("*.yml"))
    middle = events[len(events) // 2]
    monuments = sorted((data / "monuments").glob("*.yml"))[0]
    source_text = sorted((data / "sources").rglob("*.txt"))[0]
    causes = data / "vocabularies" / "causes.yml"
    return [
        (
            "one event retitled (a file of ~1,000 events)",
            middle,
            edited(middle, lambda r: r[0].update(title="Retitled")),
        ),
        (
            "one monument renamed (a file of ~1,000 monuments)",
            monuments,
            edited(monuments, lambda r: r[0].update(name="Renamed")),
        ),
        (
            "a source's text gains a paragraph (its citations move)",
            source_text,
            "An editor's note first.\n\n" + source_text.read_text(encoding="utf-8"),
        ),
        (
            "a vocabulary term's label and description edited",
            causes,
            edited(causes, lambda r: r[0].update(label="Relabelled", description="Edited.")),
        ),
    ]


def dump(db_path: Path) -> dict[str, Any]:
    from datasette_heritage.build import summaries
    from datasette_heritage.build.writer import TABLES, VIEWS

    conn = sqlite3.connect(db_path)
    out = {
        name: sorted(conn.execute(f"SELECT * FROM [{name}]").fetchall(), key=repr)
        for name in list(TABLES) + list(summaries.TABLES) + list(VIEWS)
    }
    conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citations", type=int, default=1000000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--verify",
        action="store_true",
        help="compare with a cold build at the end (slow at large sizes)",
    )
    args = parser.parse_args()

    print(f"machine: {machine()}")
    work = BENCH_DIR / f"incremental-{args.citations}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    data = work / "data"
    shutil.copytree(corpus(args.citations), data)
    os.environ[CACHE_ENV] = str(work / "cache")
    target = work / "heritage.db"

    started = time.perf_counter()
    summary = build_module.build(data, target, incremental=True)
    cold = time.perf_counter() - started
    print(
        f"cold build with manifest: {cold:.2f}s, database "
        f"{target.stat().st_size / 2**20:,.0f} MiB, {summary.files:,} files"
    )

    totals: dict[str, float] = defaultdict(float)
    instrument(STAGES, totals)
    results = []
    started = time.perf_counter()
    summary = build_module.build(data, target, incremental=True)
    results.append(
        ("nothing changed", [time.perf_counter() - started], summary.files_reread, dict(totals))
    )
    modes = {"copy": False, "in place": True}
    for name, path, edited in edits(data):
        original = path.read_bytes()
        for mode, in_place in modes.items():
            times, stages = [], defaultdict(list)
            reread = None
            for _i in range(args.repeat):
                for content in (edited.encode("utf-8"), original):
                    path.write_bytes(content)
                    totals.clear()
                    started = time.perf_counter()
                    summary = build_module.build(data, target, incremental=True, in_place=in_place)
                    seconds = time.perf_counter() - started
                    if content is not original:  # time the edit, not the undo
                        times.append(seconds)
                        reread = summary.files_reread
                        for stage, value in totals.items():
                            stages[stage].append(value)
            results.append(
                (f"{name}, {mode}", times, reread, {s: median(v) for s, v in stages.items()})
            )
            print(
                f"{name}, {mode}: median {median(times):.2f}s over {len(times)} "
                f"({', '.join(f'{t:.2f}' for t in times)}); files re-read: {reread}",
                flush=True,
            )

    print()
    rows = [
        [
            name,
            f"{median(times):.2f}",
            str(reread),
            "; ".join(f"{stage} {value:.2f}" for stage, value in stages.items() if value >= 0.01),
        ]
        for name, times, reread, stages in results
    ]
    print_table(
        ["edit", "incremental build s (median)", "files re-read", "where the time goes (s)"], rows
    )
    print(f"cold build of the same corpus: {cold:.2f}s")
    if args.verify:
        # The files are back as they were; the database after all those
        # edits and undos must be what a cold build gives.
        cold_db = work / "cold.db"
        build_module.build(data, cold_db)
        same = dump(cold_db) == dump(target)
        print(f"identical to a cold build: {same}")
        if not same:
            raise SystemExit(1)
    print(json.dumps({"cold": cold, "edits": {r[0]: median(r[1]) for r in results}}))
    print(f"machine after: {machine()}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
