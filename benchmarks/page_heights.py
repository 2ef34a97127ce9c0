"""How tall the pages people land on are, in Chromium, and whether they
scroll sideways: Datasette's table pages of the heritage database and the
plugin's pages, built from data/ and served the README way.

Heights are the body's own (the document is never shorter than the window),
in pixels and in screens of the window's height; ``wide`` is the document's
scroll width when it is wider than the window.

Usage: python benchmarks/page_heights.py [--width 1280] [--height 900] [PATH ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT

from datasette_heritage.build.pipeline import build
from tests.conftest import CHROMIUM_ARGS, chromium_executable, start_server

PAGES = [
    "/heritage/sources",
    "/heritage/citations",
    "/heritage/citation_details",
    "/heritage/events",
    "/heritage/monuments",
    "/-/heritage",
    "/-/heritage/timeline",
    "/-/heritage/monuments/temple-of-bel",
    "/-/heritage/search?q=temple",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=PAGES)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "heritage.db"
        build(ROOT / "data", db)
        process, url = start_server(db)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium_executable(), args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": args.width, "height": args.height})
                # Only the server's own files: no map tiles.
                page.route(
                    "**/*",
                    lambda r: r.continue_() if r.request.url.startswith(url) else r.abort(),
                )
                print(f"{'page':45} {'height px':>10} {'screens':>8}  wide")
                for path in args.paths:
                    page.goto(url + path, wait_until="networkidle")
                    height = page.evaluate(
                        "Math.ceil(document.body.getBoundingClientRect().height)"
                    )
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    over = f"{wide}" if wide > args.width else ""
                    print(f"{path:45} {height:>10,} {height / args.height:>8.1f}  {over}")
                browser.close()
        finally:
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()
