"""The sources an editor already has under ``data/sources/``: their ids,
files and texts, read with the build's safe YAML loader."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..build.data_files import walk
from ..build.safe_yaml import YamlError, decode_utf8, read_yaml_file


class EditorError(Exception):
    """A problem to show the editor as one line, without a traceback."""


@dataclass(frozen=True)
class SourceFile:
    id: str
    record_file: Path
    text_file: Path | None

    def text(self) -> str | None:
        if self.text_file is None:
            return None
        try:
            raw = self.text_file.read_bytes()
        except OSError as error:
            raise EditorError(f"{self.text_file}: cannot read: {error.strerror}") from None
        try:
            return decode_utf8(raw, str(self.text_file))
        except YamlError as error:
            raise EditorError(str(error.problem)) from None


def sources_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "sources"


def source_files(data_dir: Path) -> Iterator[SourceFile]:
    """Every source record under data_dir/sources/ that has an id. Files the
    build would refuse are skipped here: `validate` reports them."""
    for _, path, _ in walk(sources_dir(data_dir), (".yml", ".yaml")):
        try:
            document, _ = read_yaml_file(path, path)
        except YamlError:
            continue
        for record in document if isinstance(document, list) else []:
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                continue
            name = record.get("text_file")
            # Only a plain file name beside the YAML, as the schema allows.
            text = (
                Path(path).parent / name
                if isinstance(name, str) and Path(name).name == name and name.endswith(".txt")
                else None
            )
            yield SourceFile(record["id"], Path(path), text)


def find_source(data_dir: Path, source_id: str) -> SourceFile:
    """The source with this id, or EditorError naming the closest ids."""
    if not sources_dir(data_dir).is_dir():
        raise EditorError(
            f"{sources_dir(data_dir)}: no such folder (expected the sources/ folder of a "
            "data directory; give it with --data)"
        )
    known = []
    for source in source_files(data_dir):
        if source.id == source_id:
            return source
        known.append(source.id)
    guess = difflib.get_close_matches(source_id, known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(guess)}?" if guess else ""
    raise EditorError(
        f"unknown source {source_id!r} in {sources_dir(data_dir)}{hint} "
        "(expected the id of a source; `datasette-heritage add-source FILE` adds one)"
    )
