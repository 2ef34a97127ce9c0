"""scripts/lowest_constraints.py: CI's constraints file for the lowest
versions setup.py allows pins each runtime dependency to its >= bound."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .conftest import ROOT

SCRIPT = ROOT / "scripts" / "lowest_constraints.py"


def run(setup_py_text: str | None, tmp_path) -> subprocess.CompletedProcess:
    script = SCRIPT
    if setup_py_text is not None:
        (tmp_path / "scripts").mkdir()
        script = tmp_path / "scripts" / SCRIPT.name
        script.write_text(SCRIPT.read_text(encoding="utf-8"), encoding="utf-8")
        (tmp_path / "setup.py").write_text(setup_py_text, encoding="utf-8")
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True)


def test_every_runtime_dependency_is_pinned_to_its_lower_bound(tmp_path):
    result = run(None, tmp_path)
    assert result.returncode == 0, result.stderr
    pins = dict(line.split("==") for line in result.stdout.splitlines())
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    required = setup[setup.index("install_requires") : setup.index("extras_require")]
    for name, bound in re.findall(r'"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?>=([^,"]+)', required):
        assert pins.pop(name) == bound, name
    assert pins == {}  # nothing else (no test-only dependency)


@pytest.mark.parametrize("requirement", ["pyyaml", "pyyaml<7", "pyyaml==6.0"])
def test_a_dependency_without_a_lower_bound_is_refused(tmp_path, requirement):
    result = run(f'setup(install_requires=["click>=8.2", "{requirement}"])', tmp_path)
    assert result.returncode == 1
    assert f"{requirement!r}: no lower bound" in result.stderr
    assert "Traceback" not in result.stderr
