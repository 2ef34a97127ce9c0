"""The JSON Schemas of the record types, and validation against them.

The schemas in ``schemas/`` are the single description of each record type:
editors' YAML support reads the same files the build validates with. This
module turns jsonschema's errors into one-line problems with file and line.

Valid records, nearly all of them, are passed by a validator jsonschema-rs
compiles (in Rust) from the same schema (faster than jsonschema's:
benchmarks/README.md); jsonschema is asked only about a record that fails,
for its messages and its verdict (tests/test_fast_paths.py checks the two
agree), and imported only then.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable
from collections.abc import Sequence as Seq
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .problems import Problem

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(__file__).parent.parent / "schemas"
RECORD_TYPES = ("vocabulary", "site", "monument", "source", "event")

# Human wording of the patterns in the schemas, for error messages.
_PATTERN_WORDS = {
    "^[a-z0-9]+(?:-[a-z0-9]+)*$": "lower-case letters, digits and single hyphens, e.g. temple-of-bel",
    "^Q[1-9][0-9]*$": "a Wikidata id such as Q797481",
    "^https?://[^\\s]+$": "an http:// or https:// address",
    "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$": "a language tag such as en or ar",
    "^[^/\\\\]+\\.txt$": "a .txt file name in the same folder",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a day as YYYY-MM-DD, e.g. 2016-12-11",
    "^[0-9a-f]{64}$": "64 lower-case hexadecimal digits, as sha256sum prints them",
}


def _pattern_words(pattern: str) -> str:
    # The pattern as published (validation ran it anchored: see _anchored).
    published = pattern[:-2] + "$" if pattern.endswith("\\Z") else pattern
    return _PATTERN_WORDS.get(published, f"text matching {published}")


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
    "array": "a list",
    "object": "a mapping",
}


def schema_path(record_type: str) -> Path:
    """Path of the published JSON Schema for a record type's YAML files."""
    return SCHEMA_DIR / f"{record_type}.schema.json"


@cache
def record_schema(record_type: str) -> dict[str, Any]:
    """The JSON Schema of one record of this type."""
    with open(schema_path(record_type), encoding="utf-8") as f:
        schema: dict[str, Any] = json.load(f)["$defs"]["record"]
    return schema


