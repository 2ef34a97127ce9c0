"""A synthetic corpus in the layout of ``data/``, for benchmarks and scale tests.

``synthesize(out_dir, citations=N, seed=S)`` writes sites, monuments, sources
(one YAML record and one article text each) and events, in the proportions of
a large real tracker: N citations give about N/1000 sites, N/10 monuments,
3N/10 events and N/50 sources. Every quote is cut from its source's article,
sometimes with straight quotes where the article has typographic ones, or
across a line break, so the build's verification does real work. Dates come
in every precision EDTF allows here (day, month, year, season, intervals,
open intervals, uncertain ``?``, approximate ``~``, both ``%``), some events
are contested, and some identifications are inferred, with a note. One
source in twenty is a made-up Arabic text, vocalised or not, with tatweel,
hamza forms and Arabic-Indic digits, its quotes typed with or without the
vowel signs and each given an English translation; some monuments carry a
made-up Arabic name.

The corpus is generated site by site (a site's events only cite that site's
sources), each site from its own random generator seeded by (seed, site
number), and written as it goes: memory stays flat at any N, and the same
seed gives byte-identical files. The vocabularies are the synthetic corpus's
own, written into it, so it builds without the project's ``data/``.
"""

from __future__ import annotations

import datetime
import json
import random
import re
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .dates import MONTH_NAMES, SEASON_NAMES
from .folding import fold

# Records per YAML file, as editors would split a large corpus.
EVENTS_PER_FILE = 1000
MONUMENTS_PER_FILE = 1000

# Per 1,000 citations: 1 site, 100 monuments, 300 events, 20 sources.
CITATIONS_PER_SITE = 1000
MONUMENTS_PER_CITATION = 0.1
EVENTS_PER_CITATION = 0.3
SOURCES_PER_CITATION = 0.02

VOCABULARIES: dict[str, list[tuple[str, str, int | None, str]]] = {
    # (id, label, rank, description)
    "damage_levels": [
        ("destroyed", "Destroyed", 1, "Collapsed or reduced to rubble (after UNOSAT)."),
        ("severely-damaged", "Severely damaged", 2, "Partly collapsed (after UNOSAT)."),
        ("moderately-damaged", "Moderately damaged", 3, "Visible damage, standing (after UNOSAT)."),
        ("possibly-damaged", "Possibly damaged", 4, "Reported, not confirmed (after UNOSAT)."),
        ("no-visible-damage", "No visible damage", 5, "No damage seen (after UNOSAT)."),
    ],
    "causes": [
        ("explosion-heavy-weaponry", "Explosion / heavy weaponry", 1, "After EAMENA."),
        ("demolition", "Demolition / destruction", 2, "After EAMENA."),
        ("breaking-smashing", "Breaking / smashing", 3, "After EAMENA."),
        ("theft-looting", "Theft / looting", 4, "After EAMENA."),
        ("fire", "Fire", 5, "After EAMENA."),
        ("gunfire-light-weaponry", "Gunfire / light weaponry", 6, "After EAMENA."),
        ("military-use", "Military use", 7, "After EAMENA."),
        ("unknown", "Unknown", 8, "The sources do not say."),
    ],
    "event_kinds": [
        ("damage", "Damage", 1, "Damage to or destruction of heritage."),
        ("control", "Change of control", 2, "An armed group takes or loses a site."),
        ("killing", "Killing", 3, "Killing of a person who looked after the heritage."),
    ],
    "source_types": [
        ("news-agency", "News agency", 1, "A wire service's own report."),
        ("newspaper", "Newspaper", 2, "A newspaper, in print or online."),
        ("broadcaster", "Broadcaster", 3, "A television or radio broadcaster."),
        ("online-news", "Online news outlet", 4, "A news outlet only online."),
        ("news-media", "News media, outlet unknown", 5, "The text does not show the outlet."),
        ("monitor-ngo", "Monitor / NGO", 6, "A monitoring group's report."),
    ],
    "monument_types": [
        ("temple", "Temple", None, "A building for worship."),
        ("arch", "Arch", None, "A monumental arch."),
        ("tomb", "Tomb", None, "A tomb or group of tombs."),
        ("theatre", "Theatre", None, "A theatre."),
        ("tetrapylon", "Tetrapylon", None, "Four gates at a crossroads."),
        ("museum", "Museum", None, "A museum and its collection."),
        ("statue", "Statue", None, "A statue or sculpture."),
        ("castle", "Castle", None, "A castle or citadel."),
        ("city", "Historic city or quarter", None, "A historic quarter or market."),
        ("monument-group", "Group of monuments", None, "Monuments reported together."),
    ],
}

