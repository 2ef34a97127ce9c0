"""Property-based fuzzing of the loader: whatever an editor (or a broken
disk) puts in a data file, the build answers with the project's own errors,
one line each, naming the file, and never with another exception.

- bytes and text go through the YAML loader: a value or YamlError;
- YAML documents generated from dicts, lists and scalars round-trip exactly
  (or are refused for nesting too deep);
- record-shaped documents, mutated field by field, go through the whole
  RecordLoader (validate) and the build: success or BuildError only, and
  the previous database stays as it was.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from datasette_heritage.build.pipeline import build
from datasette_heritage.build.problems import BuildError, Problem
from datasette_heritage.build.records import validate
from datasette_heritage.build.safe_yaml import (
    MAX_DEPTH,
    YamlError,
    load_yaml,
    read_yaml_file,
    resolve_plain,
)
from datasette_heritage.build.schema_check import RECORD_TYPES, schema_path

from .conftest import FIXTURE_DATA

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ_BUILD = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text without lone surrogates: a file on disk is bytes, and the bytes tests
# cover undecodable input.
TEXT = st.characters(blacklist_categories=("Cs",))

# Pieces of YAML syntax, so random text looks like YAML often enough to get
# past the first character of the parser.
YAML_TOKENS = [
    "- ",
    "-",
    ": ",
    ":",
    "? ",
    "\n",
    "\n  ",
    "\n    ",
    "  ",
    "\t",
    "#",
    "---",
    "...",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    '"',
    "|",
    ">",
    "|-",
    ">+",
    "&a ",
    "*a",
    "<<: ",
    "!!str ",
    "!!python/object/apply:os.system ",
    "!local ",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "id",
    "name",
    "site_id",
    "citations",
    "quote",
    "source_id",
    "null",
    "~",
    "yes",
    "no",
    "true",
    "0x1F",
    "0o17",
    "1e3",
    ".inf",
    ".nan",
    "2015-08-30",
    "2016-12-11?",
    "\\",
    "\ufeff",
    "\u2028",
    "\x85",
    "\x00",
    "é",
    "\u202e",
    "temple-of-bel",
]
YAMLISH = st.lists(
    st.one_of(st.sampled_from(YAML_TOKENS), st.text(TEXT, max_size=8)), max_size=60
).map("".join)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(TEXT, max_size=30),
)


def documents(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(st.text(TEXT, max_size=12), children, max_size=5),
        ),
        max_leaves=max_leaves,
    )


def assert_one_line(problem: Problem) -> None:
    text = str(problem)
    assert "\n" not in text and "\r" not in text, text
    assert problem.line >= 1
    assert problem.file


# -- the YAML loader -------------------------------------------------------


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_value_or_a_yaml_error(raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yml"
        path.write_bytes(raw)
        try:
            read_yaml_file(str(path), "data/sites/fuzz.yml")
        except YamlError as error:
            assert error.problem.file == "data/sites/fuzz.yml"
            assert_one_line(error.problem)


@FUZZ
@given(st.one_of(YAMLISH, st.text(TEXT, max_size=300)))
def test_any_text_gives_a_value_or_a_yaml_error(text):
    try:
        load_yaml(text, "fuzz.yml")
    except YamlError as error:
        assert error.problem.file == "fuzz.yml"
        assert_one_line(error.problem)


def nesting(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((nesting(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((nesting(v) for v in value), default=0)
    return 0


def same(loaded: Any, original: Any) -> bool:
    """Equal, with types: 1 and 1.0 and True are different YAML values."""
    if isinstance(original, dict):
        return (
            isinstance(loaded, dict)
            and list(loaded) == list(original)
            and all(same(loaded[k], original[k]) for k in original)
        )
    if isinstance(original, list):
        return (
            isinstance(loaded, list)
            and len(loaded) == len(original)
            and all(map(same, loaded, original))
        )
    if isinstance(original, str) and not isinstance(loaded, str):
        # PyYAML emits YAML 1.1 and leaves unquoted a string that only YAML
        # 1.2, which the loader follows, reads as a number ("0E0", "+1"...).
        typed = resolve_plain(original)
        return not isinstance(typed, str) and same(loaded, typed)
    return type(loaded) is type(original) and loaded == original


@FUZZ
@given(documents(), st.sampled_from([None, True, False]))
def test_generated_documents_round_trip(document, flow):
    # Non-ASCII escaped: PyYAML's emitter writes line separators such as
    # U+0085 raw, where any YAML parser folds them (an emitter bug).
    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=False, sort_keys=False)
    try:
        loaded = load_yaml(text, "fuzz.yml")
    except YamlError as error:
        assert nesting(document) > MAX_DEPTH, error
        return
    assert same(loaded, document), (text, loaded)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=MAX_DEPTH + 1, max_value=20000), st.sampled_from("[{-"))
def test_deep_nesting_is_refused_not_a_crash(depth, opener):
    # libyaml's own composer recurses in C and crashes on deep input; the
    # loader refuses it at MAX_DEPTH instead.
    if opener == "-":
        depth = min(depth, 500)  # block style grows with the square of the depth
        text = "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "x\n"
    elif opener == "[":
        text = "[" * depth + "1" + "]" * depth
    else:
        text = "{a: " * depth + "1" + "}" * depth
    try:
        load_yaml(text, "deep.yml")
    except YamlError as error:
        # The loader's cap or libyaml's own limit may refuse it: either way a
        # single "FILE:LINE: ..." line, never a crash.
        message = str(error)
        assert re.match(r"deep\.yml:\d+: ", message), message
        assert "\n" not in message
    else:
        raise AssertionError("nesting deeper than MAX_DEPTH was accepted")


# -- the whole loader and the build ----------------------------------------


def _schema_fields() -> dict:
    fields = {}
    for record_type in RECORD_TYPES:
        schema = json.loads(schema_path(record_type).read_text())
        record = schema["$defs"]["record"]["properties"]
        nested = {}
        for name, spec in record.items():
            items = spec.get("items", {})
            if isinstance(items, dict) and "properties" in items:
                nested[name] = sorted(items["properties"])
        fields[record_type] = (sorted(record), nested)
    return fields


FIELDS = _schema_fields()
FOLDERS = {
    "vocabulary": "vocabularies",
    "site": "sites",
    "monument": "monuments",
    "source": "sources",
    "event": "events",
}
# Values that mean something to the loader: ids and terms of the fixture
# dataset, dates, quotes from its article, near misses of each.
MEANINGFUL = st.sampled_from(
    [
        "testopolis",
        "otherton",
        "temple-of-tests",
        "test-arch",
        "test-castle",
        "wire-report",
        "url-only",
        "damage",
        "control",
        "destroyed",
        "temple",
        "explosion-heavy-weaponry",
        "supports",
        "disputes",
        "explicit",
        "inferred",
        "2015-08",
        "2016-12-11?",
        "2015-05/2016-03",
        "2015-13-45",
        "201X",
        "2015-21",
        "the militants destroyed the Temple of Tests",
        "the militants destroyed",
        "wire-report.txt",
        "missing.txt",
        "../../etc/passwd",
        "https://example.org/x",
        "javascript:alert(1)",
        "Q797481",
        "Q0",
        "en",
        "EN",
        34.5,
        38.2,
        91,
        -181,
        "Temple-Of-Tests",
        "",
        " ",
        "\t",
        "a" * 300,
    ]
)
# Mostly meaningful values, so examples get past the types to the checks.
FIELD_VALUES = st.one_of(MEANINGFUL, MEANINGFUL, MEANINGFUL, SCALARS, documents(max_leaves=6))


def _fixture_records() -> dict:
    """Valid records of each type, from the fixture dataset, to mutate."""
    records = {}
    for record_type, folder in FOLDERS.items():
        records[record_type] = [
            json.loads(json.dumps(record))
            for path in sorted((FIXTURE_DATA / folder).glob("*.yml"))
            for record in read_yaml_file(str(path), path.name)[0]
        ]
    return records


VALID = _fixture_records()


# Values aimed at the checks behind the schema: EDTF parsing and quote search.
EDTF_PIECES = [
    "2015",
    "2016",
    "1999",
    "0000",
    "-",
    "08",
    "12",
    "13",
    "30",
    "31",
    "00",
    "21",
    "24",
    "?",
    "~",
    "%",
    "/",
    "..",
    "X",
    "XX",
    "Y",
    "E",
    "S",
    "T",
    "Z",
    "+",
    "-0",
    ":",
    "[",
    "]",
    "{",
    "}",
    ",",
    " ",
]
EDTF_LIKE = st.lists(st.sampled_from(EDTF_PIECES), min_size=1, max_size=8).map("".join)
ARTICLE = (FIXTURE_DATA / "sources" / "wire-report.txt").read_text(encoding="utf-8")
PASSAGES = st.builds(
    lambda start, length: ARTICLE[start : start + length],
    st.integers(0, len(ARTICLE)),
    st.integers(0, 120),
)
FIELD_STRATEGIES = {
    "date": st.one_of(EDTF_LIKE, FIELD_VALUES),
    "published": st.one_of(EDTF_LIKE, FIELD_VALUES),
    "quote": st.one_of(PASSAGES, PASSAGES.map(str.upper), FIELD_VALUES),
}


def value_for(draw, name: str) -> Any:
    return draw(FIELD_STRATEGIES.get(name, FIELD_VALUES))


@st.composite
def mutated_record(draw, record_type: str) -> Any:
    """A valid record with a few fields removed, replaced or added, so that
    most examples get past the schema to references, dates and quotes."""
    names, nested = FIELDS[record_type]
    record = json.loads(json.dumps(draw(st.sampled_from(VALID[record_type]))))
    if draw(st.booleans()):
        record["id"] = f"fuzz-{draw(st.integers(0, 3))}"  # new, sometimes repeated
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["set"] * 8 + ["nested"] * 4 + ["delete", "unknown"]))
        if action == "set":
            name = draw(st.sampled_from(names))
            record[name] = value_for(draw, name)
        elif action == "delete" and record:
            del record[draw(st.sampled_from(sorted(record)))]
        elif action == "nested" and nested:
            name = draw(st.sampled_from(sorted(nested)))
            items = record.get(name)
            if isinstance(items, list) and items and isinstance(items[0], dict):
                item = items[draw(st.integers(0, len(items) - 1))]
                key = draw(st.sampled_from(nested[name]))
                item[key] = value_for(draw, key)
            else:
                record[name] = draw(
                    st.lists(
                        st.dictionaries(st.sampled_from(nested[name]), FIELD_VALUES), max_size=2
                    )
                )
        elif action == "unknown":
            record[draw(st.text(TEXT, max_size=12))] = draw(FIELD_VALUES)
    return record


@st.composite
def record_files(draw) -> tuple:
    """A record type, a file name and a document for one of its files:
    mostly lists of mutated valid records, sometimes anything at all."""
    record_type = draw(st.sampled_from(RECORD_TYPES))
    shape = draw(st.integers(0, 9))
    if shape == 0:
        document: Any = draw(documents())
    elif shape == 1:
        document = draw(mutated_record(record_type))  # a mapping where a list belongs
    else:
        document = draw(st.lists(mutated_record(record_type), min_size=1, max_size=3))
    names = (
        ["damage_levels.yml", "causes.yml", "event_kinds.yml", "monument_types.yml", "other.yaml"]
        if record_type == "vocabulary"
        else ["fuzz.yml", "other.yaml"]
    )
    # An existing file's name replaces it: the dataset loses those records.
    existing = sorted(p.name for p in (FIXTURE_DATA / FOLDERS[record_type]).glob("*.yml"))
    return record_type, draw(st.sampled_from(names + existing * 2)), document


@contextmanager
def data_dir_with(record_type: str, name: str, text: str) -> Iterator[Path]:
    """The fixture dataset with one file added (or replaced)."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        shutil.copytree(FIXTURE_DATA, data)
        (data / FOLDERS[record_type] / name).write_text(text, encoding="utf-8")
        yield data


