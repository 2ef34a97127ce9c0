"""What one anonymous visitor can make the server do: the requests of the
security review (issue 14), against a real server started the README way.

    .venv/bin/python benchmarks/hostile_requests.py                  # data/, every group
    .venv/bin/python benchmarks/hostile_requests.py --only facets,memory
    .venv/bin/python benchmarks/hostile_requests.py --db /tmp/bench/heritage.db --timeout 120

Groups (``--only``):

- ``facets``: the custom facets with hostile settings from the address (many
  facets, made-up columns, year spans of thousands of years, 1,500 dummy
  parameters, a 60 KB address with the largest facet size).
- ``memory``: the largest response anyone can ask for: ``?sql=`` returning as
  many 9 MB values as Datasette's time limit lets it build, as JSON, GeoJSON,
  CSL-JSON, CSV and HTML, and Datasette's own facets with a 60 KB address;
  then 8 clients asking at once for the largest allowed, each on a fresh
  server, without admission control and with it.
- ``renderers``: CSL-JSON of 1,000 distinct unusual EDTF dates.
- ``source``: the source page of a source cited 100,003 times (the database
  is copied and the citations inserted; the page is what is measured), and
  the page holding one of its passages (``?citation=``, as every link to a
  passage asks).
- ``slow-sql``: p50 of ``/-/heritage`` and of a static file while 0, 8 and
  32 clients run SQL that takes the full time limit, without admission
  control (``max_sql_requests`` 1000) and with the site's default, side by
  side in one run.

For each request: the status, the body's size, the wall time, the server's
CPU time (user + system, from /proc) and its peak memory (VmHWM, reset
before each request through /proc/PID/clear_refs). A request that gets no
answer within ``--timeout`` is counted as timed out and the server is
restarted, so the next request is measured alone. Figures, not assertions;
the last line is the figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import httpx  # noqa: E402
import yaml  # noqa: E402
from common import ROOT, machine  # noqa: E402
from load_test import METADATA, _free_port, percentile, start_server  # noqa: E402

from datasette_heritage.build.pipeline import build  # noqa: E402

GROUPS = ("facets", "memory", "renderers", "source", "slow-sql")
# max_sql_requests above any client count: no admission control.
METADATA_NO_LIMIT = 1000
TICKS = os.sysconf("SC_CLK_TCK")

# Rows of large values (as many as SQLite builds within the time limit).
BIG_ROWS = (
    "with recursive c(x) as (select 1 union all select x + 1 from c where x < {rows}) "
    "select x as id, 'title' as title, '2015' as published, 1.0 as latitude, "
    "1.0 as longitude, {value} as big from c"
)
NINE_MB = "hex(zeroblob(4500000))"
NON_ASCII = "replace(hex(zeroblob(1500000)), '0', char(233))"
# Runs until Datasette interrupts it at sql_time_limit_ms.
SLOW_SQL = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
# 1,000 distinct dates in forms the fast path leaves to the edtf library.
UNUSUAL_EDTF = (
    "with recursive c(x) as (select 1 union all select x + 1 from c where x < 1000) "
    "select x as id, 'title' as title, case x % 4 "
    "when 0 then (1000 + x) || '-2' || (1 + x % 4) "
    "when 1 then substr(1000 + x, 1, 3) || 'X' "
    "when 2 then (1000 + x) || '-XX' "
    "else (1000 + x) || '-21/' || (1001 + x) || '-22' end as published from c"
)


class Server:
    """datasette serve, the README way, restartable after a stalled request."""

    def __init__(self, db: Path, folder: Path, metadata: Path = METADATA):
        self.db, self.folder, self.metadata = db, folder, metadata
        self.process = None
        self.url = ""

    def start(self) -> None:
        port = _free_port()
        log = self.folder / f"server-{port}.log"
        self.process = start_server(self.db, port, log, self.metadata)
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(15)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def reset_peak(self) -> None:
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as f:
            f.write("5")

    def peak_mib(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


def measure(server: Server, label: str, path: str, timeout: float) -> dict:
    """One GET, alone on the server."""
    server.reset_peak()
    cpu = server.cpu_seconds()
    began = time.perf_counter()
    size, status = 0, 0
    try:
        with httpx.stream("GET", server.url + path, timeout=timeout) as response:
            status = response.status_code
            for chunk in response.iter_bytes():
                size += len(chunk)
    except httpx.TimeoutException:
        status = "timeout"
    wall = time.perf_counter() - began
    row = {
        "case": label,
        "status": status,
        "bytes": size,
        "seconds": round(wall, 2),
        "server_cpu_seconds": round(server.cpu_seconds() - cpu, 2),
        "peak_mib": round(server.peak_mib()),
        "url_bytes": len(path),
    }
    if status == "timeout":
        server.restart()  # still busy with it: measure the next one alone
    return row


def columns_of(db: Path, table: str) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    try:
        return [row[1] for row in conn.execute(f"pragma table_info([{table}])")]
    finally:
        conn.close()


def facet_cases(db: Path) -> list[tuple[str, str]]:
    """The review's requests, then the most the facets still take: 10 of each
    type with distinct settings on real columns, the largest facet size, and
    the longest address."""
    name = db.stem
    citations, events = f"/{name}/citations.json", f"/{name}/events.json"

    def year(i: int) -> tuple[str, str]:
        # start/end any two columns whose values begin with digits.
        return (
            "_facet_year",
            json.dumps({"column": f"x{i}", "start": "record_line", "end": "quote_end"}),
        )

    columns = columns_of(db, "events")
    dates, numbers = ("date_start", "date_end"), ("supporting_sources", "contested")
    numbers += tuple(c for c in columns if c.startswith(("date_", "disputing")) and c not in dates)
    most = (
        [
            ("_facet_year", json.dumps({"column": c, "start": s, "end": e}))
            for c, (s, e) in zip(columns, [(s, e) for s in dates for e in dates] * 3)
        ][:10]
        + [("_facet_severity", c) for c in columns[:10]]
        + [
            ("_facet_corroboration", json.dumps({"column": "id", "supporting": s, "contested": c}))
            for s in numbers
            for c in numbers
        ][:10]
        + [("_facet_size", "max")]
    )
    long = len(urlencode(most)) + 1
    return [
        ("year facet, one, span of thousands of years", citations + "?" + urlencode([year(0)])),
        (
            "year facets x10 (1.1 KB address)",
            citations + "?" + urlencode([year(i) for i in range(10)]),
        ),
        ("year facets x50", citations + "?" + urlencode([year(i) for i in range(50)])),
        (
            "year facet + 1,500 dummy parameters",
            citations + "?" + urlencode([year(0)] + [(f"_x{i}", "") for i in range(1500)]),
        ),
        (
            "year facet, _facet_size=max, 60 KB address",
            citations + "?" + urlencode([year(0), ("_facet_size", "max"), ("_pad", "x" * 60000)]),
        ),
        (
            "corroboration facets x200, made-up columns",
            events + "?" + urlencode([("_facet_corroboration", f"c{i}") for i in range(200)]),
        ),
        (
            "severity facets x200, made-up vocabulary configs",
            events
            + "?"
            + urlencode(
                [
                    (
                        "_facet_severity",
                        json.dumps({"column": "kind", "vocabulary": "causes", "n": i}),
                    )
                    for i in range(200)
                ]
            ),
        ),
        (
            "facet config with a non-string column",
            events + "?" + urlencode([("_facet_year", json.dumps({"column": ["id"]}))]),
        ),
        (
            "year facet (events.date) + 1,000 dummy parameters",
            events
            + "?"
            + urlencode([("_facet_year", "date")] + [(f"_x{i}", "") for i in range(1000)]),
        ),
        ("30 custom facets (10 per type), _facet_size=max", events + "?" + urlencode(most)),
        (
            "30 custom facets (10 per type), default size",
            events + "?" + urlencode(most[:-1]),
        ),
        (
            "30 custom facets, default size, 8 KB address",
            events + "?" + urlencode(most[:-1] + [("_pad", "x" * (8000 - long))]),
        ),
        (
            "30 custom facets, _facet_size=max, 8 KB address",
            events + "?" + urlencode(most + [("_pad", "x" * (8000 - long))]),
        ),
    ]


def memory_cases(db: Path, rows: int) -> list[tuple[str, str]]:
    name = db.stem
    cases = []
    for label, sql in (
        (f"?sql= {rows} rows x 9 MB", BIG_ROWS.format(rows=rows, value=NINE_MB)),
        ("?sql= 5 rows x 9 MB (the most allowed)", BIG_ROWS.format(rows=5, value=NINE_MB)),
        ("?sql= 2 rows x 3 M non-ASCII characters", BIG_ROWS.format(rows=2, value=NON_ASCII)),
    ):
        cases += [
            (f"{label}, {ext or 'HTML'}", f"/{name}{ext}?" + urlencode({"sql": sql}))
            for ext in (".json", ".geojson", ".csljson", ".csv", "")
        ]
    every = [("_facet", c) for c in columns_of(db, "sources")] + [("_facet_size", "max")]
    for size in (60_000, 8_000):
        padding = size - len(urlencode(every)) - 1
        cases.append(
            (
                f"Datasette's own facets on every column of sources, max size, "
                f"{size // 1000} KB address",
                f"/{name}/sources.json?" + urlencode(every + [("_pad", "x" * padding)]),
            )
        )
    return cases


def renderer_cases(db: Path) -> list[tuple[str, str]]:
    return [
        (
            "CSL-JSON of 1,000 unusual EDTF dates",
            f"/{db.stem}.csljson?" + urlencode({"sql": UNUSUAL_EDTF, "_size": "max"}),
        )
    ]


def many_citations_db(db: Path, folder: Path, extra: int) -> tuple[Path, str]:
    """A copy of db with one source cited ``extra`` more times."""
    copy = folder / "manycited" / db.name
    copy.parent.mkdir()
    shutil.copyfile(db, copy)
    conn = sqlite3.connect(copy)
    source_id, event_id, quote, start, end = conn.execute(
        "select source_id, event_id, quote, quote_start, quote_end from citations "
        "where quote_start is not null order by rowid limit 1"
    ).fetchone()
    columns = [r[1] for r in conn.execute("pragma table_info(citations)")]
    first = conn.execute("select * from citations where source_id = ? limit 1", [source_id])
    template = dict(zip(columns, first.fetchone()))
    rows = []
    for i in range(extra):
        row = dict(template, id=f"bench-many-{i}", event_id=event_id, quote=quote)
        row.update(quote_start=start, quote_end=end)
        rows.append([row[c] for c in columns])
    conn.executemany(
        f"insert into citations ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})",
        rows,
    )
    total = conn.execute(
        "select count(*) from citations where source_id = ?", [source_id]
    ).fetchone()
    conn.commit()
    conn.close()
    return copy, f"{source_id} ({total[0]:,} citations)"


PROBES = ("/-/heritage", "/-/static/app.css")


async def heritage_p50_under_slow_sql(url: str, db: Path, clients: int, seconds: float) -> dict:
    """p50 of /-/heritage and of a static file, one request at a time, while
    ``clients`` loop on SQL that runs until Datasette's time limit (each
    sends its next query as soon as it has an answer, ran or refused)."""
    slow = f"/{db.stem}.json?" + urlencode({"sql": SLOW_SQL})
    timings: dict[str, list[float]] = {path: [] for path in PROBES}
    statuses: dict[str, int] = {}
    answers: dict[str, int] = {}

    async def hog(http: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop:
            try:
                status = str((await http.get(slow)).status_code)
            except httpx.HTTPError as error:
                status = type(error).__name__
            answers[status] = answers.get(status, 0) + 1

    async def probe(http: httpx.AsyncClient) -> None:
        await asyncio.sleep(1)  # let the slow queries fill the SQL threads
        while time.perf_counter() < stop:
            for path in PROBES:
                began = time.perf_counter()
                try:
                    status = str((await http.get(path)).status_code)
                except httpx.HTTPError as error:
                    status = type(error).__name__
                timings[path].append((time.perf_counter() - began) * 1000)
                statuses[status] = statuses.get(status, 0) + 1

    async with (
        httpx.AsyncClient(base_url=url, timeout=120) as prober,
        httpx.AsyncClient(
            base_url=url, timeout=120, limits=httpx.Limits(max_connections=clients + 1)
        ) as hogs,
    ):
        for path in PROBES:  # the connection, and what the pages read once
            await prober.get(path)
        stop = time.perf_counter() + seconds
        await asyncio.gather(probe(prober), *(hog(hogs) for _ in range(clients)))
    row = {"case": f"{clients} clients run slow SQL", "statuses": statuses, "slow_sql": answers}
    for path, values in timings.items():
        key = "heritage" if path == "/-/heritage" else "static"
        row[f"{key}_requests"] = len(values)
        row[f"{key}_p50_ms"] = round(statistics.median(values), 1) if values else None
        row[f"{key}_p95_ms"] = round(percentile(values, 95), 1) if values else None
    return row


async def _at_once(url: str, path: str, clients: int) -> dict[str, int]:
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        responses = await asyncio.gather(*(http.get(path) for _ in range(clients)))
    statuses: dict[str, int] = {}
    for response in responses:
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
    return statuses


def largest_at_once(db: Path, folder: Path, clients: int) -> list[dict]:
    """Peak server memory when ``clients`` ask at once for the largest
    response allowed (``?sql=`` of 5 rows of 9 MB as JSON), on a fresh server
    without admission control and with the site's default."""
    path = f"/{db.stem}.json?" + urlencode({"sql": BIG_ROWS.format(rows=5, value=NINE_MB)})
    rows = []
    for setting, metadata in (
        ("no limit", metadata_with_sql_limit(folder, METADATA_NO_LIMIT)),
        ("default limit", METADATA),
    ):
        server = Server(db, folder, metadata)
        server.start()
        try:
            server.reset_peak()
            began = time.perf_counter()
            statuses = asyncio.run(_at_once(server.url, path, clients))
            rows.append(
                {
                    "case": f"{clients} at once: ?sql= 5 rows x 9 MB, .json, {setting}",
                    "statuses": statuses,
                    "seconds": round(time.perf_counter() - began, 2),
                    "peak_mib": round(server.peak_mib()),
                }
            )
        finally:
            server.stop()
    return rows


