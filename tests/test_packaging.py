"""A non-editable install ships everything the package needs at run time."""

import subprocess
import sys
import zipfile

from .conftest import FIXTURE_DATA, ROOT


def test_wheel_installs_and_builds_from_another_directory(tmp_path, wheel):
    names = set(zipfile.ZipFile(wheel).namelist())

    package = ROOT / "datasette_heritage"
    tracked = subprocess.run(
        ["git", "ls-files", "datasette_heritage"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    data_files = [f for f in tracked if not f.endswith(".py") and (ROOT / f).is_file()]
    assert any(f.endswith(".schema.json") for f in data_files)
    missing = [f for f in data_files if f not in names]
    assert missing == [], "package data missing from the wheel"
    assert any(n.endswith("entry_points.txt") for n in names)

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        f"import sys; sys.path.insert(0, {str(site)!r})\n"
        "import datasette_heritage, pathlib\n"
        f"assert pathlib.Path(datasette_heritage.__file__).is_relative_to({str(site)!r}), datasette_heritage.__file__\n"
        "from datasette_heritage.build.pipeline import build\n"
        f"print(build(pathlib.Path({str(FIXTURE_DATA)!r}), pathlib.Path('h.db')).tables['citations'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=elsewhere, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "8"
    assert package.is_dir()
