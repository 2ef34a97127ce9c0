"""The load test (benchmarks/load_test.py): a CI-sized run, a real server on
the real dataset, 10 concurrent clients for 5 seconds over every kind of
page, must see no error (latency and throughput are printed, not asserted;
the full run is 50 clients for 60 seconds, see the script); and its client
sends a request again only where a browser would.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from load_test import get_like_a_browser

RESPONSE = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok"


async def _server(answers_per_connection: int):
    """A real HTTP/1.1 server on loopback that answers this many requests on
    each connection, then closes it when the next one arrives, unanswered:
    what uvicorn does when its keep-alive timeout and a client's reuse of the
    connection cross."""
    connections = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        for _ in range(answers_per_connection):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(RESPONSE)
            await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}", connections


async def test_a_reused_connection_closed_by_the_server_is_sent_again():
    server, url, connections = await _server(answers_per_connection=1)
    async with server, httpx.AsyncClient(base_url=url) as http:
        first, first_again = await get_like_a_browser(http, "/a")
        second, second_again = await get_like_a_browser(http, "/b")
    assert (first.status_code, first_again) == (200, 0)
    assert (second.status_code, second.text, second_again) == (200, "ok", 1)
    assert len(connections) == 2  # the retry opened a new connection


async def test_a_new_connection_closed_unanswered_is_an_error():
    server, url, connections = await _server(answers_per_connection=0)
    async with server, httpx.AsyncClient(base_url=url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await get_like_a_browser(http, "/a")
    assert len(connections) == 1  # not sent again


@pytest.mark.slow
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