_COUNTRIES = [
    ("Syria", 35.0, 38.5),
    ("Iraq", 34.0, 43.0),
    ("Libya", 31.0, 17.0),
    ("Yemen", 15.5, 47.5),
    ("Mali", 16.8, -3.0),
    ("Lebanon", 33.9, 35.8),
    ("Jordan", 31.5, 36.5),
    ("Egypt", 26.5, 31.0),
]
_PREFIXES = ["Tell", "Khirbet", "Qasr", "Deir", "Jebel", "Ain", "Umm", "Hisn", "Tall", "Kafr"]
_SYLLABLES = [
    "qa",
    "ra",
    "sh",
    "ma",
    "ba",
    "lu",
    "ni",
    "dar",
    "zur",
    "hat",
    "kal",
    "sar",
    "mar",
    "nab",
    "tad",
    "mur",
    "ash",
    "dun",
    "har",
    "bel",
    "sin",
    "nim",
    "rud",
    "ka",
    "li",
    "ya",
    "za",
    "fa",
    "hu",
    "mi",
]
_DEITIES = [
    "Bel",
    "Baalshamin",
    "Nabu",
    "Allat",
    "Arsu",
    "Shamash",
    "Hadad",
    "Atargatis",
    "Yarhibol",
    "Aglibol",
    "Malakbel",
    "Nergal",
    "Ishtar",
    "Sin",
]
_PEOPLE = [
    "Elahbel",
    "Iamliku",
    "Atenatan",
    "Kitot",
    "Zenobia",
    "Odaenathus",
    "Marona",
    "Julius Aurelius",
    "Bolha",
    "Taimarsu",
    "Hairan",
    "Septimius",
    "Wahballat",
    "Khaled",
    "Nasser",
    "Hamid",
    "Amal",
    "Rania",
    "Yusuf",
    "Layla",
]
_FAMILIES = [
    "al-Asaad",
    "Haddad",
    "Khoury",
    "al-Rashid",
    "Mansour",
    "Saleh",
    "Nassar",
    "Darwish",
    "al-Hakim",
    "Qassem",
]
_GROUPS = [
    "Islamic State militants",
    "government forces",
    "armed groups",
    "looters",
    "unknown attackers",
    "militia fighters",
    "rebel fighters",
    "extremists",
]
_CLAIMANTS = [
    "the Syrian Observatory for Human Rights",
    "the antiquities directorate",
    "local activists",
    "Unesco",
    "witnesses",
    "a provincial official",
    "satellite analysis by Unosat",
    "residents",
    "a heritage monitoring group",
    "the governor",
]
_DISPUTERS = [
    "the defence ministry",
    "a government spokesman",
    "the militants' news agency",
    "the army",
    "the antiquities director",
]
_PUBLISHERS = [
    "The Daily Ledger",
    "Levant Wire",
    "Evening Courier",
    "Heritage Watch",
    "The Morning Star",
    "Desert Post",
    "The Chronicle",
    "Gulf Herald",
    "The Observer Review",
    "World Desk",
]
# What kind of outlet each publisher is (sources.source_type).
_PUBLISHER_TYPES = {
    "The Daily Ledger": "newspaper",
    "Levant Wire": "news-agency",
    "Evening Courier": "newspaper",
    "Heritage Watch": "monitor-ngo",
    "The Morning Star": "newspaper",
    "Desert Post": "online-news",
    "The Chronicle": "newspaper",
    "Gulf Herald": "newspaper",
    "The Observer Review": "news-media",
    "World Desk": "broadcaster",
}
_CREDITS = ["Reuters", "AP", "AFP", "Reuters/AP", "Staff and agencies", None, None, None]
_FILLER = [
    "The site has been on the world heritage list for decades.",
    "Archaeologists have warned for years that the ruins were at risk.",
    "The city’s museum had been emptied of most of its portable collection.",
    "Fighting in the surrounding province has displaced thousands of families.",
    "Experts said it was too early to assess the full extent of the damage.",
    "The area is strategically important because of the roads that cross it.",
    "Satellite images taken before the fighting show the monuments intact.",
    "Officials said restoration work could take years once fighting ends.",
    "The organisation did not give details of how it had verified the reports.",
    "Conservationists called for an independent assessment of the site.",
]

# Damage verbs by cause: (active verb, participle).
_VERBS = {
    "explosion-heavy-weaponry": ("blew up", "blown up"),
    "demolition": ("demolished", "demolished"),
    "breaking-smashing": ("smashed", "smashed"),
    "theft-looting": ("looted", "looted"),
    "fire": ("set fire to", "set on fire"),
    "gunfire-light-weaponry": ("shot at", "hit by gunfire"),
    "military-use": ("dug trenches around", "fortified"),
    "unknown": ("damaged", "damaged"),
}
_TYPE_PLURALS = {
    "temple": "temples",
    "arch": "arches",
    "tomb": "tombs",
    "theatre": "theatres",
    "tetrapylon": "tetrapylons",
    "museum": "museums",
    "statue": "statues",
    "castle": "castles",
    "city": "quarters",
    "monument-group": "monuments",
}


@dataclass
class SynthSummary:
    out_dir: Path
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    seconds: float = 0.0


# -- YAML writing --------------------------------------------------------------

_PLAIN_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9 ,.()/'\u2019\-]*[A-Za-z0-9.)]\Z|[A-Za-z]\Z")
# EDTF dates are written plain, as editors do (2015-08-30, 2015, 2015-05/..).
_EDTF_PLAIN = re.compile(r"[0-9.][0-9./?~%-]*\Z")
_PLAIN_WORDS = frozenset(
    [
        "true",
        "false",
        "null",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "True",
        "False",
        "Null",
        "Yes",
        "No",
        "On",
        "Off",
        "TRUE",
        "FALSE",
        "NULL",
        "YES",
        "NO",
        "ON",
        "OFF",
        "Y",
        "N",
    ]
)


