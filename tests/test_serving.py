"""The README's run command, ``bash scripts/serve.sh``, serves the site fit for
the public: the database immutable with its inspect file, metadata.yml (for
Datasette 1.0, with the datasette.yml derived from it), no suggested facets,
Datasette's SQL time limit, a cache TTL, no extensions, no API tokens.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from datasette.app import DEFAULT_SETTINGS

from datasette_heritage.site import compat
from datasette_heritage.site.serving import (
    CONFIG_KEYS,
    INHERITED_KEYS,
    SETTINGS,
    serve_args,
    serve_options,
    settings,
    split_metadata,
)

from .conftest import METADATA, databases_json, start_readme_server, stop_readme_server
from .datasette_client import links

# Slow: real servers, subprocesses or whole builds; the fast lane (-m "not slow") skips it.
pytestmark = pytest.mark.slow

COMMAND = Path(sys.executable).parent / "datasette-heritage"


def source() -> dict:
    return yaml.safe_load(METADATA.read_text(encoding="utf-8"))


def test_serve_options_are_the_settings(tmp_path):
    assert serve_options() == [
        w for name, value in settings().items() for w in ("--setting", name, value)
    ]
    assert SETTINGS.items() <= settings().items()
    # The shell splits $(datasette-heritage serve-options) on spaces.
    assert not any(" " in word for word in serve_options())
    args = serve_args("h.db", "h.inspect.json", METADATA, port=9, config_dir=tmp_path)
    assert args[:5] == ["serve", "-i", "h.db", "--inspect-file", "h.inspect.json"]
    assert "--load-extension" not in args


def test_api_tokens_are_off_where_datasette_has_them():
    if "allow_signed_tokens" in DEFAULT_SETTINGS:
        assert settings()["allow_signed_tokens"] == "off"
    else:
        assert "allow_signed_tokens" not in settings()


def test_serve_options_command_prints_them():
    result = subprocess.run(
        [str(COMMAND), "serve-options"], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == serve_options()


def test_serve_options_writes_what_the_installed_datasette_reads(tmp_path):
    folder = tmp_path / "heritage.config"
    result = subprocess.run(
        [str(COMMAND), "serve-options", "-m", str(METADATA), "--config-dir", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    words = result.stdout.split()
    metadata_file = folder / "metadata.yml"
    if compat.takes_separate_config():
        config_file = folder / "datasette.yml"
        assert words == ["-m", str(metadata_file), "-c", str(config_file), *serve_options()]
        derived = yaml.safe_load(metadata_file.read_text(encoding="utf-8"))
        config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        assert (derived, config) == split_metadata(source())
        # Edited in metadata.yml only: the derived files say so.
        assert metadata_file.read_text(encoding="utf-8").startswith("# Derived from metadata.yml")
    else:
        assert words == ["-m", str(metadata_file), *serve_options()]
        assert metadata_file.read_bytes() == METADATA.read_bytes()
        assert sorted(p.name for p in folder.iterdir()) == ["metadata.yml"]


def test_files_up_to_date_are_not_rewritten(tmp_path):
    # The container's server runs serve-options as an unprivileged user on
    # files written at image build time: it must not need to write them.
    folder = tmp_path / "config"
    command = [str(COMMAND), "serve-options", "-m", str(METADATA), "--config-dir", str(folder)]
    subprocess.run(command, check=True, capture_output=True)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    os.chmod(folder, 0o555)
    try:
        for path in folder.iterdir():
            os.chmod(path, 0o444)
        subprocess.run(command, check=True, capture_output=True)
    finally:
        os.chmod(folder, 0o755)
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_metadata_without_a_folder_is_a_usage_error(tmp_path):
    result = subprocess.run(
        [str(COMMAND), "serve-options", "-m", str(METADATA)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "--config-dir" in result.stderr
    assert "Traceback" not in result.stderr


def test_split_moves_configuration_out_and_copies_the_licence_down():
    metadata = source()
    derived, config = split_metadata(metadata)
    assert metadata == source()  # the source is left as it was
    database = metadata["databases"]["heritage"]
    # Configuration, at each level, is only in the configuration ...
    assert config["databases"]["heritage"]["queries"] == database["queries"]
    assert "queries" not in derived["databases"]["heritage"]
    for name, table in database["tables"].items():
        moved = {k: v for k, v in table.items() if k in CONFIG_KEYS["table"]}
        assert config["databases"]["heritage"].get("tables", {}).get(name, {}) == moved
        kept = derived["databases"]["heritage"]["tables"][name]
        assert not set(kept) & CONFIG_KEYS["table"]
        # ... the rest, descriptions and columns, in the metadata, with the
        # instance's licence, source and about where the table has none.
        for key, value in table.items():
            if key not in CONFIG_KEYS["table"]:
                assert kept[key] == value
        for key in INHERITED_KEYS:
            assert kept[key] == table.get(key, metadata[key])
    assert database["tables"]["monuments"]["plugins"]  # the cluster map's columns
    assert "plugins" in config["databases"]["heritage"]["tables"]["monuments"]


@pytest.fixture(scope="module")
def readme_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("serve")
    process, url = start_readme_server(work)
    yield process, url, work
    stop_readme_server(process)


def test_readme_command_serves_the_database_immutable(readme_server):
    process, url, work = readme_server
    command = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
    assert b"--load-extension" not in command
    databases = databases_json(httpx.get(url + "/-/databases.json").json())
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("heritage", False)]
    # Served with the inspect file serve.sh wrote for this very file.
    inspect = json.loads((work / "heritage.inspect.json").read_text())
    assert databases[0]["hash"] == inspect["heritage"]["hash"]
    assert httpx.get(url + "/-/heritage").status_code == 200


def test_readme_command_uses_the_public_site_settings(readme_server):
    _, url, _ = readme_server
    served = httpx.get(url + "/-/settings.json").json()
    assert served["suggest_facets"] is False
    assert served["default_cache_ttl"] == int(SETTINGS["default_cache_ttl"])
    for kept in ("sql_time_limit_ms", "facet_time_limit_ms", "max_returned_rows"):
        assert served[kept] == DEFAULT_SETTINGS[kept], kept
    assert served["sql_time_limit_ms"] == 1000
    assert served.get("allow_signed_tokens", False) is False
    table = httpx.get(url + "/heritage/events.json", params={"_extra": "suggested_facets"})
    assert table.json()["suggested_facets"] == []
    assert (
        httpx.get(url + "/heritage/events").headers["cache-control"]
        == f"public, max-age={SETTINGS['default_cache_ttl']}"
    )


def test_readme_command_serves_the_metadata(readme_server):
    _, url, _ = readme_server
    metadata = source()
    index = html.unescape(httpx.get(url + "/").text)
    assert metadata["title"] in index
    # The licence, source and about line, on the index as on the pages of
    # the database, tables and rows (Datasette 1.0 no longer inherits it).
    for path in ("/", "/heritage", "/heritage/monuments", "/heritage/monuments/temple-of-bel"):
        found = links(httpx.get(url + path).text)
        for label, url_key in (("license", "license_url"), ("source", "source_url")):
            assert (metadata[url_key], metadata[label]) in found, (path, label)
        assert (metadata["about_url"], metadata["about"]) in found, path
    # The saved queries answer.
    for name in metadata["databases"]["heritage"]["queries"]:
        response = httpx.get(url + f"/heritage/{name}.json", params={"_shape": "array"})
        assert response.status_code == 200, name
        assert isinstance(response.json(), list)
