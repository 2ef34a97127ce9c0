"""Safe YAML loading that remembers where every value came from.

The records are built straight from libyaml's event stream rather than through
PyYAML's composer and constructor, for three reasons:

- safety: tags are refused (no arbitrary objects), aliases are refused (no
  alias bombs), nesting is capped (libyaml's own composer recurses in C and
  crashes on very deep input), duplicate keys are errors, not last-wins;
- line numbers: every mapping, key and list item keeps its line, so a problem
  found later (schema, references, quotes) can name ``file:line``;
- speed: skipping the node graph makes loading faster than PyYAML's own
  loaders, libyaml's included (benchmarks/README.md, "YAML parser").

Plain scalars follow the YAML 1.2 core schema: ``yes``/``no``/``on``/``off``
stay strings and dates stay strings (EDTF is parsed later, on purpose).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NoReturn

import yaml

from .data_files import MAX_YAML_BYTES, NotAPlainFile, read_data_file
from .problems import Problem

MAX_DEPTH = 32


class YamlMapping(dict[str, Any]):
    """A YAML mapping: ``line`` of the mapping, ``key_lines[key]`` of each key."""

    __slots__ = ("key_lines", "line")
    line: int
    key_lines: dict[str, int]


class YamlList(list[Any]):
    """A YAML sequence: ``line`` of the sequence, ``item_lines[i]`` of each item."""

    __slots__ = ("item_lines", "line")
    line: int
    item_lines: list[int]


class YamlError(Exception):
    """The file is not a YAML document this project accepts."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


_NULLS = frozenset(["", "~", "null", "Null", "NULL"])
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# The numbers of the core schema, tried in the order the schema lists them
# (decimal integers, octal and hexadecimal, floats), in one match.
_NUMBER = re.compile(
    r"(?P<int>[-+]?[0-9]+)\Z"
    r"|(?P<int_other>0o[0-7]+|0x[0-9a-fA-F]+)\Z"
    r"|(?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)\Z"
)
_SPECIAL_FLOATS = {
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "+.inf": float("inf"),
    "+.Inf": float("inf"),
    "+.INF": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    "-.INF": float("-inf"),
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}
# First characters a non-string plain scalar can start with: most values skip
# the lookups and the regular expression entirely.
_MAYBE_TYPED = frozenset("~nNtTfF0123456789+-.")
# ... and a number: "the governor" needs no number match.
_MAYBE_NUMBER = frozenset("0123456789+-.")


def resolve_plain(value: str) -> Any:
    """Type of a plain (unquoted) scalar under the YAML 1.2 core schema."""
    if value == "":
        return None
    if value[0] not in _MAYBE_TYPED:
        return value
    if value in _NULLS:
        return None
    if value in _BOOLS:
        return _BOOLS[value]
    if value[0] not in _MAYBE_NUMBER:
        return value
    number = _NUMBER.match(value)
    if number is None:
        return _SPECIAL_FLOATS.get(value, value)
    kind = number.lastgroup
    if kind == "int":
        return int(value)
    if kind == "int_other":
        return int(value, 0)
    return float(value)


def load_yaml(text: str, filename: str) -> Any:
    """Parse one YAML document; raise YamlError naming the file and line."""
    try:
        return _build(text, filename)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else _reader_error_line(error, text)
        what = getattr(error, "problem", None) or str(error).splitlines()[0]
        # Where the broken construct began, e.g. the line of an unclosed quote
        # when the problem is only found at the end of the file.
        context, context_mark = (
            getattr(error, "context", None),
            getattr(error, "context_mark", None),
        )
        if context and context_mark is not None and context_mark.line + 1 != line:
            what += f" ({context}, line {context_mark.line + 1})"
        raise YamlError(
            Problem(filename, line, "", f"YAML syntax error: {what}", "valid YAML")
        ) from None


def _reader_error_line(error: Any, text: str) -> int:
    """Line of a character YAML does not allow (a reader error has only its
    position: in bytes of the UTF-8 text for libyaml, in characters otherwise)."""
    position = getattr(error, "position", None)
    if not isinstance(position, int):
        return 1
    if _LIBYAML:
        return text.encode("utf-8")[:position].count(b"\n") + 1
    return text.count("\n", 0, position) + 1


def _fail(filename: str, event: Any, message: str, expected: str | None = None) -> NoReturn:
    raise YamlError(Problem(filename, event.start_mark.line + 1, "", message, expected))


_SCALAR = yaml.ScalarEvent
_MAPPING_START = yaml.MappingStartEvent
_SEQUENCE_START = yaml.SequenceStartEvent
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_ALIAS = yaml.AliasEvent
_DOCUMENT_START = yaml.DocumentStartEvent
_STREAM_END = yaml.StreamEndEvent
try:
    # libyaml's parser, called directly: yaml.parse() wraps the same parser in
    # a generator and a check_event() call per event, a third of the time.
    from yaml._yaml import CParser as _CParser

    _LIBYAML = True