def _anchored(node: Any) -> Any:
    """The schema with each pattern's final ``$`` made ``\\Z``, for jsonschema.

    The published schemas are JSON Schema, whose patterns are ECMA-262
    regular expressions: there ``$`` is the end of the value, and so it is
    for jsonschema-rs, which decides what is valid. jsonschema, which words
    the problems, runs them with Python's ``re``, where ``$`` also matches
    before a final newline: "temple-of-bel\\n" would pass it unworded.
    Editors' tools read the files as published."""
    if isinstance(node, dict):
        return {
            key: (
                value[:-1] + "\\Z"
                if key == "pattern"
                and isinstance(value, str)
                and value.endswith("$")
                and not value.endswith("\\$")
                else _anchored(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_anchored(value) for value in node]
    return node


@cache
def _validator(record_type: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_anchored(record_schema(record_type)))


def describe_value(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def line_of(record: Any, path: Iterable[Any]) -> int:
    """Line of the deepest value along ``path`` that the YAML loader located."""
    line = getattr(record, "line", 1)
    node = record
    for step in path:
        if isinstance(node, dict) and step in node:
            line = node.key_lines.get(step, line) if hasattr(node, "key_lines") else line
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            lines = getattr(node, "item_lines", None)
            if lines:
                line = lines[step]
            node = node[step]
        else:
            break
        line = getattr(node, "line", line)
    return line


def field_name(path: Seq[Any]) -> str:
    """``citations[2].quote`` from ('citations', 2, 'quote')."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            name = str(step)
            # Keys come from the editor's file: an empty one, or one with a line
            # break or other control character, is shown quoted and escaped so
            # the problem stays on one line.
            if not name or not name.isprintable():
                name = repr(name)
            text += f".{name}" if text else name
    return text


@cache
def _fast_validator(record_type: str) -> Callable[[Any], bool]:
    """A function that says whether a record is valid."""
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(record_schema(record_type)).is_valid


def validate_record(record_type: str, record: Any, file: str) -> list[Problem]:
    """Problems of one record against its schema (empty when valid)."""
    if _fast_validator(record_type)(record):
        return []
    validator = _validator(record_type)
    problems: list[Problem] = []
    for error in validator.iter_errors(record):
        problems.extend(_problems_from(error, record, file))
    problems.sort(key=lambda p: p.line)
    # jsonschema raises one "required" error per missing field, each carrying
    # the whole list: report each missing field once.
    return list(dict.fromkeys(problems))


def _problems_from(error: Any, record: Any, file: str) -> list[Problem]:
    path = list(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    if kind == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in known]
        out = []
        for key in extra:
            guess = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean '{guess[0]}'? " if guess else ""
            out.append(
                Problem(
                    file,
                    line_of(record, path + [key]),
                    field_name(path + [key]),
                    f"unknown field; {hint}".rstrip("; ").rstrip(),
                    "one of: " + ", ".join(known),
                )
            )
        return out
    if kind == "required":
        missing = [k for k in value if k not in error.instance]
        in_then = "then" in error.schema_path
        return [
            Problem(
                file,
                line_of(record, path),
                field_name(path + [k]),
                "missing (an inferred identification needs a note saying why)"
                if in_then
                else "missing required field",
                _expected_for(error.schema.get("properties", {}).get(k, {})),
            )
            for k in missing
        ]
    line = line_of(record, path)
    name = field_name(path)
    if kind == "type":
        return [
            Problem(
                file,
                line,
                name,
                f"wrong type: got {describe_value(error.instance)}",
                _type_words(value if isinstance(value, list) else [value]),
            )
        ]
    if kind == "pattern":
        return [
            Problem(
                file,
                line,
                name,
                f"{error.instance!r} is not in the right form",
                _pattern_words(value),
            )
        ]
    if kind in ("enum", "const"):
        # null in an enum is "may be left empty", not an option to offer.
        options = [v for v in value if v is not None] if kind == "enum" else [value]
        return [
            Problem(
                file,
                line,
                name,
                f"{error.instance!r} is not allowed",
                "one of: " + ", ".join(map(str, options)),
            )
        ]
    if kind in ("minimum", "maximum"):
        low, high = error.schema.get("minimum"), error.schema.get("maximum")
        expected = f"between {low} and {high}" if high is not None else f"at least {low}"
        return [Problem(file, line, name, f"{error.instance!r} is out of range", expected)]
    if kind == "minLength":
        return [Problem(file, line, name, "empty", "some text")]
    if kind == "minItems":
        what = "citation" if name == "citations" else "item"
        return [Problem(file, line, name, "empty list", f"at least {value} {what}")]
    if kind == "uniqueItems":
        return [Problem(file, line, name, "an item is repeated", "each item once")]
    if kind == "maxLength":
        return [Problem(file, line, name, "too long", f"at most {value} characters")]
    return [Problem(file, line, name, error.message, None)]


def _expected_for(prop: dict[str, Any]) -> str:
    types = prop.get("type")
    if "enum" in prop:
        return "one of: " + ", ".join(map(str, prop["enum"]))
    if isinstance(types, list):
        return _type_words([t for t in types if t != "null"])
    return _TYPE_WORDS.get(types, "a value") if types else "a value"


def _type_words(types: list[str]) -> str:
    """``text or nothing`` for JSON Schema's ["string", "null"]."""
    return " or ".join(_TYPE_WORDS.get(t, t) for t in types)


def known_fields(record_type: str) -> tuple[str, ...]:
    return tuple(record_schema(record_type)["properties"])
