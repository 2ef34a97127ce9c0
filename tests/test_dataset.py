"""The real dataset under data/, built: the facts a reader of the site or a
user of the SQL would check first.

The article texts are checked against checksums of the seed files they were
copied from (shared/seeds/, outside the repository), so the check runs on a
clean clone and in CI and still proves the texts are byte-for-byte the
originals.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
from pathlib import Path

import pytest
import yaml

from datasette_heritage.folding import normalise
from datasette_heritage.schema import COORDINATE_PRECISIONS

ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = ROOT / "data" / "sources"

# source id -> (seed file it was copied from, SHA-256 of that file as delivered)
SEED_CHECKSUMS = {
    "2016-12-11-russian-air-strikes-force-is-out-of-palmyra": (
        "000_c5b642a2eb8ea0bb.txt",
        "074fa69e01f4e06460dc39efd1106507c94cb54e1891b085b1872d06f4c3d73b",
    ),
    "2016-12-11-isis-regains-control-of-palmyra": (
        "001_16e0a5add972b78b.txt",
        "be3d9f49e396051561166c9db4c0e37362ea58d61c3fcfa75ee178fbd08c1e07",
    ),
    "2016-12-11-activists-say-is-recaptured-palmyra": (
        "002_5aee65c7423a5a45.txt",
        "9773b153eda73e1a42af554d1f4d72cc5de12fb95cb7cdc8efd8a40065d22dbf",
    ),
    "2017-03-02-government-forces-enter-palmyra": (
        "003_4a7439fad45e127e.txt",
        "4904ec2691dcfb3cbd88b5589ad181ff36d2f74db148c5d29c9b65c4fac6d29b",
    ),
    "2016-03-22-islamic-state-hits-back": (
        "004_68afa4bae8173a9f.txt",
        "d1d6985b885eee9a1569408962cdf455a9ac38dd397250f5c5916a6dfaea779a",
    ),
}

# Claimant spellings the editors' guide folds into one name; none may appear.
NON_CANONICAL_CLAIMANTS = {
    "Russia",
    "Moscow",
    "Russia's defence ministry",
    "Russian Defense Ministry",
    "The Russian Defense Ministry",
    "the Observatory",
    "a monitor",
    "Syrian Observatory",
    "SOHR",
    "Palmyra Co-ordination group",
    "Putin",
    "BBC",
    "",
}


@pytest.fixture(scope="module")
def db(real_db) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{real_db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def rows(db: sqlite3.Connection, sql: str, *params) -> list[sqlite3.Row]:
    return db.execute(sql, params).fetchall()


def citations_of(db: sqlite3.Connection, event_id: str) -> list[sqlite3.Row]:
    return rows(db, "SELECT * FROM citations WHERE event_id = ? ORDER BY id", event_id)


# -- the article texts -------------------------------------------------------


def test_every_seed_article_is_a_source():
    assert set(SEED_CHECKSUMS) == {p.stem for p in SOURCES_DIR.glob("*.yml")}


@pytest.mark.parametrize("source_id", sorted(SEED_CHECKSUMS))
def test_source_text_is_the_seed_article_byte_for_byte(db, source_id):
    seed_name, checksum = SEED_CHECKSUMS[source_id]
    (row,) = rows(db, "SELECT text, text_file FROM sources WHERE id = ?", source_id)
    assert row["text_file"] == f"{source_id}.txt"
    on_disk = (SOURCES_DIR / row["text_file"]).read_bytes()
    assert hashlib.sha256(on_disk).hexdigest() == checksum, f"{source_id} differs from {seed_name}"
    # What the site shows and searches is that file, not a cleaned-up copy.
    assert row["text"].encode("utf-8") == on_disk


def test_source_metadata_comes_from_the_text(db):
    sources = {r["id"]: r for r in rows(db, "SELECT * FROM sources")}
    credits = {sid: r["credit"] for sid, r in sources.items()}
    assert credits == {
        "2016-12-11-russian-air-strikes-force-is-out-of-palmyra": "Reuters/Hauwa M.",
        "2016-12-11-isis-regains-control-of-palmyra": "Guardian Service",
        "2016-12-11-activists-say-is-recaptured-palmyra": "Reuters/AP",
        "2017-03-02-government-forces-enter-palmyra": None,
        # Its only credit is a photo caption's: the text prints none of its own.
        "2016-03-22-islamic-state-hits-back": None,
    }
    types = {r["id"] for r in rows(db, "SELECT id FROM source_types")}
    for sid, source in sources.items():
        # The seed files carry no address, archive or date of access: nothing
        # is guessed. The type is the one the texts allow (no outlet is shown).
        assert (source["url"], source["archive_url"], source["accessed"]) == (None,) * 3, sid
        assert source["source_type"] in types, sid
        # The recorded digest is the stored text's, and the build checked it.
        text = (SOURCES_DIR / source["text_file"]).read_bytes()
        assert source["text_sha256"] == hashlib.sha256(text).hexdigest(), sid
        # Each credit line is printed in the text itself.
        assert source["title"] in source["text"], sid
        if source["credit"]:
            assert source["credit"] in source["text"], sid
        assert source["language"] == "en"
    printed = sources["2016-03-22-islamic-state-hits-back"]
    assert "22/03/2016" in printed["text"]
    assert (printed["published"], printed["published_precision"]) == ("2016-03-22", "day")
    # Dates read from "on Sunday"/"on Thursday" are marked uncertain and explained.
    for sid, source in sources.items():
        if sid != "2016-03-22-islamic-state-hits-back":
            assert source["published"].endswith("?"), sid
            assert "inferred" in (source["published_note"] or ""), sid


# -- citations ---------------------------------------------------------------


def test_every_citation_is_verified_where_it_stands(db):
    found = rows(
        db,
        """SELECT c.id, c.quote, c.quote_start, c.quote_end, c.verified, s.text
                        FROM citations c JOIN sources s ON s.id = c.source_id""",
    )
    assert len(found) >= 60
    for c in found:
        assert c["verified"] == 1, c["id"]
        assert 0 <= c["quote_start"] < c["quote_end"] <= len(c["text"]), c["id"]
        passage = c["text"][c["quote_start"] : c["quote_end"]]
        assert normalise(passage) == normalise(c["quote"]), c["id"]


def test_every_event_has_a_citation(db):
    uncited = rows(
        db,
        """SELECT id FROM events
                          WHERE id NOT IN (SELECT event_id FROM citations)""",
    )
    assert uncited == []
    assert rows(db, "SELECT count(*) AS n FROM events")[0]["n"] >= 10


def test_inferences_say_why(db):
    inferred = rows(db, "SELECT id, note FROM citations WHERE identification = 'inferred'")
    assert inferred
    for c in inferred:
        assert c["note"] and len(c["note"]) > 20, c["id"]


def test_claimants_use_one_name_per_claimant(db):
    claimants = {r["claimant"] for r in rows(db, "SELECT DISTINCT claimant FROM citations")}
    assert not claimants & NON_CANONICAL_CLAIMANTS
    assert {
        "Syrian Observatory for Human Rights",
        "Russian defence ministry",
        "Palmyra Coordination group",
        "Vladimir Putin",
    } <= claimants


def test_an_outlet_speaks_only_in_its_own_article(db):
    # The outlet's own voice is its credit line; another article's credit as a
    # claimant would mean a citation filed under the wrong source.
    credits = {
        r["credit"]: r["id"] for r in rows(db, "SELECT id, credit FROM sources") if r["credit"]
    }
    for c in rows(db, "SELECT id, claimant, source_id FROM citations"):
        if c["claimant"] in credits:
            assert credits[c["claimant"]] == c["source_id"], c["id"]


# -- what happened -----------------------------------------------------------


def test_december_2016_retake_is_contested_by_russia(db):
    (event,) = rows(db, "SELECT * FROM events WHERE id = 'is-retakes-palmyra-2016-12'")
    assert event["kind"] == "control" and event["contested"] == 1
    assert (event["date_start"], event["date_end"]) == ("2016-12-10", "2016-12-11")
    assert event["date_uncertain"] == 1
    cited = citations_of(db, event["id"])
    disputing = {c["claimant"] for c in cited if c["stance"] == "disputes"}
    supporting = {c["claimant"] for c in cited if c["stance"] == "supports"}
    assert "Russian defence ministry" in disputing
    assert {"Syrian Observatory for Human Rights", "Palmyra Coordination group"} <= supporting
    ministry = [c for c in cited if c["claimant"] == "Russian defence ministry"]
    assert any("thwarted all terrorist attacks on Palmyra" in c["quote"] for c in ministry)
    assert event["supporting_sources"] >= 3 and event["disputing_sources"] >= 2


def test_control_of_palmyra_changes_hands_in_order(db):
    changes = rows(
        db,
        """SELECT id, date FROM events
                          WHERE kind = 'control' AND site_id = 'palmyra'
                          AND id NOT IN (SELECT event_id FROM event_monuments)
                          ORDER BY date_start""",
    )
    assert [(c["id"], c["date"]) for c in changes] == [
        ("is-takes-palmyra-2015", "2015-05"),
        ("government-retakes-palmyra-2016", "2016-03"),
        ("is-retakes-palmyra-2016-12", "2016-12-10?/2016-12-11?"),
        ("government-forces-enter-palmyra-2017-03", "2017-03-01?/2017-03-02?"),
    ]


def test_temple_of_bel_is_destroyed_on_inferred_word_only(db):
    (temple,) = rows(db, "SELECT * FROM monuments WHERE id = 'temple-of-bel'")
    assert temple["condition"] == "destroyed"
    assert temple["wikidata"] == "Q797481"
    assert "Temple of Baal" in json.loads(temple["alternative_names"])
    (link,) = rows(
        db,
        """SELECT em.*, e.date FROM event_monuments em
                          JOIN events e ON e.id = em.event_id
                          WHERE em.monument_id = 'temple-of-bel'""",
    )
    # As precise as the articles: "during its 10-month occupation".
    assert (link["damage_level"], link["cause"], link["date"]) == (
        "destroyed",
        "explosion-heavy-weaponry",
        "2015-05/2016-03",
    )
    cited = citations_of(db, link["event_id"])
    # "Two 2,000-year-old temples" names no temple: every tie is the editor's.
    # The one text that names the temple is a file photo's caption: not cited.
    assert cited and all(c["identification"] == "inferred" for c in cited)
    assert any("Two 2,000-year-old temples" in c["quote"] for c in cited)
    assert not any("Temple of Bel" in c["quote"] for c in cited)
    (damage,) = rows(db, "SELECT * FROM monument_damage WHERE monument_id = 'temple-of-bel'")
    assert damage["identification"] == "inferred"


def test_described_monuments_are_tied_as_the_articles_allow(db):
    ties = {
        (r["monument_id"], r["identification"])
        for r in rows(
            db,
            """SELECT em.monument_id, c.identification
                                 FROM event_monuments em
                                 JOIN citations c ON c.event_id = em.event_id""",
        )
    }
    # "an arch" and "a castle ... that overlooks its famed Roman-era ruins" name nothing.
    assert ("palmyra-monumental-arch", "inferred") in ties
    assert ("palmyra-monumental-arch", "explicit") not in ties
    assert ("palmyra-citadel", "inferred") in ties
    # "funerary towers" and "the Palmyra citadel" name them.
    assert ("palmyra-tower-tombs", "explicit") in ties
    assert ("palmyra-citadel", "explicit") in ties


def test_monuments_sit_at_their_site(db):
    placed = rows(
        db,
        """SELECT m.id, m.latitude, m.longitude, s.latitude AS site_lat,
                                s.longitude AS site_lon
                         FROM monuments m JOIN sites s ON s.id = m.site_id
                         WHERE m.latitude IS NOT NULL""",
    )
    assert len(placed) >= 5
    for m in placed:
        km = (
            math.hypot(
                m["latitude"] - m["site_lat"],
                (m["longitude"] - m["site_lon"]) * math.cos(math.radians(m["site_lat"])),
            )
            * 111
        )
        assert km < 3, f"{m['id']} is {km:.1f} km from its site's centre"


def test_the_beheaded_director_is_identified_by_inference(db):
    (event,) = rows(db, "SELECT * FROM events WHERE kind = 'killing'")
    assert event["date"] == "2015-05/2016-03"
    cited = citations_of(db, event["id"])
    assert len({c["source_id"] for c in cited}) == 2
    for c in cited:
        assert "beheaded the archaeological director" in c["quote"]
        assert c["identification"] == "inferred" and "Khaled al-Asaad" in c["note"]


def test_damage_beyond_palmyra_is_recorded(db):
    market = rows(
        db,
        """SELECT em.damage_level, e.site_id, c.quote FROM event_monuments em
                         JOIN events e ON e.id = em.event_id
                         JOIN citations c ON c.event_id = e.id
                         WHERE em.monument_id = 'aleppo-covered-market'""",
    )
    assert market and market[0]["site_id"] == "ancient-city-of-aleppo"
    assert "historic covered market had been pounded" in market[0]["quote"]
    (iraq,) = rows(db, "SELECT * FROM events WHERE site_id = 'iraq-pre-islamic-sites'")
    # No start date in the article: EDTF's unknown start, not an invented year.
    assert iraq["date_start"] is None and iraq["date_end"] == "2016-12-31"


def test_war_news_stays_out(db):
    quotes = " ".join(r["quote"] for r in rows(db, "SELECT quote FROM citations"))
    for war_news in (
        "chlorine",
        "26 Syrian soldiers",
        "120,000 civilians",
        "11 tanks",
        "93%",
        "evacuation of civilians",
    ):
        assert war_news not in quotes


# -- the editors' conventions, held on every record -----------------------------
# docs/editors-guide.md: photos and captions, whose voice, titles, summaries.


def outlet_voices(source) -> set[str]:
    """The claimant names of a text's own voice."""
    return {source["credit"] or source["publisher"] or "Unidentified outlet"}


