"""``datasette-heritage dev``: build, serve the site locally, and rebuild on
every save.

The build runs as ``datasette-heritage build`` does (incrementally, into a
database of its own); each good build is then copied into the database the
server reads with SQLite's online backup, which rewrites that file in place.
A rename would leave Datasette's open connections on the old file; the
backup keeps the same file, so the running server shows the new data on the
next request, without a restart. While the data has problems, the last good
database stays served, and the problems are printed in the terminal and in a
banner on every page (a small ASGI wrapper adds it to HTML responses).

The public way to serve (scripts/serve.sh: immutable, read-only, cached)
is not this: here the database is opened mutable, nothing is cached, and the
server listens on the loopback address only, unless told otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import hashlib
import html
import os
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..build.manifest import cache_dir
from ..build.pipeline import BuildSummary, build
from ..build.problems import BuildError
from .sources_folder import EditorError

DEFAULT_PORT = 8001
# The database the pages show is named after this file: heritage.
SERVED_NAME = "heritage.db"
PACKAGE = Path(__file__).resolve().parent.parent


@dataclass
class DevState:
    """What the banner and the terminal say: the problems of the last build
    (none when it was good) and when the served database was last built."""

    problems: list[str] = field(default_factory=list)
    built_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Workspace:
    """The files of one data directory's dev server, in the build cache."""

    data_dir: Path
    folder: Path

    @property
    def build_db(self) -> Path:
        return self.folder / "build.db"

    @property
    def served_db(self) -> Path:
        return self.folder / SERVED_NAME

    @property
    def lock_file(self) -> Path:
        return self.folder / "dev.lock"


