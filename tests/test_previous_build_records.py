"""What the loader knows of other records, from the previous database
(incremental builds) or from memory (cold builds): the two answer alike."""

import sqlite3

import pytest

from datasette_heritage.build.data_files import RECORD_TABLES, discover_files
from datasette_heritage.build.pipeline import build
from datasette_heritage.build.previous_build_records import RecordsInPreviousBuild
from datasette_heritage.build.problems import ProblemLog
from datasette_heritage.build.records import RecordLoader
from datasette_heritage.schema import VOCABULARIES

from .conftest import FIXTURE_DATA

REFERENCED = ("sites", "monuments", "sources", *VOCABULARIES)


@pytest.fixture
def memory():
    """What a cold build knows once it has loaded every record."""
    loader = RecordLoader(FIXTURE_DATA, ProblemLog())
    list(loader.rows())
    assert not loader.problems
    return loader.known


@pytest.fixture
def conn(tmp_path):
    build(FIXTURE_DATA, tmp_path / "h.db")
    conn = sqlite3.connect(tmp_path / "h.db")
    yield conn
    conn.close()


LOAD_ORDER = {str(path): i for i, (_, path) in enumerate(discover_files(FIXTURE_DATA))}


def previous_records(conn, reread=None):
    reread = reread or {}
    return RecordsInPreviousBuild(
        conn, LOAD_ORDER, {t: set(reread.get(t, ())) for t in RECORD_TABLES}
    )


def test_the_previous_database_answers_as_memory_does(memory, conn):
    previous = previous_records(conn)
    assert memory.valid_ids("sites") and memory.valid_ids("monuments")
    for table in REFERENCED:
        ids = memory.valid_ids(table)
        assert sorted(previous.valid_ids(table)) == sorted(ids), table
        for key in ids:
            assert previous.is_valid(table, key)
        assert not previous.is_valid(table, "no-such-record")
    for key in memory.valid_ids("monuments"):
        assert previous.site_of_monument(key) == memory.site_of_monument(key)
    texts = {key: memory.text_of_source(key) for key in memory.valid_ids("sources")}
    assert None in texts.values() and any(texts.values())  # with and without a text
    for key, text in texts.items():
        assert previous.text_of_source(key) == text
    for record_type, table in RECORD_TABLES.items():
        for (key,) in conn.execute(f"SELECT id FROM [{table}]"):
            assert previous.definition(record_type, key) == memory.definition(record_type, key)
    for rank in range(1, 6):
        assert previous.damage_level_ranked(rank) == memory.damage_level_ranked(rank)


def test_records_of_files_read_again_are_left_out(conn):
    monuments_file = str(FIXTURE_DATA / "monuments" / "testopolis.yml")
    (monument, site), *_ = conn.execute("SELECT id, site_id FROM monuments").fetchall()
    previous = previous_records(conn)
    assert previous.is_valid("monuments", monument)
    previous.read_again("monument", {monuments_file})
    assert not previous.is_valid("monuments", monument)
    assert previous.site_of_monument(monument) is None
    assert previous.definition("monument", monument) is None
    assert monument not in previous.valid_ids("monuments")
    # What this build loads from the file takes its place.
    previous.define("monument", monument, monuments_file, 7)
    previous.add_monument(monument, "another-site")
    assert previous.definition("monument", monument) == (monuments_file, 7)
    assert previous.site_of_monument(monument) == "another-site" != site
    # Other record types are not affected.
    assert previous.is_valid("sites", site)


def test_an_id_defined_in_a_file_that_loads_later_is_noted(conn):
    """A cold build reports a duplicate id in the file that loads second, so
    an incremental build must read that file again too."""
    earlier, later = (str(FIXTURE_DATA / "events" / f"{year}.yml") for year in (2015, 2016))
    (later_event,) = conn.execute(
        "SELECT id FROM events WHERE record_file = ? LIMIT 1", (later,)
    ).fetchone()
    (earlier_event,) = conn.execute(
        "SELECT id FROM events WHERE record_file = ? LIMIT 1", (earlier,)
    ).fetchone()
    previous = previous_records(conn, {"event": {earlier}})
    previous.reading = later
    assert previous.definition("event", earlier_event) is None  # read again: left out
    previous.reading = str(FIXTURE_DATA / "events" / "arabic.yml")  # loads after both
    assert previous.definition("event", later_event)[0] == later
    assert previous.defined_later == set()
    previous.reading = earlier
    assert previous.definition("event", later_event)[0] == later
    assert previous.defined_later == {later}