def only_in_brackets(name: str, text: str) -> bool:
    """Whether every time ``name`` is printed in ``text`` it is a bracketed
    credit, "(AAP/Syrian Arab News Agency)", as after a photo caption."""
    found = [m.start() for m in re.finditer(re.escape(name), text)]
    return bool(found) and all(
        text[at - 1 : at] == "(" and text[at + len(name) : at + len(name) + 1] == ")"
        for at in found
    )


def test_a_photo_credit_is_never_the_texts_credit_nor_a_claimant(db):
    sources = {r["id"]: r for r in rows(db, "SELECT * FROM sources")}
    for sid, source in sources.items():
        photo_credits = json.loads(source["photo_credits"])
        for credit in photo_credits:
            assert f"({credit})" in source["text"], (sid, credit)
        if source["credit"]:
            assert source["credit"] not in photo_credits, sid
            assert not only_in_brackets(source["credit"], source["text"]), sid
    assert any(json.loads(s["photo_credits"]) for s in sources.values())
    for c in rows(db, "SELECT id, source_id, claimant FROM citations"):
        source = sources[c["source_id"]]
        assert c["claimant"] not in json.loads(source["photo_credits"]), c["id"]
        assert not only_in_brackets(c["claimant"], source["text"]), c["id"]


def line_of(text: str, start: int, end: int) -> str:
    return text[text.rfind("\n", 0, start) + 1 : (text.find("\n", end) + 1 or len(text) + 1) - 1]


