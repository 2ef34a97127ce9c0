"""Page speed on a real server: the plugin's pages and JSON twins against
Datasette's own row and table pages on the same database, and every default
facet and saved query of metadata.yml against Datasette's time limits.

The server is ``datasette serve -i`` with an inspect file and the public
site's settings (datasette_heritage.site.serving.serve_args), pinned to one core
with taskset; the load generator is another process pinned to the other core
and requests one page at a time over a keep-alive loopback connection, so
the figures are latencies, not throughput. Ids are a fixed sample of the
database's monuments, events and sources.

Prints p50/p95 per kind of page, the server's CPU time per request (from
/proc, so load from elsewhere on the machine does not count), the ratio of
each plugin page to Datasette's row page of the same table, and the checks
against Datasette's limits: every table and view page of the database with
its default facets (no facet may time out, nor the row count, which
Datasette gives up on silently after the SQL time limit), and every saved
query (none may fail or take over the 1000 ms SQL limit).

Usage: python benchmarks/page_speed.py --citations 1000000 [--requests 200]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, ROOT, corpus, machine, print_table

METADATA = ROOT / "metadata.yml"
FACET_LIMIT_MS = 200  # Datasette's default facet_time_limit_ms
SQL_LIMIT_MS = 1000  # Datasette's default sql_time_limit_ms


def database_for(citations: int) -> Path:
    """Our cold build of the corpus, kept as BENCH_DIR/pages-N/heritage.db."""
    from datasette_heritage.build.pipeline import build

    folder = BENCH_DIR / f"pages-{citations}"
    db_path = folder / "heritage.db"
    done = folder / "built"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        build(corpus(citations), db_path)
        done.touch()
    return db_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cores: str) -> list[str]:
    return ["taskset", "-c", cores] if shutil.which("taskset") and os.cpu_count() > 1 else []


def start_server(db_path: Path) -> tuple[subprocess.Popen, int]:
    from datasette_heritage.site.serving import serve_args

    inspect_file = db_path.with_suffix(".inspect.json")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "datasette",
            "inspect",
            str(db_path),
            "--inspect-file",
            str(inspect_file),
        ],
        check=True,
    )
    port = free_port()
    args = serve_args(db_path, inspect_file, METADATA if METADATA.exists() else None, port=port)
    process = subprocess.Popen(
        [*pinned("0"), sys.executable, "-m", "datasette", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("datasette exited: " + process.stderr.read().decode()[-2000:])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/-/versions.json")
            if conn.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("datasette did not start in 60 s")


def sample_ids(db_path: Path, count: int) -> dict[str, list[str]]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rng = random.Random(0)
    ids = {}
    for table in ("monuments", "events", "sources"):
        total = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
        rowids = sorted(rng.sample(range(1, total + 1), min(count, total)))
        ids[table] = [
            conn.execute(f"SELECT id FROM {table} WHERE rowid = ?", (r,)).fetchone()[0]
            for r in rowids
        ]
    conn.close()
    return ids


def page_groups(ids: dict[str, list[str]]) -> dict[str, list[str]]:
    """Kind of page -> the paths to request for it (cycled through)."""
    from urllib.parse import quote

    groups: dict[str, list[str]] = {}
    singular = {"monuments": "monument", "events": "event", "sources": "source"}
    for table, values in ids.items():
        name = singular[table]
        for suffix in ("", ".json"):
            groups[f"heritage {name}{suffix}"] = [
                f"/-/heritage/{table}/{quote(v, safe='')}{suffix}" for v in values
            ]
            groups[f"datasette {name} row{suffix}"] = [
                f"/heritage/{table}/{quote(v, safe='')}{suffix}" for v in values
            ]
    for suffix in ("", ".json"):
        groups[f"heritage overview{suffix}"] = [f"/-/heritage{suffix}"]
        groups[f"heritage timeline{suffix}"] = [f"/-/heritage/timeline{suffix}"]
        for table in ("monuments", "events", "citations", "sources"):
            groups[f"datasette {table} table{suffix}"] = [f"/heritage/{table}{suffix}"]
    return groups


def metadata_checks(db_path: Path) -> tuple[dict[str, list[str]], list[str]]:
    """(every table and view of the database -> its default facets from
    metadata.yml, saved query names)."""
    import yaml

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' ORDER BY type, name"
        )
    ]
    conn.close()
    meta = yaml.safe_load(METADATA.read_text(encoding="utf-8")) if METADATA.exists() else {}
    database = (meta.get("databases") or {}).get("heritage") or {}
    tables = database.get("tables") or {}
    facets = {t: [facet_column(f) for f in (tables.get(t) or {}).get("facets", [])] for t in names}
    return facets, sorted(database.get("queries") or {})


def facet_column(facet: Any) -> str:
    """The column a metadata facet is on: "kind", {"year": "date"} or
    {"year": {"column": "event_date", ...}} (the key of its facet_results)."""
    if isinstance(facet, dict):
        (value,) = facet.values()
        return value["column"] if isinstance(value, dict) else value
    return facet


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its threads so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_generator(port: int, plan: dict[str, Any]) -> dict[str, Any]:
    """Runs in the pinned child: latencies per group, facet and query checks."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    server = plan["server_pid"]

    def get(path: str) -> tuple[float, int, bytes]:
        started = time.perf_counter()
        conn.request("GET", path, headers={"Accept-Encoding": "identity"})
        response = conn.getresponse()
        body = response.read()
        return (time.perf_counter() - started) * 1000, response.status, body

    results: dict[str, Any] = {"pages": {}, "facets": [], "queries": []}
    groups = plan["groups"]
    for paths in groups.values():  # warm up every page once
        for path in paths[:3]:
            get(path)
    for name, paths in groups.items():
        times, failures = [], []
        cpu = cpu_seconds(server)
        for i in range(plan["requests"]):
            path = paths[i % len(paths)]
            ms, status, _ = get(path)
            times.append(ms)
            if status != 200:
                failures.append(f"{status} {path}")
        cpu_ms = (cpu_seconds(server) - cpu) * 1000 / plan["requests"]
        results["pages"][name] = {"ms": times, "cpu_ms": cpu_ms, "failures": failures[:5]}
    for table, facets in plan["facets"].items():
        # The table or view page as a visitor gets it (HTML, default page
        # size and facets), then its JSON for what timed out.
        times, status = [], 200
        cpu = cpu_seconds(server)
        for _ in range(plan["check_repeats"]):
            ms, status, html = get(f"/heritage/{table}")
            times.append(ms)
        cpu_ms = (cpu_seconds(server) - cpu) * 1000 / plan["check_repeats"]
        timed_out, count = set(), None
        _, json_status, body = get(f"/heritage/{table}.json?_size=1")
        if json_status == 200:
            data = json.loads(body)
            # Datasette 0.65 leaves a facet that timed out out of the JSON
            # (and names it only on the HTML page); a count it gave up on is null.
            timed_out.update(set(facets) - set(data.get("facet_results") or {}))
            count = data.get("filtered_table_rows_count")
        if b"facets-timed-out" in html and not timed_out:
            timed_out.add("(only the HTML page says which)")
        results["facets"].append(
            {
                "table": table,
                "facets": facets,
                "ms": times,
                "cpu_ms": cpu_ms,
                "status": status,
                "count": count,
                "timed_out": sorted(timed_out),
            }
        )
    for query in plan["queries"]:
        times, status, error = [], 200, None
        cpu = cpu_seconds(server)
        for _ in range(plan["check_repeats"]):
            ms, status, body = get(f"/heritage/{query}.json")
            times.append(ms)
            if status != 200:
                error = body.decode(errors="replace")[:200]
        cpu_ms = (cpu_seconds(server) - cpu) * 1000 / plan["check_repeats"]
        results["queries"].append(
            {"query": query, "ms": times, "cpu_ms": cpu_ms, "status": status, "error": error}
        )
    return results


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citations", type=int, default=1000000)
    parser.add_argument("--requests", type=int, default=200, help="requests per kind of page")
    parser.add_argument("--sample", type=int, default=50, help="ids sampled per table")
    parser.add_argument(
        "--check-repeats",
        type=int,
        default=5,
        help="requests per table (facets) and per saved query",
    )
    parser.add_argument("--child", nargs=2, metavar=("PORT", "PLAN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        plan = json.loads(Path(args.child[1]).read_text())
        print(json.dumps(load_generator(int(args.child[0]), plan)))
        return

    print(f"machine: {machine()}")
    db_path = database_for(args.citations)
    print(
        f"database: {db_path} ({db_path.stat().st_size / 2**20:,.0f} MiB, "
        f"{args.citations:,} citations)"
    )
    facets, queries = metadata_checks(db_path)
    plan = {
        "groups": page_groups(sample_ids(db_path, args.sample)),
        "requests": args.requests,
        "facets": facets,
        "queries": queries,
        "check_repeats": args.check_repeats,
    }
    server, port = start_server(db_path)
    plan["server_pid"] = server.pid
    plan_file = db_path.parent / "plan.json"
    plan_file.write_text(json.dumps(plan))
    try:
        done = subprocess.run(
            [*pinned("1"), sys.executable, __file__, "--child", str(port), str(plan_file)],
            capture_output=True,
            text=True,
        )
    finally:
        server.terminate()
        server.wait(10)
    if done.returncode != 0:
        raise SystemExit(f"load generator failed:\n{done.stderr[-3000:]}")
    results = json.loads(done.stdout.strip().splitlines()[-1])
    report(results)
    print(f"machine after: {machine()}")


def report(results: dict[str, Any]) -> None:
    pages = results["pages"]
    p50 = {name: percentile(r["ms"], 50) for name, r in pages.items()}
    rows = []
    failures = []
    row_pages = {
        suffix: statistics.median(
            p50[f"datasette {n} row{suffix}"] for n in ("monument", "event", "source")
        )
        for suffix in ("", ".json")
    }
    # A record page against Datasette's row page of the same table; overview
    # and timeline against the median of the three row pages.
    ratios = {}
    for name in p50:
        if name.startswith("heritage "):
            page, dot, _ = name.split(" ", 1)[1].partition(".")
            suffix = ".json" if dot else ""
            ratios[name] = p50[name] / (
                p50.get(f"datasette {page} row{suffix}") or row_pages[suffix]
            )
    listing = {"overview": "monuments", "timeline": "events"}
    cpu = {name: r["cpu_ms"] for name, r in pages.items()}
    cpu_ratios = {}
    for name, r in pages.items():
        ratio = listing_ratio = cpu_ratio = ""
        if name.startswith("heritage "):
            ratio = f"{ratios[name]:.2f}x"
            page, dot, _ = name.split(" ", 1)[1].partition(".")
            suffix = ".json" if dot else ""
            if page in listing:
                # A listing page against Datasette's table page of the same rows.
                other = f"datasette {listing[page]} table{suffix}"
                listing_ratio = f"{p50[name] / p50[other]:.2f}x"
            else:
                other = f"datasette {page} row{suffix}"
            if cpu[other]:
                cpu_ratios[name] = cpu[name] / cpu[other]
                cpu_ratio = f"{cpu_ratios[name]:.2f}x"
        rows.append(
            [
                name,
                f"{len(r['ms'])}",
                f"{p50[name]:.1f}",
                f"{percentile(r['ms'], 95):.1f}",
                f"{max(r['ms']):.1f}",
                f"{r['cpu_ms']:.1f}",
                ratio,
                listing_ratio,
                cpu_ratio,
            ]
        )
        failures += r["failures"]
    print()
    print_table(
        [
            "page",
            "requests",
            "p50 ms",
            "p95 ms",
            "max ms",
            "server CPU ms",
            "p50 / Datasette row page",
            "p50 / Datasette table page",
            "server CPU / Datasette's (row page; table page for listings)",
        ],
        rows,
    )
    rows = [
        [
            f["table"],
            ", ".join(f["facets"]) or "-",
            f"{percentile(f['ms'], 50):.0f}",
            f"{max(f['ms']):.0f}",
            f"{f['cpu_ms']:.0f}",
            str(f["status"]),
            "gave up" if f["count"] is None else f"{f['count']:,}",
            ", ".join(f["timed_out"]) or "none",
        ]
        for f in results["facets"]
    ]
    print()
    print_table(
        [
            "table or view page (default facets)",
            "facets",
            "p50 ms",
            "max ms",
            "server CPU ms",
            "status",
            "row count",
            "facets timed out",
        ],
        rows,
    )
    rows = [
        [
            q["query"],
            f"{percentile(q['ms'], 50):.0f}",
            f"{max(q['ms']):.0f}",
            f"{q['cpu_ms']:.0f}",
            str(q["status"]),
            (q["error"] or "").replace("|", "/")[:80],
        ]
        for q in results["queries"]
    ]
    print()
    print_table(["saved query", "p50 ms", "max ms", "server CPU ms", "status", "error"], rows)
    timed_out = sum(len(f["timed_out"]) for f in results["facets"])
    slow = [
        q["query"]
        for q in results["queries"]
        if q["status"] != 200 or percentile(q["ms"], 50) > SQL_LIMIT_MS
    ]
    print()
    failing_tables = [f["table"] for f in results["facets"] if f["status"] != 200]
    uncounted = [f["table"] for f in results["facets"] if f["count"] is None]
    print(
        f"pages failing: {len(failures)} {failures[:5]}; table and view pages failing "
        f"(over the SQL time limit): {failing_tables}; row counts given up: {uncounted}"
    )
    print(
        f"facets timed out: {timed_out}; saved queries failing or over "
        f"{SQL_LIMIT_MS} ms: {len(slow)} {slow}"
    )
    worst = max(ratios, key=ratios.get) if ratios else None
    if worst:
        print(
            f"plugin pages: worst p50 ratio to Datasette's row page {ratios[worst]:.2f}x ({worst})"
        )
    print(
        json.dumps(
            {
                "p50": p50,
                "cpu_ms": cpu,
                "ratios": ratios,
                "cpu_ratios": cpu_ratios,
                "counts_given_up": uncounted,
                "facets_timed_out": timed_out,
                "queries_failing": slow,
                "page_failures": len(failures),
                "tables_failing": failing_tables,
            }
        )
    )


if __name__ == "__main__":
    main()
