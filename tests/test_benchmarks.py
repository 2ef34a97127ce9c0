"""The benchmark scripts keep working: each runs at a tiny size, as a user
would run it, exits 0 and prints its figures. (No timing is asserted: speed
targets live in the scripts' figures, benchmarks/README.md.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Slow: real servers, subprocesses or whole builds; the fast lane (-m "not slow") skips it.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
N = "2000"


def run(script, *args, tmp_path):
    env = dict(
        os.environ,
        HERITAGE_BENCH_DIR=str(tmp_path / "bench"),
        HERITAGE_CACHE_DIR=str(tmp_path / "cache"),
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    figures = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    return done.stdout, figures


def test_build_speed(tmp_path):
    out, figures = run("build_speed.py", "--citations", N, "--repeat", "1", tmp_path=tmp_path)
    assert out.startswith("machine: ")
    assert set(figures["2000"]) == {"ours", "yaml-to-sqlite", "read bytes", "libyaml events"}
    assert all(f["cpu"] > 0 and f["seconds"] > 0 for f in figures["2000"].values())
    row = [line for line in out.splitlines() if line.startswith("| 2,000 |")]
    assert len(row) == 1
    cells = [c.strip() for c in row[0].strip("|").split("|")]
    # Each method ran and gave a time, a ratio and a peak.
    assert all(cells[i] not in ("", "-", "nan") for i in range(len(cells))), cells
    assert cells[7].endswith("x") and cells[9].endswith("x")


def test_profile_build(tmp_path):
    out, figures = run("profile_build.py", "--citations", N, tmp_path=tmp_path)
    for stage in ("YAML parsing", "JSON Schema validation", "quote verification", "SQLite inserts"):
        assert stage in out
    assert figures["seconds"] > 0 and figures["stages"]


def test_incremental_build(tmp_path):
    out, figures = run(
        "incremental_build.py", "--citations", N, "--repeat", "1", "--verify", tmp_path=tmp_path
    )
    assert "identical to a cold build: True" in out
    assert "one event retitled" in out and "files re-read" in out
    assert figures["cold"] > 0 and len(figures["edits"]) == 16
    # Every build of the spare mode patched the spare and swapped it in.
    spared = {
        name: n for name, n in figures["spare_swapped_in"].items() if name.endswith(", spare")
    }
    assert len(spared) == 5 and set(spared.values()) == {1}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="taskset pins to cores")
def test_page_speed(tmp_path):
    out, figures = run(
        "page_speed.py",
        "--citations",
        N,
        "--requests",
        "5",
        "--sample",
        "3",
        "--check-repeats",
        "1",
        tmp_path=tmp_path,
    )
    assert "heritage monument" in out and "datasette monument row" in out
    assert "saved query" in out and "facets timed out" in out
    assert figures["page_failures"] == 0
    assert set(figures["ratios"]) >= {"heritage monument", "heritage event.json"}


def test_yaml_parsers(tmp_path):
    out, figures = run(
        "yaml_parsers.py", "--citations", N, "--files", "1", "--repeat", "1", tmp_path=tmp_path
    )
    ours = "datasette_heritage.build.safe_yaml (libyaml events, lines kept)"
    assert ours in out and figures[ours] > 0
    assert "PyYAML safe_load (pure Python)" in figures


def test_extraction_quality(tmp_path):
    _, figures = run("extraction_quality.py", tmp_path=tmp_path)
    ours = figures["add-source (trafilatura, precision)"]
    assert ours["kept"] == ours["paragraphs"] > 0
    assert ours["leaked"] == 0
    assert ours["fields_found"] == ours["fields"]


def test_quote_finder(tmp_path):
    _, figures = run("quote_finder.py", "--limit", "2", "--difflib", "0", tmp_path=tmp_path)
    shipped = figures["rapidfuzz, recall-weighted (shipped)"]
    assert shipped["searches"] == 12
    assert shipped["found"] >= 10


def test_quote_folding(tmp_path):
    out, figures = run("quote_folding.py", "--citations", N, "--rounds", "1", tmp_path=tmp_path)
    assert figures["quotes"] >= 1000 and figures["english"] > 0 and figures["arabic"] > 0
    assert "Arabic:" in out


def test_hostile_requests(tmp_path):
    _, figures = run(
        "hostile_requests.py", "--only", "facets,renderers", "--timeout", "120", tmp_path=tmp_path
    )
    cases = {r["case"]: r for r in figures["requests"]}
    assert "year facets x50" in cases and "CSL-JSON of 1,000 unusual EDTF dates" in cases
    # Refused with a clear 4xx, never answered with a 500.
    assert all(r["status"] != 500 for r in figures["requests"]), figures["requests"]
    assert all(r["server_cpu_seconds"] >= 0 and r["peak_mib"] > 0 for r in figures["requests"])