def test_no_citation_quotes_a_file_photo_caption(db):
    cited = rows(
        db,
        """SELECT c.id, c.quote_start, c.quote_end, s.text FROM citations c
        JOIN sources s ON s.id = c.source_id WHERE c.verified = 1""",
    )
    for c in cited:
        line = line_of(c["text"], c["quote_start"], c["quote_end"])
        assert not re.search(r"\b(file|archive) (photo|picture|image)\b", line, re.I), c["id"]


def test_a_passage_is_the_outlets_or_another_partys_never_both(db):
    sources = {r["id"]: r for r in rows(db, "SELECT * FROM sources")}
    cited = rows(
        db,
        """SELECT id, source_id, claimant, quote_start, quote_end FROM citations
        WHERE verified = 1 ORDER BY source_id, quote_start""",
    )
    checked = 0
    for a in cited:
        for b in cited:
            if a["source_id"] != b["source_id"] or a["id"] >= b["id"]:
                continue
            if a["quote_start"] < b["quote_end"] and b["quote_start"] < a["quote_end"]:
                voices = outlet_voices(sources[a["source_id"]])
                checked += 1
                assert (a["claimant"] in voices) == (b["claimant"] in voices), (a["id"], b["id"])
    assert checked  # passages are cited more than once: the check has work to do


