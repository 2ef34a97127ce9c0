"""Cold build speed and peak memory, side by side with the ecosystem's
loader and two floors.

For each corpus size, in the same run and interleaved:

- ours: ``datasette_heritage.build.pipeline.build()`` into a new file (parse,
  validate, verify every quote, write, index, full-text search, summaries,
  check, fsync, swap);
- yaml-to-sqlite's method (benchmarks/baseline_yaml_to_sqlite.py): PyYAML
  ``safe_load`` per file, JSON round trip, sqlite-utils ``upsert_all``, all
  in one process (the real tool starts a process per file: see --real-tool);
- floor "read bytes": every YAML and text file read into memory, nothing more;
- floor "libyaml events": every YAML file read and run through libyaml's
  event stream (the parser's events, no documents built): what any loader
  that keeps line numbers with PyYAML has to pay.

Each run is a child process; its wall time and its CPU time (user + system,
of the work itself: the interpreter's start-up is in neither) are both
reported, so the ratios can be read on a machine shared with other work.
Peak memory is the child's maxrss.

``--real-tool N`` also times the real yaml-to-sqlite command, one process per
file as it is used, on the first N record files of the smallest corpus,
against the in-process method on the same files (it must be installed:
``pip install yaml-to-sqlite``).

Usage: python benchmarks/build_speed.py --citations 50000 200000 1000000 [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, corpus, machine, median, mib, print_table, run_child

METHODS = ("ours", "yaml-to-sqlite", "read bytes", "libyaml events")


def child(method: str, data_dir: Path, db_path: Path) -> None:
    """Run one method in this (child) process and print its figures as JSON."""
    for path in (db_path, Path(str(db_path) + "-journal")):
        if path.exists():
            path.unlink()
    started, cpu_started = time.perf_counter(), time.process_time()
    figures: dict = {}
    if method == "ours":
        from datasette_heritage.build.pipeline import build

        summary = build(data_dir, db_path)
        figures = {"files": summary.files, "citations": summary.tables.get("citations", 0)}
    elif method == "yaml-to-sqlite":
        from baseline_yaml_to_sqlite import load

        figures = {"files": load(data_dir, db_path)}
    elif method == "read bytes":
        figures = {"bytes": sum(len(read(p)) for p in data_files(data_dir))}
    else:
        figures = {"events": sum(libyaml_events(read(p)) for p in data_files(data_dir, ".yml"))}
    figures["seconds"] = time.perf_counter() - started
    figures["cpu"] = time.process_time() - cpu_started
    figures["db_bytes"] = db_path.stat().st_size if db_path.exists() else 0
    print(json.dumps(figures))


def data_files(data_dir: Path, *suffixes: str) -> list[Path]:
    """Every file of the corpus (or those with these suffixes), in a stable order."""
    found = []
    for folder, _, names in sorted(os.walk(data_dir)):
        found += [Path(folder) / n for n in sorted(names) if not suffixes or n.endswith(suffixes)]
    return found


def read(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def libyaml_events(raw: bytes) -> int:
    from yaml._yaml import CParser

    next_event = CParser(raw).get_event
    count = 0
    while next_event() is not None:
        count += 1
    return count


def real_tool(data_dir: Path, files: int) -> dict[str, float] | None:
    """The real yaml-to-sqlite command, a process per file, on the first
    record files of the corpus, and the in-process method on the same files."""
    command = shutil.which("yaml-to-sqlite") or str(Path(sys.executable).parent / "yaml-to-sqlite")
    if not Path(command).exists():
        return None
    from baseline_yaml_to_sqlite import load_file

    chosen = [
        p
        for folder in ("sites", "monuments", "sources", "events")
        for p in sorted((data_dir / folder).rglob("*.yml"))
    ][:files]
    timings = {}
    for label in ("one process per file", "in one process"):
        db_path = BENCH_DIR / "real-tool.db"
        if db_path.exists():
            db_path.unlink()
        started = time.perf_counter()
        cpu = os.times()
        for path in chosen:
            table = path.parent.name
            if label == "one process per file":
                subprocess.run([command, str(db_path), table, str(path), "--pk", "id"], check=True)
            else:
                load_file(path, table, db_path)
        after = os.times()
        timings[label] = time.perf_counter() - started
        timings[label + " CPU"] = sum(after[:4]) - sum(cpu[:4])
        db_path.unlink()
    timings["files"] = len(chosen)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citations", type=int, nargs="+", default=[50000, 200000, 1000000])
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs per method (default: 3 up to 100,000 citations, else 1)",
    )
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--real-tool", type=int, default=0, metavar="FILES")
    parser.add_argument(
        "--child", nargs=3, metavar=("METHOD", "DATA", "DB"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return

    print(f"machine: {machine()}")
    table = []
    figures_by_size: dict = {}
    for n in args.citations:
        data_dir = corpus(n)
        repeat = args.repeat or (3 if n <= 100000 else 1)
        runs: dict = {m: [] for m in args.methods}
        for i in range(repeat):
            for method in args.methods:
                db_path = BENCH_DIR / f"build-{method.replace(' ', '-')}-{n}.db"
                figures = run_child([__file__, "--child", method, str(data_dir), str(db_path)])
                runs[method].append(figures)
                print(
                    f"N={n:,} run {i + 1}/{repeat} {method}: {figures['seconds']:.2f} s wall, "
                    f"{figures['cpu']:.2f} s CPU, peak {mib(figures['maxrss'])} MiB, "
                    f"db {mib(figures['db_bytes'])} MiB",
                    flush=True,
                )
                if db_path.exists():
                    os.unlink(db_path)
        wall = {m: median([r["seconds"] for r in runs[m]]) for m in args.methods}
        cpu = {m: median([r["cpu"] for r in runs[m]]) for m in args.methods}
        peak = {m: max(r["maxrss"] for r in runs[m]) for m in args.methods}
        figures_by_size[str(n)] = {
            m: {"seconds": wall[m], "cpu": cpu[m], "maxrss": peak[m]} for m in args.methods
        }
        files = next((r[0]["files"] for r in runs.values() if "files" in r[0]), "")

        def ratio(a: str, b: str, of: dict) -> str:
            return f"{of[a] / of[b]:.1f}x" if a in of and b in of and of[b] else "-"

        row = [f"{n:,}", f"{files:,}" if files else "", str(repeat)]
        for m in METHODS:
            row.append(f"{wall[m]:.2f} / {cpu[m]:.2f}" if m in wall else "-")
        row += [
            f"{ratio('yaml-to-sqlite', 'ours', wall)} / {ratio('yaml-to-sqlite', 'ours', cpu)}",
            f"{ratio('ours', 'libyaml events', wall)} / {ratio('ours', 'libyaml events', cpu)}",
            f"{ratio('ours', 'read bytes', cpu)}",
        ]
        row += [mib(peak[m]) if m in peak else "-" for m in ("ours", "yaml-to-sqlite")]
        table.append(row)
    print()
    print_table(
        [
            "citations",
            "files",
            "runs",
            *(f"{m} s (wall / CPU)" for m in METHODS),
            "yaml-to-sqlite / ours (wall / CPU)",
            "ours / libyaml events (wall / CPU)",
            "ours / read bytes (CPU)",
            "ours peak MiB",
            "yaml-to-sqlite peak MiB",
        ],
        table,
    )
    if args.real_tool:
        timings = real_tool(corpus(min(args.citations)), args.real_tool)
        if timings is None:
            print("real tool: yaml-to-sqlite is not installed (pip install yaml-to-sqlite)")
        else:
            slower = timings["one process per file"] / timings["in one process"]
            print(
                f"real tool on {timings['files']} files: one process per file "
                f"{timings['one process per file']:.2f} s wall "
                f"({timings['one process per file CPU']:.2f} s CPU), in one process "
                f"{timings['in one process']:.2f} s ({timings['in one process CPU']:.2f} s CPU): "
                f"{slower:.1f}x slower"
            )
            figures_by_size["real_tool"] = timings
    print(f"machine after: {machine()}")
    print(json.dumps(figures_by_size))


if __name__ == "__main__":
    main()
