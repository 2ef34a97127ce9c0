"""The datasette-heritage command as an editor uses it."""

import re
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from datasette_heritage.cli import cli

from .conftest import FIXTURE_DATA


@pytest.mark.parametrize("command", [[], ["build"], ["validate"], ["schemas"]])
def test_help(command):
    result = CliRunner().invoke(cli, command + ["--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output


def test_build_prints_a_summary(tmp_path):
    result = CliRunner().invoke(cli, ["build", str(FIXTURE_DATA), str(tmp_path / "h.db")])
    assert result.exit_code == 0, result.output
    assert "Built " in result.output
    assert re.search(r"^  citations +8$", result.output, re.M)
    assert "citations verified against source text: 7; unverified (no text): 1" in result.output


def test_validate_writes_nothing(tmp_path):
    shutil.copytree(FIXTURE_DATA, tmp_path / "data")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "data")])
    assert result.exit_code == 0
    assert "7 citations verified" in result.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_errors_are_one_line_each_and_exit_non_zero(tmp_path):
    shutil.copytree(FIXTURE_DATA, tmp_path / "data")
    (tmp_path / "data" / "sites" / "bad.yml").write_text(
        "- id: Bad Id\n  name: x\n  country: y\n  nmae: z\n"
    )
    # As a subprocess: what an editor sees in a terminal, traceback or not.
    result = subprocess.run(
        [sys.executable, "-m", "datasette_heritage.cli", "validate", str(tmp_path / "data")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].endswith(
        "bad.yml:1: id: 'Bad Id' is not in the right form (expected lower-case "
        "letters, digits and single hyphens, e.g. temple-of-bel)"
    )
    assert lines[1].endswith(
        "bad.yml:4: nmae: unknown field; did you mean 'name'? (expected one of: "
        "alternative_names, coordinates_precision, country, description, id, latitude, "
        "longitude, name, names, unesco_whc_id, wikidata)"
    )
    assert lines[2] == "2 problem(s) found; nothing was written"
    assert "Traceback" not in result.stderr


def test_target_that_is_a_folder_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["build", str(FIXTURE_DATA), str(tmp_path)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_target_in_a_missing_folder_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["build", str(FIXTURE_DATA), str(tmp_path / "no" / "h.db")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].endswith(
        "h.db:1: (file): no folder '%s' (expected an existing folder for the database)"
        % (tmp_path / "no")
    )


def test_schemas_lists_the_published_files():
    result = CliRunner().invoke(cli, ["schemas"])
    lines = result.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == [
        "vocabulary",
        "site",
        "monument",
        "source",
        "event",
    ]
    for line in lines:
        assert line.split("\t")[1].endswith(".schema.json")


# Each command imports what it needs when it runs (start-up time).
IMPORTS_OF = """
import sys
from datasette_heritage.cli import cli
try:
    cli(sys.argv[1:])
except SystemExit:
    pass
heavy = ("datasette", "jsonschema", "jsonschema_rs", "sqlite_utils", "yaml", "rapidfuzz")
print("IMPORTED", " ".join(m for m in heavy if m in sys.modules))
"""


def imported_by(*args):
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_OF, *args], capture_output=True, text=True, timeout=120
    )
    return done, done.stdout.rsplit("IMPORTED", 1)[1].split()


def test_commands_import_only_what_they_need(tmp_path):
    assert imported_by("--help")[1] == []
    assert imported_by("schemas")[1] == []
    done, modules = imported_by("validate", str(FIXTURE_DATA))
    assert "files OK" in done.stdout
    assert sorted(modules) == ["jsonschema_rs", "yaml"]  # no SQLite library, no jsonschema
    done, modules = imported_by("build", str(FIXTURE_DATA), str(tmp_path / "h.db"))
    assert "Built" in done.stdout
    assert "sqlite_utils" in modules and "jsonschema" not in modules and "datasette" not in modules


def test_jsonschema_words_the_problems_of_an_invalid_record(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    (data / "sites" / "bad.yml").write_text("- id: bad-site\n  name: Bad\n", encoding="utf-8")
    done, modules = imported_by("validate", str(data))
    assert "jsonschema" in modules
    assert "bad.yml:1: country: missing required field" in done.stderr


def test_rapidfuzz_shows_the_closest_passage_of_a_misquote(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    events = data / "events" / "2015.yml"
    text = events.read_text(encoding="utf-8")
    quote = re.search(r"quote: (.+)", text).group(1).strip().strip("'\"")
    events.write_text(text.replace(quote, quote.replace(" ", " zzz ", 1), 1), encoding="utf-8")
    done, modules = imported_by("validate", str(data))
    assert "rapidfuzz" in modules
    assert "not found in the text of source" in done.stderr