ATTRIBUTION = re.compile(
    r"\b(said|says|say|told|reported|reports|claimed|claims|according to|statement|"
    r"announced|stated|added|warned|denied)\b|[\"\u201c\u201d]",
    re.I,
)


def test_an_attribution_covers_its_own_sentence_only(db):
    """A quote of several sentences credited to another party than the outlet
    has that party's attribution in each: the sentence before "..., the
    Observatory said." is the article's own."""
    sources = {r["id"]: r for r in rows(db, "SELECT * FROM sources")}
    for c in rows(db, "SELECT id, source_id, claimant, quote FROM citations"):
        if c["claimant"] in outlet_voices(sources[c["source_id"]]):
            continue
        sentences = [x for x in re.split(r"(?<=[.!?])\s+", c["quote"].strip()) if x]
        if len(sentences) > 1:
            for sentence in sentences:
                assert ATTRIBUTION.search(sentence), (c["id"], sentence)


REPORTED_SPEECH = re.compile(
    r"\b(said|says|say|told|reported|reports|claimed|claims|announced|stated|added|"
    r"warned|denied|predicted)\b[^.!?\n]*\bthat\b"
)


def test_no_quote_starts_inside_someone_elses_reported_words(db):
    cited = rows(
        db,
        """SELECT c.id, c.quote_start, s.text FROM citations c
        JOIN sources s ON s.id = c.source_id WHERE c.verified = 1""",
    )
    for c in cited:
        before = c["text"][: c["quote_start"]]
        sentence_start = max(before.rfind(". "), before.rfind("\n"), before.rfind("? ")) + 1
        assert not REPORTED_SPEECH.search(before[sentence_start:]), c["id"]


