"""A bounded load test on loopback: many concurrent clients for a fixed time
over every page of the site, against a real server started the README way.

    .venv/bin/python benchmarks/load_test.py                 # data/, 50 clients, 30 s
    .venv/bin/python benchmarks/load_test.py --clients 10 --seconds 5
    .venv/bin/python benchmarks/load_test.py --db /tmp/bench/heritage.db --rows 50

The server is ``datasette serve -i DB --inspect-file ... -m metadata.yml``
with the public-site settings (datasette_heritage.site.serving), one process on
127.0.0.1, as scripts/serve.sh runs it. The pages are every page of the
plugin with its JSON twin (overview, timeline and timeline per site, every
monument, event and source, or the first --rows of each), and Datasette's
own: index, database, every table and its JSON, row pages and their JSON,
each default facet, the saved queries of metadata.yml, the GeoJSON, CSL-JSON
and CSV exports. Each client walks the list from its own starting point, one
request at a time on a keep-alive connection, until the time is up (the
list is shuffled once, so a short run still covers every kind of page).

Each client behaves as a browser does when a server closes an idle
keep-alive connection just as the client reuses it: a GET that fails on a
reused connection before any of its response arrived is sent once more
(RFC 9112, section 9.3.1). uvicorn closes a connection idle for 5 s, and
httpx keeps one for 5 s, so now and then the two cross; those retries are
counted and printed apart, not as errors.

Prints requests, errors, retries, throughput and p50/p95/p99/max latency,
overall and by kind of page; exits non-zero on any error (a status other
than 200, or a failed request). The client runs on the same machine (on a 2-core machine it
takes a good share of the CPU), so the figures are a floor for the server.
Figures, not assertions: tests/test_load_benchmark.py runs a short version for errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import yaml  # noqa: E402

from datasette_heritage.build.pipeline import build  # noqa: E402
from datasette_heritage.site.serving import serve_args  # noqa: E402
from tests.site_pages import datasette_pages, plugin_pages  # noqa: E402

METADATA = ROOT / "metadata.yml"


def site_paths(db: Path, rows: int | None) -> list[tuple[str, str]]:
    """(kind, path) for every page the test requests."""
    paths: list[tuple[str, str]] = []
    for html_path, json_path in plugin_pages(db, limit=rows):
        paths += [("plugin page", html_path), ("plugin JSON", json_path)]
    for html_path, json_path in datasette_pages(db, limit=rows):
        paths += [("Datasette page", html_path), ("Datasette JSON", json_path)]
    database = db.stem
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    config = metadata.get("databases", {}).get("heritage", {})
    for table, table_config in config.get("tables", {}).items():
        for facet in table_config.get("facets") or []:
            if isinstance(facet, dict):
                ((kind, column),) = facet.items()
                query = {f"_facet_{kind}": column}
            else:
                query = {"_facet": facet}
            paths.append(("Datasette facet", f"/{database}/{table}?{urlencode(query)}"))
    for name in config.get("queries", {}):
        paths += [
            ("saved query", f"/{database}/{name}"),
            ("saved query", f"/{database}/{name}.json"),
        ]
    paths += [
        ("export", f"/{database}/monuments.geojson"),
        ("export", f"/{database}/sources.csljson"),
        ("export", f"/{database}/events.csv"),
        ("export", f"/{database}/citation_details.csv"),
    ]
    return paths


def start_server(
    db: Path, port: int, log_path: Path, metadata: Path = METADATA
) -> subprocess.Popen:
    inspect_file = db.with_name(db.name + ".inspect.json")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "datasette",
            "inspect",
            str(db),
            "--inspect-file",
            str(inspect_file),
        ],
        check=True,
    )
    args = [sys.executable, "-m", "datasette", *serve_args(db, inspect_file, metadata, port=port)]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit("datasette exited:\n" + log_path.read_text(errors="replace"))
        try:
            if httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("datasette did not start in 60 s")


# What httpx raises when the server has closed the connection under the request.
CLOSED_UNDER_REQUEST = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


async def get_like_a_browser(
    http: httpx.AsyncClient, path: str
) -> tuple[httpx.Response, str | None]:
    """The response to GET ``path``, and what failed when it had to be sent
    again (None when the first answer came).

    A connection the server closed after its keep-alive timeout, just as the
    pool handed it to this request, fails before any response arrives;
    browsers send such an idempotent request again rather than show an
    error (Chromium: a reused connection that failed before response
    headers). httpcore's trace events tell whether this request opened its
    connection and whether response headers came back. The first failure is
    returned so that the report shows every one (its kind and how long it
    took: the race fails at once, a server that died mid-request does not);
    a second failure is raised, an error like any other."""
    events: list[str] = []

    async def trace(name: str, info: dict) -> None:
        events.append(name)

    began = time.perf_counter()
    try:
        return await http.get(path, extensions={"trace": trace}), None
    except CLOSED_UNDER_REQUEST as error:
        reused = "connection.connect_tcp.started" not in events
        answered = "http11.receive_response_headers.complete" in events
        if not reused or answered:
            raise
        failed = f"{type(error).__name__} after {(time.perf_counter() - began) * 1000:.1f} ms"
    return await http.get(path), failed


async def client(
    http: httpx.AsyncClient,
    paths: list[tuple[str, str]],
    start: int,
    deadline: float,
    results: list[tuple[str, str, float, int]],
    errors: list[str],
    retries: list[str],
) -> None:
    i = start
    while time.perf_counter() < deadline:
        kind, path = paths[i % len(paths)]
        i += 1
        began = time.perf_counter()
        try:
            response, failed = await get_like_a_browser(http, path)
            status = response.status_code
            if failed is not None:
                retries.append(f"{path} ({failed})")
        except httpx.HTTPError as error:
            status = 0
            errors.append(f"{path}: {type(error).__name__}: {error}")
        elapsed = time.perf_counter() - began
        results.append((kind, path, elapsed, status))
        if status != 200 and status != 0:
            errors.append(f"{path}: HTTP {status}")


async def run_load(
    url: str, paths: list[tuple[str, str]], clients: int, seconds: float
) -> tuple[list[tuple[str, str, float, int]], list[str], list[str], float]:
    results: list[tuple[str, str, float, int]] = []
    errors: list[str] = []
    retries: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:
        began = time.perf_counter()
        deadline = began + seconds
        step = max(1, len(paths) // clients)
        await asyncio.gather(
            *(
                client(http, paths, n * step, deadline, results, errors, retries)
                for n in range(clients)
            )
        )
        wall = time.perf_counter() - began
    return results, errors, retries, wall


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(results, errors, retries, wall, clients, paths, db) -> dict:
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_path: dict[str, list[float]] = defaultdict(list)
    for kind, path, elapsed, _ in results:
        by_kind[kind].append(elapsed * 1000)
        by_path[path].append(elapsed * 1000)
    everything = [e * 1000 for _, _, e, _ in results]
    figures = {
        "database": str(db),
        "distinct_pages": len(paths),
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": len(results),
        "errors": len(errors),
        "retries": len(retries),
        "throughput_rps": round(len(results) / wall, 1),
        "p50_ms": round(statistics.median(everything), 1) if everything else None,
        "p95_ms": round(percentile(everything, 95), 1) if everything else None,
        "p99_ms": round(percentile(everything, 99), 1) if everything else None,
        "max_ms": round(max(everything), 1) if everything else None,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    print(f"Load test: {clients} clients for {wall:.1f} s over {len(paths)} pages of {db}")
    print(f"  machine: {figures['machine']} (server and clients share it)")
    print(
        f"  requests {figures['requests']:,}  errors {figures['errors']}  "
        f"throughput {figures['throughput_rps']:,.1f} req/s"
    )
    print(
        f"  sent again after the server closed a reused keep-alive connection: {figures['retries']}"
    )
    for retry in retries:
        print("  sent again:", retry)
    print(
        f"  latency ms: p50 {figures['p50_ms']}  p95 {figures['p95_ms']}  "
        f"p99 {figures['p99_ms']}  max {figures['max_ms']}"
    )
    print(f"  {'kind of page':<16} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in sorted(by_kind):
        values = by_kind[kind]
        print(
            f"  {kind:<16} {len(values):>9,} {statistics.median(values):>8.1f} "
            f"{percentile(values, 95):>8.1f} {percentile(values, 99):>8.1f}"
        )
    slowest = sorted(by_path.items(), key=lambda item: -statistics.median(item[1]))[:5]
    print(
        "  slowest pages (median ms): "
        + ", ".join(f"{path} {statistics.median(values):.0f}" for path, values in slowest)
    )
    for error in errors[:10]:
        print("  error:", error)
    if len(errors) > 10:
        print(f"  ... and {len(errors) - 10} more errors")
    print(json.dumps(figures))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="a built database (default: build data/)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--rows",
        type=int,
        default=None,
        help="at most this many records of each table (default: all)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        if args.db is None:
            db = Path(tmp) / "heritage.db"
            build(ROOT / "data", db)
        else:
            # Served as heritage.db, so metadata.yml applies to it.
            db = Path(tmp) / "heritage.db"
            db.symlink_to(args.db.resolve())
        paths = site_paths(db, args.rows)
        # Mixed, so that a short run still asks for every kind of page.
        random.Random(0).shuffle(paths)
        port = _free_port()
        server = start_server(db, port, Path(tmp) / "server.log")
        try:
            results, errors, retries, wall = asyncio.run(
                run_load(f"http://127.0.0.1:{port}", paths, args.clients, args.seconds)
            )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(15)
        report(results, errors, retries, wall, args.clients, paths, args.db or ROOT / "data")
    return 1 if errors else 0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
