"""Bad input: each case under tests/bad_input/ must give exactly its expected
error lines, exit non-zero, print no traceback, and leave the previous
database byte-identical with no temporary file behind.

A case is a folder of files laid over a copy of tests/fixtures/data (same
relative paths; a file replaces the fixture's or is added), an optional
``remove.txt`` listing fixture files to delete, and ``expected.txt``: the
exact output, with the data folder shown as ``data/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from datasette_heritage.cli import cli

from .conftest import FIXTURE_DATA

CASES_DIR = Path(__file__).parent / "bad_input"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())
SPECIAL = {"expected.txt", "remove.txt"}


def make_case(case: str, workdir: Path) -> Path:
    data = workdir / "data"
    shutil.copytree(FIXTURE_DATA, data)
    case_dir = CASES_DIR / case
    remove = case_dir / "remove.txt"
    if remove.exists():
        for line in remove.read_text().split():
            (data / line).unlink()
    for path in case_dir.rglob("*"):
        if path.is_file() and path.relative_to(case_dir).as_posix() not in SPECIAL:
            target = data / path.relative_to(case_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return data


def test_there_are_enough_cases():
    assert len(CASES) >= 50


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    shutil.copytree(FIXTURE_DATA, tmp_path / "good")
    first = runner.invoke(cli, ["build", "good", "heritage.db"])
    assert first.exit_code == 0, first.output
    before = (tmp_path / "heritage.db").read_bytes()

    make_case(case, tmp_path)
    result = runner.invoke(cli, ["build", "data", "heritage.db"])

    expected = (CASES_DIR / case / "expected.txt").read_text()
    assert result.stderr == expected
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (tmp_path / "heritage.db").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "good", "heritage.db"]

    validated = runner.invoke(cli, ["validate", "data"])
    assert validated.exit_code == 1
    assert validated.stderr == expected


@pytest.mark.parametrize("depth", [40, 5000, 200000])
def test_deep_nesting_is_refused_whichever_layer_refuses(depth, tmp_path, monkeypatch):
    # The loader caps nesting; newer libyaml refuses very deep flow nesting
    # itself, with its own words. The editor sees the same behaviour either
    # way: one FILE:LINE line, exit 1, no traceback, the old database kept.
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    shutil.copytree(FIXTURE_DATA, tmp_path / "data")
    assert runner.invoke(cli, ["build", "data", "heritage.db"]).exit_code == 0
    before = (tmp_path / "heritage.db").read_bytes()
    (tmp_path / "data" / "sites" / "deep.yml").write_text(
        "- " + "[" * depth + "1" + "]" * depth + "\n"
    )

    result = runner.invoke(cli, ["build", "data", "heritage.db"])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    problems = result.stderr.splitlines()
    assert problems[0].startswith("data/sites/deep.yml:1: ")
    assert problems[1:] == ["1 problem(s) found; nothing was written"]
    assert (tmp_path / "heritage.db").read_bytes() == before