DESTROYING_WORDS = re.compile(
    r"\b(destroy(s|ed)?|raze[sd]?|demolish(es|ed)?|blown up|blows? up|blew up|"
    r"dynamited?|(left )?in ruins|flattened|levell?ed)\b",
    re.I,
)


def test_a_title_claims_no_more_than_the_damage_level(db):
    events = rows(
        db,
        """SELECT e.id, e.title, group_concat(em.damage_level) AS levels
        FROM events e JOIN event_monuments em ON em.event_id = e.id
        WHERE em.damage_level IS NOT NULL GROUP BY e.id""",
    )
    assert events
    for e in events:
        if DESTROYING_WORDS.search(e["title"]):
            assert set(e["levels"].split(",")) == {"destroyed"}, (e["id"], e["title"])


def test_an_event_resting_on_inference_says_so(db):
    events = rows(
        db,
        """SELECT e.id, e.summary FROM events e WHERE NOT EXISTS (
            SELECT 1 FROM citations c WHERE c.event_id = e.id
            AND c.stance = 'supports' AND c.identification = 'explicit')""",
    )
    assert events
    for e in events:
        assert "inference" in (e["summary"] or ""), e["id"]


def test_monument_damage_shows_when_every_tie_is_an_inference(db):
    damage = rows(db, "SELECT * FROM monument_damage")
    for d in damage:
        explicit = rows(
            db,
            """SELECT count(*) AS n FROM citations WHERE event_id = ?
            AND stance = 'supports' AND identification = 'explicit'""",
            d["event_id"],
        )[0]["n"]
        assert d["identification"] == ("explicit" if explicit else "inferred"), d["event_id"]
    inferred = {d["monument_id"] for d in damage if d["damage_level"] == "destroyed"}
    inferred &= {d["monument_id"] for d in damage if d["identification"] == "inferred"}
    # No text names the temples or the arch it reports destroyed.
    assert {"temple-of-bel", "temple-of-baalshamin", "palmyra-monumental-arch"} <= inferred


def test_no_summary_says_what_no_source_does(db):
    # The fact-check's finds: no source says from whom IS took Palmyra in 2015;
    # the December 2016 events are contested, so the summary says who says what.
    (taken,) = rows(db, "SELECT summary FROM events WHERE id = 'is-takes-palmyra-2015'")
    assert "from Syrian government forces" not in taken["summary"]
    (retaken,) = rows(db, "SELECT summary FROM events WHERE id = 'is-retakes-palmyra-2016-12'")
    assert "contested" in retaken["summary"]
    for claimant in ("Russia", "Syrian Observatory", "Palmyra Coordination group"):
        assert claimant in retaken["summary"]


def test_the_citadel_recapture_of_2017_is_dated_by_the_report_not_more(db):
    (event,) = rows(
        db, "SELECT * FROM events WHERE id = 'government-retakes-palmyra-citadel-2017-03'"
    )
    # "earlier reported": the text dates the report, so the event spans from
    # IS's return in December 2016 to it.
    assert (event["date_start"], event["date_end"]) == ("2016-12-01", "2017-03-02")


def test_the_readmes_example_event_is_the_datasets_own(db):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("An event looks like this", 1)[1].split("```yaml\n", 1)[1]
    (example,) = yaml.safe_load(block.split("```", 1)[0])
    (event,) = rows(db, "SELECT * FROM events WHERE id = ?", example["id"])
    for key in ("kind", "title", "date", "date_note", "site_id"):
        assert example[key] == event[key], key
    links = rows(db, "SELECT * FROM event_monuments WHERE event_id = ?", example["id"])
    assert [{k: link[k] for k in ("monument_id", "damage_level", "cause")} for link in links] == (
        example["monuments"]
    )
    (cited,) = example["citations"]
    recorded = [dict(c) for c in citations_of(db, example["id"])]
    assert any(all(c[k] == v for k, v in cited.items()) for c in recorded), cited


def test_every_point_says_how_exact_it_is(db):
    for table in ("sites", "monuments"):
        located = rows(
            db, f"SELECT id, coordinates_precision FROM {table} WHERE latitude IS NOT NULL"
        )
        assert located
        for r in located:
            assert r["coordinates_precision"] in COORDINATE_PRECISIONS, (table, r["id"])
    # The group's point is one of its towers: approximate for the group.
    (towers,) = rows(db, "SELECT * FROM monuments WHERE id = 'palmyra-tower-tombs'")
    assert towers["coordinates_precision"] == "approximate"