def check_build_error(error: BuildError) -> None:
    assert error.problems
    for problem in error.problems:
        assert_one_line(problem)
    # How far the input got (pytest --hypothesis-show-statistics).
    first = error.problems[0].message.split("'")[0].split(":")[0]
    event(re.sub(r"-?[0-9][-+.e0-9]*", "N", first)[:40])


@FUZZ_BUILD
@given(record_files())
# Found by this test: a field name with a line break made a two-line problem.
@example(
    (
        "vocabulary",
        "damage_levels.yml",
        [
            {
                "id": "destroyed",
                "label": "Destroyed",
                "rank": 1,
                "description": "x",
                "\n": "testopolis",
            }
        ],
    )
)
@example(("site", "fuzz.yml", [{"id": "x", "name": "X", "country": "Y", "": 1}]))
def test_record_files_give_only_build_errors(case):
    record_type, name, document = case
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    with data_dir_with(record_type, name, text) as data:
        try:
            validate(data)
        except BuildError as error:
            check_build_error(error)
        else:
            event("valid")


@FUZZ_BUILD
@given(st.sampled_from(RECORD_TYPES), st.one_of(YAMLISH, st.binary(max_size=300)))
def test_junk_files_give_only_build_errors_and_keep_the_database(record_type, junk):
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        shutil.copytree(FIXTURE_DATA, data)
        path = data / FOLDERS[record_type] / "fuzz.yml"
        if isinstance(junk, bytes):
            path.write_bytes(junk)
        else:
            path.write_text(junk, encoding="utf-8")
        db = Path(folder) / "heritage.db"
        build(FIXTURE_DATA, db)
        before = db.read_bytes()
        try:
            build(data, db)
        except BuildError as error:
            check_build_error(error)
            assert db.read_bytes() == before
        # No temporary file of the failed build is left behind.
        assert sorted(p.name for p in Path(folder).iterdir()) == ["data", "heritage.db"]