def workspace_for(data_dir: Path) -> Workspace:
    key = hashlib.sha1(str(data_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    folder = cache_dir() / "dev" / key
    folder.mkdir(parents=True, exist_ok=True)
    return Workspace(data_dir, folder)


def hold_lock(workspace: Workspace) -> Any:
    """An exclusive lock on the workspace for this process's life, or
    EditorError naming the dev server that already holds it."""
    # Open for the life of the process: the lock is held until it exits.
    handle = open(workspace.lock_file, "a+", encoding="utf-8")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        running = handle.read().strip() or "another process"
        handle.close()
        raise EditorError(
            f"{workspace.data_dir}: already served by `datasette-heritage dev` ({running}); "
            "open that address, or stop it (Ctrl+C in its terminal) first"
        ) from None
    return handle


def note_running(handle: Any, url: str) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(f"{url}, process {os.getpid()}")
    handle.flush()


def listening_socket(host: str, port: int | None) -> tuple[socket.socket, str | None]:
    """A socket bound to ``host`` and ``port`` (or, with no port given, the
    first free one from 8001 on), and a note when it is not the one asked for."""
    wanted = DEFAULT_PORT if port is None else port
    for candidate in range(wanted, wanted + (1 if port is not None else 50)):
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError as error:
            sock.close()
            if error.errno != errno.EADDRINUSE:
                raise EditorError(
                    f"cannot listen on {host}:{candidate}: {error.strerror}"
                ) from None
            continue
        sock.listen(128)
        note = None
        if candidate != wanted:
            note = (
                f"port {wanted} is in use by another program (another server?); "
                f"using port {candidate}"
            )
        return sock, note
    raise EditorError(
        f"port {wanted} is in use by another program (expected a free port: give another "
        "with --port, or leave --port out to pick a free one)"
    )


def publish(build_db: Path, served_db: Path) -> None:
    """Copy the built database into the served one, in place (SQLite's
    online backup): readers see the old data or the new, never a mix."""
    source = sqlite3.connect(str(build_db))
    target = sqlite3.connect(str(served_db), timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def rebuild(workspace: Workspace, state: DevState, say: Callable[[str], None]) -> bool:
    """Build the data; on success publish it to the served database. Returns
    whether the build was good."""
    started = time.perf_counter()
    try:
        summary: BuildSummary = build(workspace.data_dir, workspace.build_db, incremental=True)
    except BuildError as error:
        with state.lock:
            state.problems = [str(p) for p in error.problems]
        say(error.report().replace("nothing was written", "the last good build stays served"))
        return False
    except OSError as error:
        with state.lock:
            state.problems = [f"{error.filename or ''}: {error.strerror}"]
        say(f"error: {error.filename or ''}: {error.strerror}")
        return False
    publish(workspace.build_db, workspace.served_db)
    with state.lock:
        state.problems = []
        state.built_at = time.time()
    seconds = time.perf_counter() - started
    if summary.files_reread is None:
        how = f"{summary.files} files"
    else:
        how = f"re-read {summary.files_reread} of {summary.files} files"
    say(
        f"Built in {seconds:.2f}s ({how}); {summary.citations_verified} citations verified. "
        "Reload the page to see it."
    )
    return True


def watched_folders(data_dir: Path) -> list[Path]:
    """The data, and the package's templates and static files when it is a
    checkout being developed (not an installed copy in site-packages)."""
    folders = [data_dir]
    if "site-packages" not in PACKAGE.parts and "dist-packages" not in PACKAGE.parts:
        folders += [PACKAGE / "site" / "templates", PACKAGE / "site" / "static"]
    return [f for f in folders if f.is_dir()]


# Editors' files, and the package's templates and static files; not the
# temporary files editors (and sed) write beside them.
_WATCHED_SUFFIXES = (".yml", ".yaml", ".txt", ".html", ".js", ".css")


def _watched(change: Any, path: str) -> bool:
    return path.endswith(_WATCHED_SUFFIXES) and not Path(path).name.startswith((".", "~"))


def banner_html(state: DevState, css_url: str) -> bytes:
    with state.lock:
        problems = list(state.problems)
        built_at = state.built_at
    if not problems:
        return b""
    when = time.strftime("%H:%M:%S", time.localtime(built_at)) if built_at else None
    shown = "\n".join(problems[:20]) + (
        f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
    )
    served = (
        f"this page shows the last good build, of {when}"
        if when
        else "no build has succeeded yet, so there is nothing to show"
    )
    return (
        f'<link rel="stylesheet" href="{html.escape(css_url)}">'
        '<div class="heritage-dev-banner" role="alert"><strong>'
        f"The data has {len(problems)} problem{'s' if len(problems) != 1 else ''}; "
        f"{served}.</strong> Fix them and save: the site rebuilds."
        f"<pre>{html.escape(shown)}</pre></div>"
    ).encode()


def with_banner(app: Callable, state: DevState, css_url: str) -> Callable:
    """An ASGI wrapper that puts the problems banner at the top of every HTML
    page while the data has problems."""

    async def wrapped(scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        banner = banner_html(state, css_url) if scope["type"] == "http" else b""
        if not banner:
            await app(scope, receive, send)
            return
        start: dict[str, Any] | None = None
        chunks: list[bytes] = []

        async def buffered(message: dict[str, Any]) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"text/html"):
                    start = message
                    return
                await send(message)
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await send_with_banner(start, b"".join(chunks))
            else:
                await send(message)

        async def send_with_banner(message: dict[str, Any], body: bytes) -> None:
            at = body.find(b"<body")
            end = body.find(b">", at) + 1 if at >= 0 else 0
            body = body[:end] + banner + body[end:]
            headers = [
                (k, v) for k, v in message.get("headers") or [] if k.lower() != b"content-length"
            ]
            headers.append((b"content-length", str(len(body)).encode("ascii")))
            await send({**message, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, buffered)

    return wrapped


def make_datasette(served_db: Path, metadata: Path | None) -> Any:
    """A Datasette for local editing: the database opened mutable (it is
    rewritten under the server), no caching, facets suggested."""
    import yaml
    from datasette.app import Datasette

    loaded = yaml.safe_load(metadata.read_text(encoding="utf-8")) if metadata else None
    return Datasette([str(served_db)], metadata=loaded, settings={"default_cache_ttl": 0})


async def serve(
    workspace: Workspace,
    state: DevState,
    sock: socket.socket,
    url: str,
    metadata: Path | None,
    say: Callable[[str], None],
    stop: asyncio.Event | None = None,
) -> None:
    import uvicorn
    import watchfiles

    datasette = make_datasette(workspace.served_db, metadata)
    await datasette.invoke_startup()
    css_url = datasette.urls.static_plugins("datasette_heritage", "heritage.css")
    app = with_banner(datasette.app(), state, css_url)
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    stop = stop or asyncio.Event()
    folders = watched_folders(workspace.data_dir)
    data = workspace.data_dir.resolve()

    async def watch() -> None:
        async for changes in watchfiles.awatch(
            *folders, stop_event=stop, debounce=300, watch_filter=_watched
        ):
            paths = {Path(p) for _, p in changes}
            if any(data in p.resolve().parents for p in paths):
                say(f"Changed: {', '.join(sorted(p.name for p in paths)[:5])}; rebuilding")
                await asyncio.to_thread(rebuild, workspace, state, say)
            else:
                say("Templates or static files changed: reload the page to see them.")

    say(f"Serving {workspace.data_dir} at {url}/-/heritage (Ctrl+C to stop)")
    say("Watching " + ", ".join(str(f) for f in folders))
    watcher = asyncio.create_task(watch())
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await serving
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher


def run_dev(
    data_dir: Path,
    host: str,
    port: int | None,
    metadata: Path | None,
    say: Callable[[str], None] = print,
) -> None:
    """The whole command: lock, build, serve and watch until interrupted."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise EditorError(f"{data_dir}: no such folder (expected a data directory)")
    workspace = workspace_for(data_dir)
    lock = hold_lock(workspace)
    try:
        sock, note = listening_socket(host, port)
        shown_host = f"[{host}]" if ":" in host else host
        url = f"http://{shown_host}:{sock.getsockname()[1]}"
        note_running(lock, url)
        if note:
            say(note)
        state = DevState()
        if not rebuild(workspace, state, say) and not workspace.served_db.exists():
            sqlite3.connect(str(workspace.served_db)).close()  # an empty one, until a good build
        elif workspace.served_db.exists() and state.built_at is None:
            state.built_at = workspace.served_db.stat().st_mtime
        try:
            asyncio.run(serve(workspace, state, sock, url, metadata, say))
        except KeyboardInterrupt:
            pass
        finally:
            sock.close()
    finally:
        lock.close()
    say("Stopped.")
    sys.stdout.flush()
