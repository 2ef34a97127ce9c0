"""Helpers shared by the benchmark scripts: corpora, child processes, figures.

Each measured run happens in a child process, so its peak memory (maxrss from
``os.wait4``) is its own, and runs of the different methods are interleaved so
that other load on the machine falls on all of them alike.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("HERITAGE_BENCH_DIR", "/tmp/heritage-bench"))

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def corpus(citations: int, seed: int = 0) -> Path:
    """A synthetic corpus of that size, generated once and kept under BENCH_DIR."""
    from datasette_heritage.synth import synthesize

    path = BENCH_DIR / f"corpus-{citations}-seed{seed}"
    done = BENCH_DIR / f"corpus-{citations}-seed{seed}.complete"
    if not done.exists():
        shutil.rmtree(path, ignore_errors=True)
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        synthesize(path, citations, seed)
        done.touch()
    return path


def run_child(args: Sequence[str]) -> dict[str, Any]:
    """Run ``python args...``; its last stdout line is a JSON object of figures.
    Adds ``maxrss`` (bytes) and ``rusage_cpu`` (user + system seconds, the
    interpreter's start-up included) from the child's own resource usage."""
    with open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(
            [sys.executable, *args],
            stdin=devnull,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = _read_all(proc)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{err[-3000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    figures = json.loads(lines[-1])
    figures["maxrss"] = usage.ru_maxrss * 1024  # kilobytes on Linux
    figures["rusage_cpu"] = usage.ru_utime + usage.ru_stime  # start-up included
    return figures


def _read_all(proc: subprocess.Popen) -> tuple:
    # communicate() would reap the child and lose its rusage; read both pipes
    # with threads instead, then wait4 for the usage.
    import threading

    chunks: dict[str, str] = {}

    def drain(name: str, stream: Any) -> None:
        chunks[name] = stream.read()

    threads = [
        threading.Thread(target=drain, args=(n, s))
        for n, s in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return chunks["out"], chunks["err"]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def mib(value: float) -> str:
    return f"{value / 2**20:,.0f}"


def machine() -> str:
    """One line describing where the figures were measured."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"load average {load}"
    )


def print_table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def instrument(
    stages: Sequence[Any],
    totals: dict[str, float],
    calls: dict[str, int] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> None:
    """Wrap each (module, function name, stage) so its time (by ``clock``:
    wall time, or time.process_time for CPU time) adds to totals[stage] (and
    its calls to calls[stage]); missing functions are skipped."""
    for module, name, stage in stages:
        original = getattr(module, name, None)
        if original is None:
            continue

        def timed(
            *args: Any, __original: Callable = original, __stage: str = stage, **kwargs: Any
        ) -> Any:
            started = clock()
            try:
                return __original(*args, **kwargs)
            finally:
                totals[__stage] += clock() - started
                if calls is not None:
                    calls[__stage] += 1

        setattr(module, name, timed)