def metadata_with_sql_limit(folder: Path, limit: int) -> Path:
    """metadata.yml with the plugin's max_sql_requests set to ``limit``."""
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    plugin = metadata.setdefault("plugins", {}).setdefault("datasette-heritage", {})
    plugin["max_sql_requests"] = limit
    path = folder / f"metadata-sql-limit-{limit}.yml"
    path.write_text(yaml.safe_dump(metadata, sort_keys=False), encoding="utf-8")
    return path


def print_rows(rows: list[dict]) -> None:
    print(f"  {'case':<62} {'status':>7} {'body':>12} {'wall s':>7} {'CPU s':>6} {'peak MiB':>9}")
    for r in rows:
        print(
            f"  {r['case']:<62} {r['status']!s:>7} {r['bytes']:>12,} {r['seconds']:>7} "
            f"{r['server_cpu_seconds']:>6} {r['peak_mib']:>9}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="a built database (default: build data/)")
    parser.add_argument("--only", default=",".join(GROUPS), help="comma-separated groups")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per request")
    parser.add_argument("--big-rows", type=int, default=80, help="rows of 9 MB for memory")
    parser.add_argument("--extra-citations", type=int, default=100_000)
    parser.add_argument("--slow-seconds", type=float, default=10)
    args = parser.parse_args(argv)
    groups = [g for g in args.only.split(",") if g]
    unknown = set(groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}")

    figures: dict = {"machine": machine()}
    print("machine:", figures["machine"])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "heritage.db"  # served as heritage.db, so metadata.yml applies
        if args.db is None:
            build(ROOT / "data", db)
        else:
            db.symlink_to(args.db.resolve())
        server = Server(db, folder)
        server.start()
        try:
            single = []
            if "facets" in groups:
                single += [measure(server, *c, args.timeout) for c in facet_cases(db)]
            if "memory" in groups:
                # Each on a fresh server: what one request takes, not what the
                # process kept of earlier ones (VmHWM resets to the current size).
                for case in memory_cases(db, args.big_rows):
                    server.restart()
                    single.append(measure(server, *case, args.timeout))
                figures["at_once"] = largest_at_once(db, folder, 8)
                for row in figures["at_once"]:
                    print(
                        f"  {row['case']:<62} {row['statuses']} {row['seconds']} s "
                        f"peak {row['peak_mib']} MiB"
                    )
            if "renderers" in groups:
                single += [measure(server, *c, args.timeout) for c in renderer_cases(db)]
            if "source" in groups:
                many, label = many_citations_db(db, folder, args.extra_citations)
                other = Server(many, folder)
                other.start()
                try:
                    source_id = label.split(" ")[0]
                    single.append(
                        measure(
                            other,
                            f"source page, {label}",
                            f"/-/heritage/sources/{source_id}",
                            args.timeout,
                        )
                    )
                    # A link to one passage: the page holding it is looked up.
                    last = f"bench-many-{args.extra_citations - 1}"
                    single.append(
                        measure(
                            other,
                            f"source page at citation {last}",
                            f"/-/heritage/sources/{source_id}?citation={last}",
                            args.timeout,
                        )
                    )
                finally:
                    other.stop()
            if single:
                print_rows(single)
            figures["requests"] = single
            figures["slow_sql"] = []
            if "slow-sql" in groups:
                server.stop()
                # Without admission control (a limit no client count reaches,
                # as before it existed) and with the site's default, side by side.
                settings = {"no limit": METADATA_NO_LIMIT, "default limit": None}
                for clients in (0, 8, 32):
                    for setting, limit in settings.items():
                        metadata = (
                            METADATA if limit is None else metadata_with_sql_limit(folder, limit)
                        )
                        limited = Server(db, folder, metadata)
                        limited.start()
                        try:
                            row = asyncio.run(
                                heritage_p50_under_slow_sql(
                                    limited.url, db, clients, args.slow_seconds
                                )
                            )
                        finally:
                            limited.stop()
                        row["setting"] = setting
                        figures["slow_sql"].append(row)
                        print(
                            f"  {row['case']:<28} {setting:<14} /-/heritage p50 "
                            f"{row['heritage_p50_ms']} ms ({row['heritage_requests']})  "
                            f"app.css p50 {row['static_p50_ms']} ms ({row['static_requests']})  "
                            f"slow SQL answers {row['slow_sql']}"
                        )
        finally:
            server.stop()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
