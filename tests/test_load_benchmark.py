"""A CI-sized run of the load test (benchmarks/load_test.py): a real server
on the real dataset, 10 concurrent clients for 5 seconds over every kind of
page. It must see no error; its latency and throughput are printed, not
asserted (the full run is 50 clients for 30 seconds, see the script).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

# Slow: real servers, subprocesses or whole builds; the fast lane (-m "not slow") skips it.
pytestmark = pytest.mark.slow


def test_short_load_run_has_no_errors():
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "load_test.py"),
            "--clients",
            "10",
            "--seconds",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["errors"] == 0
    assert figures["clients"] == 10
    assert figures["requests"] > 50
    assert figures["distinct_pages"] > 100
