"""Print a pip constraints file that pins every runtime dependency in
setup.py's install_requires to the lowest version it allows (its ``>=``
bound), so CI can check that those versions really work.

Usage: python scripts/lowest_constraints.py > constraints.txt
Run from anywhere; reads the setup.py beside this folder without running it.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

SETUP = Path(__file__).resolve().parent.parent / "setup.py"
# name, optional [extras], then the >= bound among the specifiers.
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")
LOWER_BOUND = re.compile(r">=\s*([^,;\s]+)")


def install_requires(setup_py: Path) -> list[str]:
    for node in ast.walk(ast.parse(setup_py.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and node.arg == "install_requires":
            return list(ast.literal_eval(node.value))
    raise SystemExit(f"{setup_py}: no install_requires")


def lowest(requirements: list[str]) -> list[str]:
    pins, problems = [], []
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        bound = LOWER_BOUND.search(match.group(2)) if match else None
        if bound is None:
            problems.append(f"{SETUP}: {requirement!r}: no lower bound (expected NAME>=VERSION)")
            continue
        pins.append(f"{match.group(1)}=={bound.group(1)}")
    if problems:
        raise SystemExit("\n".join(problems))
    return pins


if __name__ == "__main__":
    sys.stdout.write("".join(f"{pin}\n" for pin in lowest(install_requires(SETUP))))
