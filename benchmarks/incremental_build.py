"""Incremental build speed: how long a build into the existing database takes
after editing one file, by kind of edit, and where that time goes.

On a scratch copy of the synthetic corpus: one cold build that records its
manifest, then, repeated, each edit followed by a build into the existing
database (timed, wall and CPU), then the edit undone and built again. Each
repetition makes a different edit, so a spare (build/spare.py) two builds
behind always has something to catch up with. Three ways: a copy of the
database (``keep_spare=False``), the spare (the default; one untimed edit
first, to make one), in place. Stages are timed by wrapping the functions
that do them. With ``--verify`` the final database is compared table by
table with a cold build of the same files.

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
from datasette_heritage.build.manifest import CACHE_ENV, Manifest
from datasette_heritage.build.spare import spare_path

STAGES = [
    (incremental, "read_manifest", "read the manifest"),
    (incremental, "find_changes", "stat files, hash the changed"),
    (incremental, "spare_edits", "the spare's edits"),
    (incremental, "claim_spare", "claim the spare (rename, lease)"),
    (incremental, "reread", "load changed files and dependents"),
    (atomic_write.shutil, "copyfile", "copy the database"),
    (incremental, "replace_rows_of_files", "delete and insert rows, FTS, derived columns"),
    (incremental, "replace_vocabularies", "replace vocabularies"),
    (incremental, "inconsistencies_in_changes", "check the changes"),
    (atomic_write, "_fsync", "fsync and rename"),
    (writer, "verified_citations", "count verified citations for the summary"),
    (Manifest, "write", "write the manifest"),
]


def edits(data: Path) -> list[tuple[str, Callable[[int], tuple[Path, str]]]]:
    """(name, edit) for each kind of edit: ``edit(i)`` gives the file and its
    text for the i-th repetition (a different edit each time), written
    through the same YAML writer the corpus was written with."""
    from datasette_heritage.build.safe_yaml import read_yaml_file
    from datasette_heritage.synth import record_yaml

    def edited(path: Path, change: Callable[[list], None]) -> str:
        records = read_yaml_file(str(path), str(path))[0]
        change(records)
        return "".join(record_yaml(r) for r in records)

    events = sorted((data / "events").glob("*.yml"))
    middle = events[len(events) // 2]
    # (A tiny corpus has one events file: then it is edited each time.)
    in_turn = (middle, events[(len(events) // 2 + 1) % len(events)])
    monuments = sorted((data / "monuments").glob("*.yml"))[0]
    source_text = sorted((data / "sources").rglob("*.txt"))[0]
    text = source_text.read_text(encoding="utf-8")
    causes = data / "vocabularies" / "causes.yml"
    return [
        (
            "one event retitled (a file of ~1,000 events)",
            lambda i: (middle, edited(middle, lambda r: r[0].update(title=f"Retitled {i}"))),
        ),
        (
            "one event retitled, in one of two files in turn (the spare catches up with both)",
            lambda i: (
                in_turn[i % 2],
                edited(in_turn[i % 2], lambda r: r[0].update(title=f"In turn {i}")),
            ),
        ),
        (
            "one monument renamed (a file of ~1,000 monuments)",
            lambda i: (monuments, edited(monuments, lambda r: r[0].update(name=f"Renamed {i}"))),
        ),
        (
            "a source's text gains a paragraph (its citations move)",
            lambda i: (source_text, f"An editor's note {i}.\n\n" + text),
        ),
        (
            "a vocabulary term's label and description edited",
            lambda i: (
                causes,
                edited(causes, lambda r: r[0].update(label=f"Label {i}", description=f"Said {i}.")),
            ),
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
    seconds = time.perf_counter() - started
    results.append(("nothing changed", [seconds], summary.files_reread, dict(totals), [], 0))
    modes = {"copy": {"keep_spare": False}, "spare": {}, "in place": {"in_place": True}}
    spare = spare_path(target)
    for name, edit in edits(data):
        for mode, options in modes.items():
            times, cpu, stages = [], [], defaultdict(list)
            reread, spared = None, 0
            # The spare mode starts with an untimed edit: the copy mode leaves no spare.
            first = -1 if mode == "spare" else 0
            for i in range(first, args.repeat):
                path, edited = edit(i)
                original = path.read_bytes()
                for content in (edited.encode("utf-8"), original):
                    path.write_bytes(content)
                    totals.clear()
                    spare_inode = spare.stat().st_ino if spare.exists() else None
                    started, started_cpu = time.perf_counter(), time.process_time()
                    summary = build_module.build(data, target, incremental=True, **options)
                    seconds = time.perf_counter() - started
                    if content is not original and i >= 0:  # time the edit, not the undo
                        times.append(seconds)
                        cpu.append(time.process_time() - started_cpu)
                        reread = summary.files_reread
                        spared += target.stat().st_ino == spare_inode
                        for stage, value in totals.items():
                            stages[stage].append(value)
            results.append(
                (
                    f"{name}, {mode}",
                    times,
                    reread,
                    {s: median(v) for s, v in stages.items()},
                    cpu,
                    spared,
                )
            )
            print(
                f"{name}, {mode}: median {median(times):.2f}s wall, {median(cpu):.2f}s CPU "
                f"over {len(times)} ({', '.join(f'{t:.2f}' for t in times)}); files re-read: "
                f"{reread}; spare swapped in {spared} of {len(times)}; {machine()}",
                flush=True,
            )

    print()
    rows = [
        [
            name,
            f"{median(times):.2f}",
            f"{median(cpu):.2f}" if cpu else "",
            str(reread),
            f"{spared} of {len(times)}",
            "; ".join(f"{stage} {value:.2f}" for stage, value in stages.items() if value >= 0.01),
        ]
        for name, times, reread, stages, cpu, spared in results
    ]
    print_table(
        [
            "edit",
            "wall s (median)",
            "CPU s (median)",
            "files re-read",
            "spare swapped in",
            "where the time goes (wall s)",
        ],
        rows,
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
    figures = {
        "cold": cold,
        "edits": {r[0]: median(r[1]) for r in results},
        "spare_swapped_in": {r[0]: r[5] for r in results},
    }
    print(json.dumps(figures))
    print(f"machine after: {machine()}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
