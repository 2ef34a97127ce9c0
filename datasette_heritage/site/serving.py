"""How the public site is served: the ``datasette serve`` options, in one place.

scripts/serve.sh, the Dockerfile, the publish commands in the README and the
tests' servers all take their settings from here (the shell ones through
``datasette-heritage serve-options``), so what is tested is what is deployed.

metadata.yml is the one source of the site's metadata and configuration.
Datasette 0.65 reads both from it. Datasette 1.0 reads configuration (plugin
settings, saved queries, table options, permissions) only from a file of its
own, ``datasette.yml``, and no longer lets a table inherit the instance's
licence and source; for it, ``split_metadata`` derives the two files from
metadata.yml, and ``write_config`` writes them where the server reads them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from . import compat

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

# Settings of a Datasette version that others lack, given where the installed
# one has them. Datasette 1.0's signed API tokens: a read-only public site
# has no use for them, and with them off no token (from a logged-in or root
# actor) can act on it.
SETTINGS_IF_SUPPORTED: dict[str, str] = {"allow_signed_tokens": "off"}

PathLike = str | Path

# Keys Datasette 1.0 reads from its configuration, not its metadata, at each
# level of metadata.yml (its upgrade guide, "metadata.yaml split into
# datasette.yaml", and the keys its own migration moves).
_EVERY_LEVEL = frozenset({"plugins", "allow", "permissions"})
CONFIG_KEYS = {
    "instance": _EVERY_LEVEL | {"allow_sql", "extra_css_urls", "extra_js_urls", "settings"},
    "database": _EVERY_LEVEL | {"allow_sql", "queries"},
    "table": _EVERY_LEVEL
    | {
        "hidden",
        "sort",
        "sort_desc",
        "size",
        "sortable_columns",
        "label_column",
        "facets",
        "fts_table",
        "fts_pk",
        "searchmode",
    },
}
INHERITED_KEYS = compat.INHERITED_KEYS

METADATA_FILE = "metadata.yml"
CONFIG_FILE = "datasette.yml"


def _split_level(entry: dict[str, Any], level: str) -> tuple[dict[str, Any], dict[str, Any]]:
    metadata = {k: v for k, v in entry.items() if k not in CONFIG_KEYS[level]}
    config = {k: copy.deepcopy(v) for k, v in entry.items() if k in CONFIG_KEYS[level]}
    return metadata, config


def split_metadata(source: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(metadata, configuration) for Datasette 1.0 from a 0.65 metadata.yml:
    configuration keys moved out, at every level, and the instance's licence,
    source and about copied to each database and table that lacks its own
    (what 0.65 showed there)."""
    source = copy.deepcopy(source)
    databases = source.pop("databases", None) or {}
    metadata, config = _split_level(source, "instance")
    inherited = {k: metadata[k] for k in INHERITED_KEYS if k in metadata}
    for name, database in databases.items():
        tables = (database or {}).get("tables") or {}
        db_metadata, db_config = _split_level(
            {k: v for k, v in (database or {}).items() if k != "tables"}, "database"
        )
        db_metadata = {**inherited, **db_metadata}
        for table_name, table in tables.items():
            table_metadata, table_config = _split_level(table or {}, "table")
            db_metadata.setdefault("tables", {})[table_name] = {**inherited, **table_metadata}
            if table_config:
                db_config.setdefault("tables", {})[table_name] = table_config
        metadata.setdefault("databases", {})[name] = db_metadata
        if db_config:
            config.setdefault("databases", {})[name] = db_config
    return metadata, config


def datasette_arguments(source: dict[str, Any]) -> dict[str, Any]:
    """``Datasette(...)`` keyword arguments that give the installed Datasette
    the metadata and configuration of ``source`` (metadata.yml, loaded)."""
    if compat.takes_separate_config():
        metadata, config = split_metadata(source)
        return {"metadata": metadata, "config": config}
    return {"metadata": source}


def _write_if_changed(path: Path, text: str) -> None:
    # Unchanged files are left alone: a server started as an unprivileged
    # user runs this on files written at image build time.
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


class _Dumper(yaml.SafeDumper):
    """Multi-line text (SQL, HTML) as literal blocks, as people write it."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def write_config(metadata: PathLike, config_dir: PathLike) -> list[str]:
    """Write into ``config_dir`` the files the installed Datasette reads the
    site's metadata and configuration from, derived from ``metadata`` (the
    project's metadata.yml); return the ``datasette serve`` options that
    name them (``-m`` and, for Datasette 1.0, ``-c``)."""
    source_text = Path(metadata).read_text(encoding="utf-8")
    folder = Path(config_dir)
    folder.mkdir(parents=True, exist_ok=True)
    metadata_path, config_path = folder / METADATA_FILE, folder / CONFIG_FILE
    if not compat.takes_separate_config():
        _write_if_changed(metadata_path, source_text)
        if config_path.exists():
            config_path.unlink()  # left by a Datasette 1.0 install; 0.65 would not read it
        return ["-m", str(metadata_path)]
    derived, config = split_metadata(yaml.safe_load(source_text) or {})
    header = f"# Derived from {Path(metadata).name} by datasette-heritage: edit that file, not this one.\n"
    _write_if_changed(metadata_path, header + _dump_yaml(derived))
    _write_if_changed(config_path, header + _dump_yaml(config))
    return ["-m", str(metadata_path), "-c", str(config_path)]


def settings() -> dict[str, str]:
    """The settings for the installed Datasette: SETTINGS, and those of
    SETTINGS_IF_SUPPORTED that it has."""
    from datasette.app import DEFAULT_SETTINGS

    supported = {k: v for k, v in SETTINGS_IF_SUPPORTED.items() if k in DEFAULT_SETTINGS}
    return {**SETTINGS, **supported}


def serve_options() -> list[str]:
    """The ``--setting NAME VALUE`` options for ``datasette serve``."""
    options: list[str] = []
    for name, value in settings().items():
        options += ["--setting", name, value]
    return options


def serve_args(
    db_path: PathLike,
    inspect_file: PathLike,
    metadata: PathLike | None,
    host: str = "127.0.0.1",
    port: int = 8001,
    config_dir: PathLike | None = None,
) -> list[str]:
    """Arguments after ``datasette``: serve ``db_path`` immutable, with its
    inspect file (table counts are read from it, not computed at startup),
    the metadata and configuration (written into ``config_dir``, by default
    a folder beside the database) and the public-site settings. Never
    ``--load-extension``."""
    args = ["serve", "-i", str(db_path), "--inspect-file", str(inspect_file)]
    if metadata is not None:
        folder = config_dir or Path(db_path).with_suffix(".config")
        args += write_config(metadata, folder)
    return args + ["-h", host, "-p", str(port)] + serve_options()
