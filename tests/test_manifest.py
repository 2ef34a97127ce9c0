"""The manifest of a build: what changed since, and which database it describes."""

import os
import shutil
import sqlite3

import pytest

from datasette_heritage.build.manifest import (
    UNTRUSTED_MTIME,
    find_changes,
    read_manifest,
    take_manifest,
)

from .conftest import FIXTURE_DATA

HOUR_NS = 3600 * 10**9


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, path)
    # As if written an hour ago: stat is trusted for files not just written.
    for file in path.rglob("*.*"):
        mtime = file.stat().st_mtime_ns - HOUR_NS
        os.utime(file, ns=(mtime, mtime))
    return path


def test_changes_are_found_by_content_not_by_stat(data):
    manifest = take_manifest(data)
    assert UNTRUSTED_MTIME not in {state.mtime_ns for state in manifest.files.values()}
    edited, touched, removed = (
        data / "events" / f"{name}.yml" for name in ("2015", "2016", "arabic")
    )
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# an editor's note\n", "utf-8")
    touched.write_bytes(touched.read_bytes())
    removed.unlink()
    (data / "sites" / "more.yml").write_text("[]\n", encoding="utf-8")
    text = data / "sources" / "wire-report.txt"
    text.write_text(text.read_text(encoding="utf-8") + "A correction.\n", encoding="utf-8")

    changes = find_changes(data, manifest)
    assert changes.yaml == {"events/2015.yml", "events/arabic.yml", "sites/more.yml"}
    assert changes.texts == {"sources/wire-report.txt"}
    assert not changes.vocabulary
    assert "events/arabic.yml" not in changes.files
    # Just written: hashed again next time, whatever its stat says.
    assert changes.files["events/2016.yml"].mtime_ns == UNTRUSTED_MTIME
    assert changes.files["events/2016.yml"].sha1 == manifest.files["events/2016.yml"].sha1

    (data / "vocabularies" / "causes.yml").write_text("[]\n", encoding="utf-8")
    assert find_changes(data, manifest).vocabulary


def test_a_manifest_describes_one_database_and_data_folder(data, tmp_path):
    db_path = tmp_path / "h.db"
    manifest = take_manifest(data)
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {manifest.token}")
    conn.close()
    manifest.write(db_path)
    assert read_manifest(db_path, data) == manifest
    assert read_manifest(db_path, tmp_path / "other-data") is None
    assert read_manifest(tmp_path / "other.db", data) is None
    # Another database written at the same path (a cold build without a manifest).
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {manifest.token + 1}")
    conn.close()
    assert read_manifest(db_path, data) is None
