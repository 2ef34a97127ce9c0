"""Summary tables: answers to questions that group a million citations,
written at build time so that a saved query or a view's row count reads a
few rows instead of grouping them all on every request.

- ``claimants``: one row per claimant, with how many citations, events and
  sources, and how many support, dispute or were tied by inference (the
  ``citations_by_claimant`` saved query);
- ``source_events``: one row per source and event it speaks to, with the
  number of citations and who and how (the ``source_reports`` view and the
  ``outlet_reports`` saved query).

Each is kept equal to the GROUP BY it stands for (tests/test_summaries.py).
Both depend on citations alone, and an event's citations are all in its
record: an incremental build takes out the contribution of the events it
replaces (``remove``, before their citations are deleted) and adds that of
the events it writes (``add``, after their citations are inserted).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

TABLES = {
    "claimants": """CREATE TABLE claimants (
    claimant TEXT PRIMARY KEY,
    citations INTEGER NOT NULL,
    events INTEGER NOT NULL,
    sources INTEGER NOT NULL,
    supporting INTEGER NOT NULL,
    disputing INTEGER NOT NULL,
    inferred INTEGER NOT NULL
)""",
    # Keyed (source, event): read a source at a time by outlet_reports.
    "source_events": """CREATE TABLE source_events (
    source_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    citations INTEGER NOT NULL,
    claimants TEXT NOT NULL,
    stances TEXT NOT NULL,
    PRIMARY KEY (source_id, event_id)
) WITHOUT ROWID""",
}

_EVENTS = "event_id IN (SELECT value FROM json_each(:events))"

# Claimants and stances in the order of the event's record (rowid order
# within one event is record order in cold and incremental builds alike).
_SOURCE_EVENTS = """INSERT INTO source_events
SELECT source_id, event_id, count(*), group_concat(DISTINCT claimant),
       group_concat(DISTINCT stance)
FROM (SELECT source_id, event_id, claimant, stance FROM citations {where}
      ORDER BY source_id, event_id, rowid)
GROUP BY source_id, event_id"""

_CLAIMANTS = """INSERT INTO claimants
SELECT claimant, count(*), count(DISTINCT event_id), count(DISTINCT source_id),
       sum(stance = 'supports'), sum(stance = 'disputes'), sum(identification = 'inferred')
FROM citations GROUP BY claimant"""

# What the citations of some events add to (sign 1) or, still in the table,
# take from (sign -1) each claimant's counts. Every count but sources adds
# up, because an event's citations come and go together; a source counts
# for a claimant while any citation quotes the claimant from it, so a
# (claimant, source) pair of these events changes the count only if no
# citation of another event has it. (Materialized: read once, not once per
# claimant.)
_CLAIMANTS_DELTA = f"""
WITH mine AS (SELECT claimant, event_id, source_id, stance, identification
              FROM citations WHERE {_EVENTS}),
own_sources AS MATERIALIZED (
    SELECT p.claimant, count(*) AS n
    FROM (SELECT DISTINCT claimant, source_id FROM mine) p
    WHERE NOT EXISTS (SELECT 1 FROM citations o
                      WHERE o.source_id = p.source_id AND o.claimant = p.claimant
                      AND o.event_id NOT IN (SELECT value FROM json_each(:events)))
    GROUP BY p.claimant)
INSERT INTO claimants (claimant, citations, events, sources, supporting, disputing, inferred)
SELECT m.claimant, :sign * count(*), :sign * count(DISTINCT m.event_id),
       :sign * coalesce((SELECT n FROM own_sources s WHERE s.claimant = m.claimant), 0),
       :sign * sum(m.stance = 'supports'), :sign * sum(m.stance = 'disputes'),
       :sign * sum(m.identification = 'inferred')
FROM mine m WHERE true GROUP BY m.claimant
ON CONFLICT (claimant) DO UPDATE SET
    citations = citations + excluded.citations,
    events = events + excluded.events,
    sources = sources + excluded.sources,
    supporting = supporting + excluded.supporting,
    disputing = disputing + excluded.disputing,
    inferred = inferred + excluded.inferred"""


def create(conn: sqlite3.Connection) -> None:
    for sql in TABLES.values():
        conn.execute(sql)


def write(conn: sqlite3.Connection) -> None:
    """Fill the summary tables from the finished citations (a cold build)."""
    conn.execute(_SOURCE_EVENTS.format(where=""))
    conn.execute(_CLAIMANTS)


def remove(conn: sqlite3.Connection, event_ids: Iterable[str]) -> None:
    """Take out what these events' citations count for; call it while they
    are still in the table."""
    events = json.dumps(sorted(event_ids))
    conn.execute(
        "DELETE FROM source_events WHERE (source_id, event_id) IN "
        f"(SELECT source_id, event_id FROM citations WHERE {_EVENTS})",
        {"events": events},
    )
    conn.execute(_CLAIMANTS_DELTA, {"events": events, "sign": -1})
    conn.execute("DELETE FROM claimants WHERE citations = 0")


def add(conn: sqlite3.Connection, event_ids: Iterable[str]) -> None:
    """Add what these events' citations (just inserted) count for."""
    events = json.dumps(sorted(event_ids))
    conn.execute(_SOURCE_EVENTS.format(where=f"WHERE {_EVENTS}"), {"events": events})
    conn.execute(_CLAIMANTS_DELTA, {"events": events, "sign": 1})
