"""The published JSON Schemas: valid, complete, and the ones the build uses."""

import json

import pytest
from jsonschema import Draft202012Validator

from datasette_heritage.build.problems import ProblemLog
from datasette_heritage.build.records import RecordLoader
from datasette_heritage.build.safe_yaml import load_yaml
from datasette_heritage.build.schema_check import RECORD_TYPES, schema_path, validate_record

from .conftest import FIXTURE_DATA


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_schema_is_valid_and_documented(record_type):
    schema = json.loads(schema_path(record_type).read_text())
    Draft202012Validator.check_schema(schema)
    record = schema["$defs"]["record"]
    assert record["additionalProperties"] is False
    for name, prop in record["properties"].items():
        assert prop.get("description"), f"{record_type}.{name} has no description for editors"


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_whole_file_schema_accepts_the_fixture_files(record_type):
    # Editors' tools validate whole files against the same schema.
    folder = {
        "vocabulary": "vocabularies",
        "site": "sites",
        "monument": "monuments",
        "source": "sources",
        "event": "events",
    }[record_type]
    validator = Draft202012Validator(json.loads(schema_path(record_type).read_text()))
    for path in (FIXTURE_DATA / folder).glob("*.yml"):
        document = load_yaml(path.read_text(), str(path))
        assert list(validator.iter_errors(document)) == [], path


def test_problems_name_nested_fields_and_lines():
    text = (
        "- id: e\n  kind: damage\n  title: t\n  date: '2015'\n  site_id: s\n"
        "  citations:\n    - source_id: x\n      quote: q\n      claimant: c\n"
        "      stance: maybe\n      identification: explicit\n"
    )
    record = load_yaml(text, "e.yml")[0]
    problems = [str(p) for p in validate_record("event", record, "e.yml")]
    assert problems == [
        "e.yml:10: citations[0].stance: 'maybe' is not allowed "
        "(expected one of: supports, disputes)"
    ]


def test_fixture_loads_without_problems():
    problems = ProblemLog()
    loader = RecordLoader(FIXTURE_DATA, problems)
    list(loader.rows())
    assert problems.problems == []