except ImportError:  # PyYAML built without libyaml: same events, slower
    _LIBYAML = False


def _event_reader(text: str) -> Callable[[], Any]:
    """A function that returns the next parser event (None at the end)."""
    if _LIBYAML:
        return _CParser(text).get_event
    events = yaml.parse(text, Loader=yaml.SafeLoader)
    return lambda: next(events, None)


def _build(text: str, filename: str) -> Any:
    # The open container, whether it is a mapping, its lines (key_lines or
    # item_lines) and its pending key (None: waiting for a key) live in
    # locals; the stack holds those of the containers around it. Locals, not
    # a list per frame, and the parser's own get_event: this loop runs once
    # per scalar of the corpus.
    next_event = _event_reader(text)
    stack: list[tuple] = []
    roots: list[Any] = []
    documents = 0
    container: Any = None
    is_map = False
    lines: Any = None
    key: str | None = None
    maybe_typed = _MAYBE_TYPED
    while True:
        event = next_event()
        kind = type(event)
        if kind is _SCALAR:
            if event.tag is not None or event.anchor is not None:
                # The non-specific tag ``!`` (a quoted value written ``! "..."``) is allowed.
                _refuse_properties(filename, event, event.tag in (None, "!"))
            value = event.value
            if is_map and key is None:
                # Keys are always text: "2015:" is the key "2015", not the number.
                if value in lines:
                    _fail(
                        filename,
                        event,
                        f"duplicate key {value!r} (first on line {lines[value]})",
                        "each key once per mapping",
                    )
                lines[value] = event.start_mark.line + 1
                key = value
                continue
            # implicit[0] is true for plain (unquoted) scalars only; most
            # plain values are text whose first character says so.
            if event.implicit[0] and (not value or value[0] in maybe_typed):
                value = resolve_plain(value)
            if is_map:
                container[key] = value
                key = None
            elif container is not None:
                container.append(value)
                lines.append(event.start_mark.line + 1)
            else:
                roots.append(value)
        elif kind is _MAPPING_START or kind is _SEQUENCE_START:
            if event.tag is not None or event.anchor is not None:
                _refuse_properties(filename, event, event.implicit)
            if len(stack) >= MAX_DEPTH:
                _fail(
                    filename,
                    event,
                    f"nested more than {MAX_DEPTH} levels deep",
                    "records a few levels deep",
                )
            line = event.start_mark.line + 1
            new: YamlMapping | YamlList
            new_lines: Any
            if kind is _MAPPING_START:
                new = YamlMapping()
                new.key_lines = new_lines = {}
            else:
                new = YamlList()
                new.item_lines = new_lines = []
            new.line = line
            if is_map:
                if key is None:
                    _fail(filename, event, "a mapping key must be plain text", "key: value")
                container[key] = new
            elif container is not None:
                container.append(new)
                lines.append(line)
            else:
                roots.append(new)
            stack.append((container, is_map, lines))
            container, is_map, lines, key = new, kind is _MAPPING_START, new_lines, None
        elif kind in _ENDS:
            container, is_map, lines = stack.pop()
            key = None
        elif kind is _ALIAS:
            _fail(
                filename,
                event,
                "YAML aliases (*) are not allowed",
                "each value written out in full",
            )
        elif kind is _DOCUMENT_START:
            documents += 1
            if documents > 1:
                _fail(
                    filename,
                    event,
                    "more than one YAML document (---) in a file",
                    "one document per file",
                )
        elif kind is _STREAM_END or event is None:
            break
    return roots[0] if roots else None


def _refuse_properties(filename: str, event: Any, tag_allowed: bool) -> None:
    """A value's tag (unless ``tag_allowed``) or anchor, refused."""
    if event.tag is not None and not tag_allowed:
        _fail(filename, event, f"YAML tag {event.tag!r} is not allowed", "plain values")
    if event.anchor is not None:
        _fail(
            filename,
            event,
            "YAML anchors (&) are not allowed",
            "each value written out in full",
        )


def read_yaml_file(path: str, display_name: str) -> tuple[Any, str]:
    """Read and parse a file; returns (document, text). Raises YamlError."""
    try:
        raw = read_data_file(path, MAX_YAML_BYTES)
    except NotAPlainFile as refused:
        raise YamlError(Problem(display_name, 1, "", refused.message, refused.expected)) from None
    except OSError as error:
        raise YamlError(
            Problem(display_name, 1, "", f"cannot read file: {error.strerror}", "a readable file")
        ) from None
    text = decode_utf8(raw, display_name)
    return load_yaml(text, display_name), text


def decode_utf8(raw: bytes, display_name: str) -> str:
    """Decode UTF-8 (a leading BOM is dropped); raise YamlError at the bad byte's line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise YamlError(
            Problem(
                display_name,
                line,
                "",
                f"not valid UTF-8 (byte {error.start + 1} of the file)",
                "UTF-8 text",
            )
        ) from None
    return text[1:] if text.startswith("\ufeff") else text
