"""Every page of the site for a built database, with its JSON twin: the
plugin's pages (addresses from urls.py, one per record) and Datasette's own
index, database, table and row pages. Shared by the hostile-text, security
header and load tests, so each covers the same pages.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlencode

from datasette.app import Datasette
from datasette.utils import tilde_encode

from datasette_heritage.site import urls

# Record tables with a page of the plugin's, and the urls.py function for it.
PLUGIN_RECORD_PAGES = (
    ("monuments", urls.monument_url),
    ("events", urls.event_url),
    ("sources", urls.source_url),
)
# Tables whose rows have a single-column primary key "id" (row pages).
ROW_TABLES = ("sites", "monuments", "sources", "events", "citations")
TABLES = ROW_TABLES + (
    "event_monuments",
    "damage_levels",
    "causes",
    "event_kinds",
    "monument_types",
)

_URLS = Datasette(memory=False)  # base_url "/", as the site is served


def _ids(db_path: Path, table: str, limit: int | None) -> list[str]:
    conn = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
    try:
        sql = f"select id from [{table}] order by rowid" + (f" limit {int(limit)}" if limit else "")
        return [row[0] for row in conn.execute(sql)]
    finally:
        conn.close()


def plugin_pages(db_path: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """(HTML path, JSON path) of every plugin page: overview, timeline (also
    filtered by each site), a search, and one page per monument, event and
    source."""
    # A search for "script" finds every record of the hostile dataset.
    search = "?" + urlencode({"q": "script"})
    pages = [
        (urls.overview_url(_URLS), urls.overview_url(_URLS, json=True)),
        (urls.timeline_url(_URLS), urls.timeline_url(_URLS, json=True)),
        (urls.search_url(_URLS) + search, urls.search_url(_URLS, json=True) + search),
    ]
    for site in _ids(db_path, "sites", limit):
        query = "?" + urlencode({"site": site})
        pages.append(
            (urls.timeline_url(_URLS) + query, urls.timeline_url(_URLS, json=True) + query)
        )
    for table, page in PLUGIN_RECORD_PAGES:
        for record_id in _ids(db_path, table, limit):
            pages.append((page(_URLS, record_id), page(_URLS, record_id, json=True)))
    return pages


def datasette_pages(db_path: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """(HTML path, JSON path) of Datasette's pages for the database served
    from db_path: index, database, every table, and each record's row page."""
    site = Datasette(immutables=[str(db_path)])
    database = Path(db_path).stem
    pages = [
        ("/", "/.json"),
        (site.urls.database(database), site.urls.database(database, format="json")),
    ]
    for table in TABLES:
        pages.append(
            (site.urls.table(database, table), site.urls.table(database, table, format="json"))
        )
    for table in ROW_TABLES:
        for record_id in _ids(db_path, table, limit):
            pk = tilde_encode(str(record_id))
            pages.append(
                (
                    site.urls.row(database, table, pk),
                    site.urls.row(database, table, pk, format="json"),
                )
            )
    return pages


def feed_pages(db_path: Path, limit: int | None = None) -> list[str]:
    """Every Atom feed: the whole tracker's, each site's and each monument's."""
    feeds = [urls.timeline_feed_url(_URLS)]
    feeds += [urls.timeline_feed_url(_URLS, site) for site in _ids(db_path, "sites", limit)]
    feeds += [urls.monument_feed_url(_URLS, m) for m in _ids(db_path, "monuments", limit)]
    return feeds