def scalar(value: Any) -> str:
    """A YAML scalar for value: plain where that reads the same, else double-quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if _EDTF_PLAIN.match(value) or (_PLAIN_SAFE.match(value) and value not in _PLAIN_WORDS):
        return value
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(value, ensure_ascii=False)


def record_yaml(record: dict[str, Any]) -> str:
    """One record as an item of a block list; nested lists of mappings indented."""
    lines = []
    first = True
    for key, value in record.items():
        lead = "- " if first else "  "
        first = False
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{lead}{key}:")
            for item in value:
                inner = True
                for k, v in item.items():
                    lines.append(f"    {'- ' if inner else '  '}{k}: {scalar(v)}")
                    inner = False
        elif isinstance(value, list):
            lines.append(f"{lead}{key}: {json.dumps(value, ensure_ascii=False)}")
        else:
            lines.append(f"{lead}{key}: {scalar(value)}")
    return "\n".join(lines) + "\n"


class ChunkedWriter:
    """Writes records into numbered files of at most ``per_file`` records."""

    def __init__(self, folder: Path, prefix: str, per_file: int, header: str):
        self.folder, self.prefix, self.per_file, self.header = folder, prefix, per_file, header
        self.count = 0
        self.files = 0
        self.handle: IO[str] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, record: dict[str, Any]) -> None:
        if self.handle is None or self.count % self.per_file == 0:
            self.close()
            self.files += 1
            self.handle = open(  # noqa: SIM115 (kept open across records, closed by close())
                self.folder / f"{self.prefix}-{self.files:04d}.yml",
                "w",
                encoding="utf-8",
                newline="\n",
            )
            self.handle.write(self.header)
        self.handle.write(record_yaml(record))
        self.count += 1

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


# -- names and dates -------------------------------------------------------------


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("\u2019", "")).strip("-")


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).capitalize()


def _date_phrase(day: datetime.date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def random_date(rng: random.Random) -> tuple[str, str, datetime.date]:
    """(EDTF, how the article says it, earliest day) in a realistic mix of precisions."""
    start = datetime.date(2011, 1, 1) + datetime.timedelta(days=rng.randrange(14 * 365))
    roll = rng.random()
    month = f"{MONTH_NAMES[start.month - 1]} {start.year}"
    if roll < 0.45:
        return start.isoformat(), f"on {_date_phrase(start)}", start
    if roll < 0.63:
        return start.isoformat()[:7], f"in {month}", start.replace(day=1)
    if roll < 0.71:
        return str(start.year), f"in {start.year}", start.replace(month=1, day=1)
    if roll < 0.77:
        end = start + datetime.timedelta(days=rng.randrange(20, 400))
        return (
            f"{start.isoformat()[:7]}/{end.isoformat()[:7]}",
            f"between {month} and {MONTH_NAMES[end.month - 1]} {end.year}",
            start.replace(day=1),
        )
    if roll < 0.81:
        end = start + datetime.timedelta(days=rng.randrange(1, 14))
        return (
            f"{start.isoformat()}/{end.isoformat()}",
            f"between {_date_phrase(start)} and {_date_phrase(end)}",
            start,
        )
    if roll < 0.86:
        return f"{start.isoformat()}?", f"on what is thought to be {_date_phrase(start)}", start
    if roll < 0.90:
        return f"{start.isoformat()[:7]}~", f"around {month}", start.replace(day=1)
    if roll < 0.92:
        return f"{start.isoformat()[:7]}%", f"possibly around {month}", start.replace(day=1)
    if roll < 0.94:
        return f"{start.isoformat()[:7]}/..", f"since {month}", start.replace(day=1)
    if roll < 0.95:
        return f"../{start.isoformat()}", f"before {_date_phrase(start)}", start
    if roll < 0.97:
        season = rng.choice(list(SEASON_NAMES))
        return (
            f"{start.year}-{season}",
            f"in the {SEASON_NAMES[season]} of {start.year}",
            start.replace(month=1, day=1),
        )
    return f"{start.year}?", f"in what is thought to be {start.year}", start.replace(month=1, day=1)


# -- the corpus ------------------------------------------------------------------


@dataclass
class _Site:
    index: int
    id: str
    name: str
    country: str
    latitude: float
    longitude: float
    citations: int


@dataclass
class _Monument:
    id: str
    name: str
    type: str


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _plan_sites(citations: int, seed: int) -> list[_Site]:
    count = max(1, round(citations / CITATIONS_PER_SITE))
    budgets = _split(citations, count)
    rng = random.Random(f"{seed}:sites")
    sites, used = [], set()
    for i, budget in enumerate(budgets):
        name = f"{rng.choice(_PREFIXES)} {_word(rng, rng.randint(2, 3))}"
        site_id = slug(name)
        if site_id in used:
            site_id = f"{site_id}-{i + 1}"
        used.add(site_id)
        country, lat, lon = rng.choice(_COUNTRIES)
        sites.append(
            _Site(
                i,
                site_id,
                name,
                country,
                round(lat + rng.uniform(-2, 2), 4),
                round(lon + rng.uniform(-2, 2), 4),
                budget,
            )
        )
    return sites


def _site_record(site: _Site, rng: random.Random) -> dict[str, Any]:
    record: dict[str, Any] = {"id": site.id, "name": site.name}
    if rng.random() < 0.3:
        record["alternative_names"] = [site.name.split(" ", 1)[1]]
    record.update({"country": site.country, "latitude": site.latitude, "longitude": site.longitude})
    if rng.random() < 0.5:
        record["wikidata"] = f"Q{1000 + site.index * 7 + 3}"
    if rng.random() < 0.1:
        record["unesco_whc_id"] = 100 + site.index
    record["description"] = f"An archaeological site in {site.country}."
    return record


# A made-up Arabic name for a synthetic monument: its type's word and a
# number in Arabic-Indic digits, sometimes with vowel signs and tatweel, as
# copies of names differ (not a real place's name).
_ARABIC_TYPES = {
    "temple": "مَعْبَد",
    "arch": "قَوْس",
    "tomb": "مَدْفَن",
    "theatre": "مَسْرَح",
    "tetrapylon": "التترابيلون",
    "museum": "مَتْحَف",
    "statue": "تِمْثال",
    "castle": "قَلْعَة",
    "city": "الحـي القديم",
    "monument-group": "مَقابِر",
}


def _arabic_name(kind: str, number: int, mark: int) -> str:
    word = _ARABIC_TYPES[kind]
    if mark % 2:
        word = fold(word)  # written plain
    return f"{word} {''.join(chr(0x0660 + int(d)) for d in str(number))}"


def _monuments(
    site: _Site, count: int, rng: random.Random
) -> list[tuple[_Monument, dict[str, Any]]]:
    types = [t[0] for t in VOCABULARIES["monument_types"]]
    weights = [8, 2, 10, 1, 1, 1, 4, 1, 1, 2]
    out = []
    for j in range(count):
        kind = rng.choices(types, weights)[0]
        if kind == "temple":
            name = f"Temple of {rng.choice(_DEITIES)}"
        elif kind == "tomb":
            name = f"Tower tomb of {rng.choice(_PEOPLE)}"
        elif kind == "arch":
            name = f"Arch of {rng.choice(_PEOPLE)}"
        elif kind == "statue":
            name = f"Statue of {rng.choice(_DEITIES)}"
        elif kind == "museum":
            name = f"{site.name.split(' ', 1)[1]} Museum"
        elif kind == "castle":
            name = f"Castle of {rng.choice(_PEOPLE)}"
        elif kind == "city":
            name = f"Old quarter of {site.name}"
        elif kind == "monument-group":
            name = f"Tombs of the {rng.choice(['north', 'south', 'east', 'west'])} necropolis"
        else:
            name = f"{kind.capitalize()} of {site.name}"
        if j >= 8:  # names repeat in a big site; number them as a survey would
            name = f"{name} ({j + 1})"
        monument = _Monument(f"{site.id}-{kind}-{j + 1:04d}", name, kind)
        record: dict[str, Any] = {"id": monument.id, "site_id": site.id, "name": name}
        if rng.random() < 0.15:
            record["alternative_names"] = [f"{name.split(' (')[0]} monument"]
        record["type"] = kind
        if rng.random() < 0.4:
            record["period"] = (
                f"{rng.choice(['dedicated', 'built', 'restored'])} AD {rng.randint(1, 300)}"
            )
        record["latitude"] = round(site.latitude + rng.uniform(-0.02, 0.02), 5)
        record["longitude"] = round(site.longitude + rng.uniform(-0.02, 0.02), 5)
        # Decided by the id, not the generator, so the rest of the corpus is
        # what the same seed gave before these fields.
        mark = zlib.crc32(monument.id.encode())
        record["coordinates_precision"] = ("exact", "approximate", "site-centre")[mark % 3]
        if mark % 3 == 2:  # the monument's place not known: the site's centre
            record["latitude"], record["longitude"] = site.latitude, site.longitude
        if mark % 5 == 0:
            record["names"] = [{"name": _arabic_name(kind, j + 1, mark), "language": "ar"}]
        if rng.random() < 0.2:
            record["wikidata"] = f"Q{rng.randint(100000, 9999999)}"
        if rng.random() < 0.5:
            record["description"] = f"A {VOCABULARIES_LABELS[kind].lower()} at {site.name}."
        out.append((monument, record))
    return out


VOCABULARIES_LABELS = {t[0]: t[1] for t in VOCABULARIES["monument_types"]}


@dataclass
class _Source:
    id: str
    publisher: str
    credit: str | None
    sentences: list[str] = field(default_factory=list)
    latest: datetime.date = datetime.date(2011, 1, 1)

    @property
    def arabic(self) -> bool:
        # Decided by the id, not the generator, so the rest of the corpus is
        # what the same seed gave before there were Arabic sources.
        return zlib.crc32(self.id.encode()) % ARABIC_SOURCES_IN == 0


def _sentence(
    kind: str,
    site: _Site,
    monuments: list[tuple[_Monument, dict[str, Any]]],
    when: str,
    claimant: str,
    stance: str,
    inferred: bool,
    rng: random.Random,
) -> tuple[str, str]:
    """(sentence of the article, the claim within it that a quote may be cut to)."""
    group = rng.choice(_GROUPS)
    if kind == "damage":
        monument, link = monuments[0]
        verb, participle = _VERBS[link["cause"]]
        if stance == "disputes":
            claim = f"the {monument.name} had been {participle} {when}"
            return f"{_cap(claimant)} denied reports that {claim}.", claim
        if inferred:
            age = rng.choice(["1,800-year-old", "2,000\u2011year\u2011old", "ancient"])
            plural = _TYPE_PLURALS[monument.type]
            claim = f"Two {age} {plural} at {site.name} were left in ruins {when}"
            return f"{claim}, {claimant} said.", claim
        claim = _cap(f"{group} {verb} the {monument.name} at {site.name} {when}")
        if rng.random() < 0.5:
            return f"\u201c{claim},\u201d {claimant} said.", claim
        return f"{claim}, according to {claimant}.", claim
    if kind == "control":
        if stance == "disputes":
            claim = f"{group} were still fighting for {site.name} {when}"
            return f"But {claimant} said {claim} \u2014 and denied the city had fallen.", claim
        claim = f"{group} took control of {site.name} {when}"
        return f"{_cap(claimant)} said {claim}.", claim
    person = f"{rng.choice(_PEOPLE)} {rng.choice(_FAMILIES)}"
    if stance == "disputes":
        claim = f"the head of antiquities of {site.name} was alive {when}"
        return f"{_cap(claimant)} said {claim}.", claim
    claim = (
        f"{person}, who looked after the antiquities of {site.name} for "
        f"{rng.randint(5, 40)} years, was killed by {group} {when}"
    )
    return f"{claim}, {claimant} said.", claim


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cut_quote(sentence: str, claim: str, rng: random.Random) -> str:
    """A passage of the sentence, as an editor would copy it (word boundaries)."""
    roll = rng.random()
    if roll < 0.35:
        quote = sentence
    elif roll < 0.8:
        quote = claim
    else:
        words = claim.split(" ")
        if len(words) < 8:
            quote = claim
        else:
            start = rng.randrange(0, len(words) - 6)
            quote = " ".join(words[start : start + rng.randint(6, len(words) - start)])
    quote = quote.strip(" ,.\u201c\u201d")
    if rng.random() < 0.5:
        quote = fold(quote)  # editors type straight quotes and hyphens
    return quote


def _wobble(sentence: str, rng: random.Random) -> str:
    """Occasionally a line break or double space inside a sentence, as articles have."""
    roll = rng.random()
    if roll < 0.9 or " " not in sentence:
        return sentence
    words = sentence.split(" ")
    cut = rng.randrange(1, len(words))
    joint = "\n" if roll < 0.95 else "  "
    return " ".join(words[:cut]) + joint + " ".join(words[cut:])


def _generate_site(
    site: _Site,
    seed: int,
    writers: dict[str, ChunkedWriter],
    sources_dir: Path,
    counts: dict[str, int],
) -> int:
    rng = random.Random(f"{seed}:site:{site.index}")
    n_events = max(1, round(site.citations * EVENTS_PER_CITATION))
    n_events = min(n_events, site.citations)
    n_monuments = max(1, round(site.citations * MONUMENTS_PER_CITATION))
    n_sources = max(1, round(site.citations * SOURCES_PER_CITATION))

    monuments = _monuments(site, n_monuments, rng)
    for _, record in monuments:
        writers["monuments"].write(record)
    counts["monuments"] += len(monuments)

    sources = []
    for k in range(n_sources):
        publisher = rng.choice(_PUBLISHERS)
        sources.append(
            _Source(f"{site.id}-{slug(publisher)}-{k + 1:03d}", publisher, rng.choice(_CREDITS))
        )

    # Each event gets one citation, the rest are spread at random.
    per_event = [1] * n_events
    for _ in range(site.citations - n_events):
        per_event[rng.randrange(n_events)] += 1

    events = []
    for e in range(n_events):
        kind = rng.choices(["damage", "control", "killing"], [70, 20, 10])[0]
        edtf, when, earliest = random_date(rng)
        links: list[dict[str, Any]] = []
        affected: list[tuple[_Monument, dict[str, Any]]] = []
        if kind == "damage":
            for monument, _ in rng.sample(
                monuments, min(len(monuments), rng.choice([1, 1, 1, 2, 3]))
            ):
                link = {
                    "monument_id": monument.id,
                    "damage_level": rng.choices(
                        [d[0] for d in VOCABULARIES["damage_levels"]], [3, 3, 4, 5, 1]
                    )[0],
                    "cause": rng.choice(list(_VERBS)),
                }
                links.append(link)
                affected.append((monument, link))
        elif kind == "control" and rng.random() < 0.3:
            castle = rng.choice(monuments)[0]
            links.append({"monument_id": castle.id, "damage_level": None, "cause": "military-use"})
        contested = per_event[e] > 1 and rng.random() < 0.08
        n_cites = per_event[e]
        chosen = (
            rng.sample(range(n_sources), n_cites)
            if n_cites <= n_sources
            else [rng.randrange(n_sources) for _ in range(n_cites)]
        )
        citations = []
        for c, source_index in enumerate(chosen):
            source = sources[source_index]
            stance = "disputes" if contested and c == n_cites - 1 else "supports"
            inferred = kind == "damage" and stance == "supports" and c > 0 and rng.random() < 0.1
            claimant = rng.choice(_DISPUTERS if stance == "disputes" else _CLAIMANTS)
            sentence, claim = _sentence(kind, site, affected, when, claimant, stance, inferred, rng)
            written = _wobble(sentence, rng)
            source.latest = max(source.latest, earliest)
            citation: dict[str, Any] = {
                "source_id": source.id,
                "quote": _cut_quote(sentence, claim, rng),
                "claimant": claimant,
                "stance": stance,
                "identification": "inferred" if inferred else "explicit",
            }
            if source.arabic:  # the same claim, told in Arabic (with its own generator)
                arng = random.Random(f"{seed}:{source.id}:{len(source.sentences)}")
                written, arabic_claim, english = _arabic_sentence(
                    kind, site, affected, edtf, claimant, stance, inferred, arng
                )
                citation["quote"] = _arabic_quote(arabic_claim, arng)
                citation["translation"] = english
            source.sentences.append(written)
            if inferred:
                citation["note"] = (
                    f"The report names no {affected[0][0].type}; "
                    f"the {affected[0][0].name} is the one of its type "
                    f"at {site.name} reported damaged then."
                )
            citations.append(citation)
        title = _event_title(kind, site, affected, rng)
        event: dict[str, Any] = {
            "id": f"{site.id}-event-{e + 1:04d}",
            "kind": kind,
            "title": title,
            "date": edtf,
        }
        if "?" in edtf or "~" in edtf or "%" in edtf:
            event["date_note"] = "The sources give the date loosely."
        event["site_id"] = site.id
        if rng.random() < 0.5:
            event["summary"] = f"{title}, as reported {when}."
        if links:
            event["monuments"] = links
        event["citations"] = citations
        events.append(event)
        counts["citations"] += n_cites
        counts["contested_events"] += int(contested)

    folder = sources_dir / site.id
    folder.mkdir(parents=True, exist_ok=True)
    for source in sources:
        _write_source(source, site, folder, rng)
    counts["sources"] += len(sources)
    for event in events:
        writers["events"].write(event)
    counts["events"] += len(events)
    return len(sources) * 2


def _event_title(
    kind: str, site: _Site, affected: list[tuple[_Monument, Any]], rng: random.Random
) -> str:
    if kind == "damage":
        names = " and ".join(m.name for m, _ in affected[:2])
        return f"{names} damaged"
    if kind == "control":
        return f"Control of {site.name} changes hands"
    return f"Antiquities guard killed at {site.name}"


def _write_source(source: _Source, site: _Site, folder: Path, rng: random.Random) -> None:
    published = source.latest + datetime.timedelta(days=rng.randrange(0, 30))
    title = f"Fighting threatens the ruins of {site.name}"
    paragraphs = [
        title,
        f"Reports from {site.name}, in {site.country}, as told to {source.publisher}",
    ]
    filler = _FILLER
    if source.arabic:
        arng = random.Random(f"{source.id}:text")
        title = _vary(f"المَعارِكُ تُهَدِّدُ آثارَ {site.name}", arng)
        paragraphs = [
            title,
            _vary(
                f"تَقارِيرُ مِنْ {site.name} في {_ARABIC_COUNTRIES[site.country]}، "
                f"كَما رُوِيَتْ لِـ{source.publisher}",
                arng,
            ),
        ]
        filler = [_vary(sentence, arng) for sentence in _ARABIC_FILLER]
    sentences = source.sentences or [filler[_FILLER.index(rng.choice(_FILLER))]]
    i = 0
    while i < len(sentences):
        take = rng.randint(1, 3)
        chunk = sentences[i : i + take]
        if rng.random() < 0.3:
            chunk.append(filler[_FILLER.index(rng.choice(_FILLER))])
        paragraphs.append(" ".join(chunk))
        i += take
    with open(folder / f"{source.id}.txt", "w", encoding="utf-8", newline="\n") as f:
        f.write("\n\n".join(paragraphs) + "\n")
    record: dict[str, Any] = {
        "id": source.id,
        "title": title,
        "publisher": source.publisher,
        "credit": source.credit,
        "source_type": _PUBLISHER_TYPES[source.publisher],
        "published": published.isoformat(),
    }
    if rng.random() < 0.9:
        record["url"] = (
            f"https://{slug(source.publisher)}.example/{published.year}/"
            f"{published.month:02d}/{source.id}"
        )
        # A third archived (decided by the id, not the generator, so the rest
        # of the corpus is what the same seed gave before these fields).
        if zlib.crc32(source.id.encode()) % 3 == 0:
            record["archive_url"] = (
                f"https://web.archive.org/web/{published:%Y%m%d}000000/{record['url']}"
            )
            record["accessed"] = (published + datetime.timedelta(days=1)).isoformat()
    else:
        record["url"] = None
    record["language"] = "ar" if source.arabic else "en"
    record["text_file"] = f"{source.id}.txt"
    with open(folder / f"{source.id}.yml", "w", encoding="utf-8", newline="\n") as f:
        f.write(record_yaml(record))


# -- Arabic sources ----------------------------------------------------------------
#
# One source in ARABIC_SOURCES_IN is in Arabic: made-up sentences (not real
# reports) telling the same claims, written as copies of Arabic texts differ:
# fully vocalised, with only shadda and tanwin, or without vowel signs; some
# words stretched with tatweel; hamza forms, ta marbuta, Arabic-Indic digits
# and the Arabic comma. The editors' quotes are typed as editors type them
# (with or without the vowel signs, Latin digits ...), with the English claim
# as their translation, so verification and full-text search meet every
# difference folding.py folds.

ARABIC_SOURCES_IN = 20

# (Arabic, the editors' English), for the quotes' translations.
_ARABIC_GROUPS = [
    ("مُسَلَّحُو تَنْظِيمِ الدَّوْلَةِ", "Islamic State militants"),
    ("القُوّاتُ الحُكُومِيَّةُ", "government forces"),
    ("جَماعاتٌ مُسَلَّحَةٌ", "armed groups"),
    ("لُصُوصُ الآثارِ", "looters of antiquities"),
    ("مُهاجِمُونَ مَجْهُولُونَ", "unknown attackers"),
    ("مُقاتِلُو المِيلِيشْيا", "the militia's fighters"),
    ("مُقاتِلُونَ مُعارِضُونَ", "opposition fighters"),
    ("مُتَطَرِّفُونَ", "extremists"),
]
_ARABIC_CLAIMANTS = {
    "the Syrian Observatory for Human Rights": "المَرْصَدُ السُّورِيُّ لِحُقُوقِ الإنْسانِ",
    "the antiquities directorate": "مُدِيرِيَّةُ الآثارِ",
    "local activists": "ناشِطُونَ مَحَلِّيُّونَ",
    "Unesco": "اليُونِسْكُو",
    "witnesses": "شُهُودُ عِيانٍ",
    "a provincial official": "مَسْؤُولٌ في المُحافَظَةِ",
    "satellite analysis by Unosat": "تَحْلِيلٌ لِصُوَرِ الأَقْمارِ الصِّناعِيَّةِ",
    "residents": "سُكّانٌ",
    "a heritage monitoring group": "مَجْمُوعَةٌ لِرَصْدِ التُّراثِ",
    "the governor": "المُحافِظُ",
    "the defence ministry": "وِزارَةُ الدِّفاعِ",
    "a government spokesman": "مُتَحَدِّثٌ حُكُومِيٌّ",
    "the militants' news agency": "وَكالَةُ أَنْباءِ المُسَلَّحِينَ",
    "the army": "الجَيْشُ",
    "the antiquities director": "مُدِيرُ الآثارِ",
}
# _VERBS' active verbs and _TYPE_PLURALS, in Arabic.
_ARABIC_VERBS = {
    "explosion-heavy-weaponry": "فَجَّرُوا",
    "demolition": "هَدَمُوا",
    "breaking-smashing": "حَطَّمُوا",
    "theft-looting": "نَهَبُوا",
    "fire": "أَضْرَمُوا النّارَ في",
    "gunfire-light-weaponry": "أَطْلَقُوا النّارَ على",
    "military-use": "حَفَرُوا خَنادِقَ حَوْلَ",
    "unknown": "خَرَّبُوا",
}
_ARABIC_PLURALS = {
    "temple": "مَعابِدَ",
    "arch": "أَقْواسًا",
    "tomb": "مَدافِنَ",
    "theatre": "مَسارِحَ",
    "tetrapylon": "تِتْرابِيلُوناتٍ",
    "museum": "مَتاحِفَ",
    "statue": "تَماثِيلَ",
    "castle": "قِلاعًا",
    "city": "أَحْياءً قَدِيمَةً",
    "monument-group": "مَعالِمَ",
}
_ARABIC_COUNTRIES = {
    "Syria": "سُورِيا",
    "Iraq": "العِراقِ",
    "Libya": "لِيبْيا",
    "Yemen": "اليَمَنِ",
    "Mali": "مالِي",
    "Lebanon": "لُبْنانَ",
    "Jordan": "الأُرْدُنِّ",
    "Egypt": "مِصْرَ",
}
_ARABIC_MONTHS = [
    "كانُونَ الثّانِي",
    "شُباطَ",
    "آذارَ",
    "نَيْسانَ",
    "أَيّارَ",
    "حَزِيرانَ",
    "تَمُّوزَ",
    "آبَ",
    "أَيْلُولَ",
    "تِشْرِينَ الأَوَّلِ",
    "تِشْرِينَ الثّانِي",
    "كانُونَ الأَوَّلِ",
]
_ARABIC_PEOPLE = [
    ("خالِد", "Khaled"),
    ("ناصِر", "Nasser"),
    ("حامِد", "Hamid"),
    ("أَمَل", "Amal"),
    ("رانْيا", "Rania"),
    ("يُوسُف", "Yusuf"),
    ("لَيْلى", "Layla"),
    ("عُمَر", "Omar"),
]
_ARABIC_FAMILIES = [
    ("الأَسْعَد", "al-Asaad"),
    ("حَدّاد", "Haddad"),
    ("خُورِي", "Khoury"),
    ("الرَّشِيد", "al-Rashid"),
    ("مَنْصُور", "Mansour"),
    ("صالِح", "Saleh"),
    ("دَرْوِيش", "Darwish"),
]
# _FILLER's sentences, in the same order.
_ARABIC_FILLER = [
    "المَوْقِعُ مُدْرَجٌ على قائِمَةِ التُّراثِ العالَمِيِّ مُنْذُ عُقُودٍ.",
    "حَذَّرَ عُلَماءُ الآثارِ لِسَنَواتٍ مِنْ أَنَّ الأَطْلالَ في خَطَرٍ.",
    "كانَ مَتْحَفُ المَدِينَةِ قَدْ أُفْرِغَ مِنْ مُعْظَمِ مُقْتَنَياتِهِ.",
    "أَدّى القِتالُ في المُحافَظَةِ إلى تَهْجِيرِ آلافِ العائِلاتِ.",
    "قالَ خُبَراءُ إنَّهُ مِنَ المُبَكِّرِ تَقْيِيمُ حَجْمِ الأَضْرارِ.",
    "لِلْمِنْطَقَةِ أَهَمِّيَّةٌ اسْتِراتِيجِيَّةٌ بِسَبَبِ الطُّرُقِ الَّتِي تَعْبُرُها.",
    "تُظْهِرُ صُوَرُ الأَقْمارِ الصِّناعِيَّةِ المُلْتَقَطَةُ قَبْلَ القِتالِ أَنَّ المَعالِمَ كانَتْ سَلِيمَةً.",
    "قالَ مَسْؤُولُونَ إنَّ التَّرْمِيمَ قَدْ يَسْتَغْرِقُ سَنَواتٍ بَعْدَ انْتِهاءِ القِتالِ.",
    "لَمْ تُوَضِّحِ المُنَظَّمَةُ كَيْفَ تَحَقَّقَتْ مِنَ التَّقارِيرِ.",
    "دَعا المُدافِعُونَ عَنِ التُّراثِ إلى تَقْيِيمٍ مُسْتَقِلٍّ لِلْمَوْقِعِ.",
]
_SHADDA_AND_TANWIN = "\u064b\u064c\u064d\u0651"
_VOWEL_SIGNS = "".join(chr(c) for c in range(0x064B, 0x0653)) + "\u0670"
# Letters that join the letter after them: a tatweel may stretch the join.
_JOINING = set("بتثجحخسشصضطظعغفقكلمنهي")


def _arabic_number(number: int) -> str:
    return "".join(chr(0x0660 + int(d)) for d in str(number))


def _vary(text: str, rng: random.Random, level: float | None = None) -> str:
    """``text`` (fully vocalised) as a copy may have it: all its vowel signs,
    only shadda and tanwin, or none; sometimes a word stretched with tatweel."""
    level = rng.random() if level is None else level
    if level >= 0.7:
        text = "".join(c for c in text if c not in _VOWEL_SIGNS)
    elif level >= 0.4:
        text = "".join(c for c in text if c not in _VOWEL_SIGNS or c in _SHADDA_AND_TANWIN)
    if rng.random() < 0.3:
        words = text.split(" ")
        i = rng.randrange(len(words))
        if len(words[i]) > 3 and words[i][1] in _JOINING:
            words[i] = words[i][:2] + "\u0640" + words[i][2:]
        text = " ".join(words)
    return text


def _arabic_when(edtf: str, digits_arabic: bool) -> tuple[str, str]:
    """(when, in Arabic and in English): the month and year, or the year."""
    year = edtf.lstrip("./")[:4]
    written = _arabic_number(int(year)) if digits_arabic else year
    month = edtf[5:7] if len(edtf) >= 7 and edtf[4] == "-" else ""
    if month.isdigit() and 1 <= int(month) <= 12:
        name = int(month) - 1
        return f"في {_ARABIC_MONTHS[name]} {written}", f"in {MONTH_NAMES[name]} {year}"
    return f"عامَ {written}", f"in {year}"


def _arabic_sentence(
    kind: str,
    site: _Site,
    monuments: list[tuple[_Monument, dict[str, Any]]],
    edtf: str,
    claimant: str,
    stance: str,
    inferred: bool,
    rng: random.Random,
) -> tuple[str, str, str]:
    """(sentence of an Arabic article, the claim within it, the claim in
    English) of the kind of claim _sentence tells in English; the sentence as
    a copy may write it (_vary)."""
    who = _ARABIC_CLAIMANTS[claimant]
    group, group_en = rng.choice(_ARABIC_GROUPS)
    when, when_en = _arabic_when(edtf, rng.random() < 0.5)
    at = f"at {site.name} {when_en}"
    if kind == "damage":
        monument, link = monuments[0]
        number = int(monument.id[-4:])
        name = f"{_ARABIC_TYPES[monument.type]} {_arabic_number(number)}"
        name_en = f"{VOCABULARIES_LABELS[monument.type].lower()} {number}"
        if stance == "disputes":
            before, after = f"نَفى {who} ", "."
            claim = f"تَقارِيرَ عَنْ تَدْمِيرِ {name} {when}"
            english = f"reports of the destruction of {name_en} {when_en}"
        elif inferred:
            plural = _ARABIC_PLURALS[monument.type]
            before, after = f"قالَ {who} إنَّ ", "."
            claim = f"{plural} أَثَرِيَّةً في {site.name} تَحَوَّلَتْ إلى رُكامٍ {when}"
            english = f"ancient {_TYPE_PLURALS[monument.type]} {at} were reduced to rubble"
        else:
            verb = _ARABIC_VERBS[link["cause"]]
            before, after = f"قالَ {who} إنَّ ", "."
            claim = f"{group} {verb} {name} في {site.name} {when}"
            english = f"{group_en} {_VERBS[link['cause']][0]} {name_en} {at}"
    elif kind == "control":
        before = f"قالَ {who} إنَّ "
        if stance == "disputes":
            before = f"لٰكِنَّ {who} قالَ إنَّ "
            claim = f"{group} ما زالُوا يُقاتِلُونَ مِنْ أَجْلِ {site.name} {when}"
            english = f"{group_en} were still fighting for {site.name} {when_en}"
            after = "، ونَفى سُقُوطَ المَدِينَةِ."
        else:
            claim = f"{group} سَيْطَرُوا على {site.name} {when}"
            english = f"{group_en} took control of {site.name} {when_en}"
            after = "."
    elif stance == "disputes":
        before, after = f"قالَ {who} إنَّ ", "."
        claim = f"رَئِيسَ آثارِ {site.name} كانَ على قَيْدِ الحَياةِ {when}"
        english = f"the head of antiquities of {site.name} was alive {when_en}"
    else:
        (first, first_en), (family, family_en) = (
            rng.choice(_ARABIC_PEOPLE),
            rng.choice(_ARABIC_FAMILIES),
        )
        years = rng.randint(5, 40)
        before, after = "", f"، بِحَسَبِ {who}."
        claim = (
            f"قُتِلَ {first} {family}، الَّذِي رَعى آثارَ {site.name} "
            f"{_arabic_number(years)} عامًا، على يَدِ {group} {when}"
        )
        english = (
            f"{first_en} {family_en}, who looked after the antiquities of {site.name} "
            f"for {years} years, was killed by {group_en} {when_en}"
        )
    level = rng.random()  # one copy: the whole sentence written alike
    claim = _vary(claim, rng, level)
    return _vary(before, rng, level) + claim + _vary(after, rng, level), claim, english


def _arabic_quote(claim: str, rng: random.Random) -> str:
    """The claim as an editor types it: as printed, without vowel signs and
    tatweel, with Latin digits, or without hamza forms either."""
    roll = rng.random()
    if roll < 0.4:
        return claim
    if roll < 0.75:
        return "".join(c for c in claim if c not in _VOWEL_SIGNS and c != "\u0640")
    if roll < 0.9:
        return "".join(str(ord(c) - 0x0660) if "\u0660" <= c <= "\u0669" else c for c in claim)
    return fold(claim)


def _write_vocabularies(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, terms in VOCABULARIES.items():
        records = []
        for term_id, label, rank, description in terms:
            record: dict[str, Any] = {"id": term_id, "label": label}
            if rank is not None:
                record["rank"] = rank
            record["description"] = description
            records.append(record_yaml(record))
        (folder / f"{name}.yml").write_text("".join(records), encoding="utf-8")


def _write_sites(folder: Path, sites: Iterable[_Site], seed: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:site-records")
    by_country: dict[str, list[str]] = {}
    for site in sites:
        by_country.setdefault(site.country, []).append(record_yaml(_site_record(site, rng)))
    for country, records in sorted(by_country.items()):
        (folder / f"{slug(country)}.yml").write_text("".join(records), encoding="utf-8")
    return len(by_country)


def synthesize(out_dir: Path, citations: int, seed: int = 0) -> SynthSummary:
    """Write a synthetic corpus of about ``citations`` citations into ``out_dir``
    (which must not exist or be empty). Same seed, same bytes."""
    started = time.perf_counter()
    out = Path(out_dir)
    if citations < 1:
        raise ValueError("citations must be at least 1")
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    sites = _plan_sites(citations, seed)
    _write_vocabularies(out / "vocabularies")
    files = len(VOCABULARIES) + _write_sites(out / "sites", sites, seed)
    header = "# Synthetic records (datasette-heritage synth); not real events.\n"
    writers = {
        "monuments": ChunkedWriter(out / "monuments", "monuments", MONUMENTS_PER_FILE, header),
        "events": ChunkedWriter(out / "events", "events", EVENTS_PER_FILE, header),
    }
    counts = {
        "sites": len(sites),
        "monuments": 0,
        "sources": 0,
        "events": 0,
        "citations": 0,
        "contested_events": 0,
    }
    try:
        for site in sites:
            files += _generate_site(site, seed, writers, out / "sources", counts)
    finally:
        for writer in writers.values():
            writer.close()
    files += sum(w.files for w in writers.values())
    return SynthSummary(out, counts, files, time.perf_counter() - started)
