"""The summary tables (build/summaries.py) hold what grouping the citations
gives, after a cold build and after incremental builds that add, move and
remove claimants, sources and whole events; the views give the rows of the
joins they stand for."""

import sqlite3

import pytest

from datasette_heritage.build.pipeline import build

from .conftest import FIXTURE_DATA, rewrite_records

# The questions the summaries answer, asked of the citations themselves.
CLAIMANTS = """
SELECT claimant, count(*), count(DISTINCT event_id), count(DISTINCT source_id),
       sum(stance = 'supports'), sum(stance = 'disputes'), sum(identification = 'inferred')
FROM citations GROUP BY claimant"""
SOURCE_EVENTS = """
SELECT source_id, event_id, count(*), group_concat(DISTINCT claimant),
       group_concat(DISTINCT stance)
FROM (SELECT * FROM citations ORDER BY source_id, event_id, rowid)
GROUP BY source_id, event_id"""

# The views as the joins they were first written as.
JOINS = {
    "citation_details": """
SELECT c.id, e.id, e.kind, e.title, e.date, e.date_start, e.date_end, e.date_precision,
       e.contested, e.site_id, s.name, em.monument_id, m.name, em.damage_level, em.cause,
       c.claimant, c.stance, c.identification, c.quote, c.translation, c.note, c.verified,
       c.source_id, src.title, src.publisher, src.credit, src.source_type, src.language,
       src.published, src.url
FROM citations c
JOIN events e ON e.id = c.event_id
JOIN sites s ON s.id = e.site_id
JOIN sources src ON src.id = c.source_id
LEFT JOIN event_monuments em ON em.event_id = e.id
LEFT JOIN monuments m ON m.id = em.monument_id""",
    "monument_damage": """
SELECT m.id, m.name, m.site_id, m.type, m.latitude, m.longitude, e.id, e.kind, e.title,
       e.date, e.date_start, e.date_end, e.date_precision, em.damage_level, d.rank,
       em.cause, e.contested, e.supporting_sources, e.disputing_sources,
       (SELECT CASE WHEN max(c.identification = 'explicit') THEN 'explicit'
                    WHEN count(*) THEN 'inferred' END
        FROM citations c WHERE c.event_id = e.id AND c.stance = 'supports')
FROM event_monuments em
JOIN monuments m ON m.id = em.monument_id
JOIN events e ON e.id = em.event_id
LEFT JOIN damage_levels d ON d.id = em.damage_level""",
    "source_reports": """
SELECT src.id, src.title, src.publisher, src.credit, src.source_type, src.published, e.id,
       e.title, e.date,
       count(c.id), group_concat(DISTINCT c.claimant), group_concat(DISTINCT c.stance)
FROM (SELECT * FROM citations ORDER BY source_id, event_id, rowid) c
JOIN sources src ON src.id = c.source_id
JOIN events e ON e.id = c.event_id
GROUP BY src.id, e.id""",
}


def rows(conn, sql):
    return sorted(conn.execute(sql).fetchall(), key=repr)


def assert_summaries_hold(db_path):
    conn = sqlite3.connect(db_path)
    try:
        assert rows(conn, "SELECT * FROM claimants") == rows(conn, CLAIMANTS)
        assert rows(conn, "SELECT * FROM source_events") == rows(conn, SOURCE_EVENTS)
        for view, sql in JOINS.items():
            assert rows(conn, f"SELECT * FROM [{view}]") == rows(conn, sql), view
    finally:
        conn.close()


@pytest.fixture
def data(synth_copy):
    # Two events files: a claimant and source pair can be in another file.
    return synth_copy(4000, 5)


def test_cold_builds(data, tmp_path):
    for folder in (data, FIXTURE_DATA):
        target = tmp_path / f"{folder.parent.name}.db"
        build(folder, target)
        assert_summaries_hold(target)
    conn = sqlite3.connect(target)
    # The fixture has a claimant quoted twice on one event by one source.
    assert conn.execute("SELECT count(*) FROM claimants").fetchone()[0] > 1


def test_incremental_builds(data, tmp_path):
    target = tmp_path / "heritage.db"
    build(data, target, incremental=True)
    events_files = sorted((data / "events").glob("*.yml"))

    def one_off_claimant(events):
        # A claimant no other citation has, and a (claimant, source) pair
        # that exists in another file too.
        events[0]["citations"][0]["claimant"] = "a one-off claimant"
        moved = dict(events[1]["citations"][0])
        events[2]["citations"].append(dict(moved, claimant=events[5]["citations"][0]["claimant"]))

    def claimant_gone(events):
        for event in events:
            for citation in event["citations"]:
                if citation["claimant"] == "a one-off claimant":
                    citation["claimant"] = events[-1]["citations"][0]["claimant"]

    def claimants_renamed_and_events_removed(events):
        for event in events[:5]:
            for citation in event["citations"]:
                citation["claimant"] += " (reported)"
                citation["stance"] = "disputes"
        del events[6:9]

    edits = [
        (events_files[0], one_off_claimant),
        (events_files[0], claimant_gone),
        (events_files[-1], claimants_renamed_and_events_removed),
    ]
    one_off = "SELECT count(*) FROM claimants WHERE claimant = 'a one-off claimant'"
    seen = []
    for path, change in edits:
        rewrite_records(path, change)
        assert build(data, target, incremental=True).files_reread >= 1
        assert_summaries_hold(target)
        conn = sqlite3.connect(target)
        seen.append(conn.execute(one_off).fetchone()[0])
        conn.close()
    assert seen == [1, 0, 0]  # the claimant's row came and went
    events_files[1].unlink()
    assert build(data, target, incremental=True).files_reread == 0
    assert_summaries_hold(target)
