"""How the public site is served: the ``datasette serve`` options, in one place.

scripts/serve.sh, the Dockerfile, the publish commands in the README and the
tests' servers all take their settings from here (the shell ones through
``datasette-heritage serve-options``), so what is tested is what is deployed.
"""

from __future__ import annotations

from pathlib import Path

# Only settings that differ from Datasette's defaults. Kept at the default on
# purpose: sql_time_limit_ms (1000: a runaway query from the SQL box is
# interrupted after a second), facet_time_limit_ms, max_returned_rows,
# default_allow_sql (SQL in the browser is part of the site) and
# allow_download (data users may take the whole file).
SETTINGS: dict[str, str] = {
    # Suggested facets cost a query per column on every table page, which
    # does not scale to hundreds of thousands of rows; the useful facets are
    # chosen explicitly in metadata.yml.
    "suggest_facets": "off",
    # The database is immutable: pages change only when a new build is
    # deployed, so browsers and a CDN may keep them for an hour (purge the
    # CDN when deploying a new build). Datasette sends this as
    # Cache-Control: max-age on its pages; the plugin's pages use it too.
    "default_cache_ttl": "3600",
}

PathLike = str | Path


def serve_options() -> list[str]:
    """The ``--setting NAME VALUE`` options for ``datasette serve``."""
    options: list[str] = []
    for name, value in SETTINGS.items():
        options += ["--setting", name, value]
    return options


def serve_args(
    db_path: PathLike,
    inspect_file: PathLike,
    metadata: PathLike | None,
    host: str = "127.0.0.1",
    port: int = 8001,
) -> list[str]:
    """Arguments after ``datasette``: serve ``db_path`` immutable, with its
    inspect file (table counts are read from it, not computed at startup),
    the metadata and the public-site settings. Never ``--load-extension``."""
    args = ["serve", "-i", str(db_path), "--inspect-file", str(inspect_file)]
    if metadata is not None:
        args += ["-m", str(metadata)]
    return args + ["-h", host, "-p", str(port)] + serve_options()
