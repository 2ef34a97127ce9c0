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


async def _server(answers: list[int], then_headers_only: bool = False):
    """A real HTTP/1.1 server on loopback whose n-th connection answers
    answers[n] requests (the last number for any later connection), then
    closes when the next request arrives: unanswered (what uvicorn does when
    its keep-alive timeout and a client's reuse of the connection cross), or
    after the response's headers and part of its body (a server that failed
    mid-response)."""
    connections = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        for _ in range(answers[min(len(connections), len(answers)) - 1]):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(RESPONSE)
            await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        if then_headers_only:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npart")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}", connections


async def test_a_reused_connection_closed_by_the_server_is_sent_again():
    server, url, connections = await _server(answers=[1])
    async with server, httpx.AsyncClient(base_url=url) as http:
        first, first_failed = await get_like_a_browser(http, "/a")
        second, second_failed = await get_like_a_browser(http, "/b")
    assert (first.status_code, first_failed) == (200, None)
    assert (second.status_code, second.text) == (200, "ok")
    assert second_failed is not None and "RemoteProtocolError" in second_failed
    assert len(connections) == 2  # the retry opened a new connection


async def test_a_new_connection_closed_unanswered_is_an_error():
    server, url, connections = await _server(answers=[0])
    async with server, httpx.AsyncClient(base_url=url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await get_like_a_browser(http, "/a")
    assert len(connections) == 1  # not sent again


async def test_a_retry_that_fails_too_is_an_error():
    server, url, connections = await _server(answers=[1, 0])
    async with server, httpx.AsyncClient(base_url=url) as http:
        await get_like_a_browser(http, "/a")
        with pytest.raises(httpx.RemoteProtocolError):
            await get_like_a_browser(http, "/b")
    assert len(connections) == 2  # sent again once, not more


async def test_a_response_cut_after_its_headers_is_an_error():
    server, url, connections = await _server(answers=[1], then_headers_only=True)
    async with server, httpx.AsyncClient(base_url=url) as http:
        await get_like_a_browser(http, "/a")
        with pytest.raises(httpx.HTTPError):
            await get_like_a_browser(http, "/b")
    assert len(connections) == 1  # a browser shows this one; so does the load test


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
