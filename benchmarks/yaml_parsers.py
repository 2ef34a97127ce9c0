"""YAML parsers on the same files: throughput, and whether each gives what the
build needs (line numbers for every record and item; aliases, duplicate keys
and tags refused).

Measures PyYAML (pure and libyaml), libyaml's event stream alone, our loader
(datasette_heritage.build.safe_yaml), and any of these PyPI parsers that are
installed: yaml_rs (yaml-rs), ryaml, rapidyaml (ryml), pyyaml_rs, libfyaml.
Install them in a scratch virtualenv to compare; the project needs none.

Usage: python benchmarks/yaml_parsers.py --citations 50000 [--files 6]
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import corpus, machine, print_table

ALIAS = "- id: &a x\n  name: *a\n"
DUPLICATE = "- id: x\n  id: y\n"


def candidates() -> dict[str, Callable[[str], Any]]:
    import yaml

    from datasette_heritage.build.safe_yaml import load_yaml

    found: dict[str, Callable[[str], Any]] = {
        "datasette_heritage.build.safe_yaml (libyaml events, lines kept)": lambda text: load_yaml(
            text, "f.yml"
        ),
        "PyYAML safe_load (pure Python)": yaml.safe_load,
        "PyYAML load CSafeLoader (libyaml)": lambda text: yaml.load(text, Loader=yaml.CSafeLoader),
        "libyaml event stream alone (yaml.parse)": lambda text: sum(
            1 for _ in yaml.parse(text, Loader=yaml.CSafeLoader)
        ),
    }
    optional = {"yaml_rs": "loads", "ryaml": "loads", "pyyaml_rs": "safe_load", "libfyaml": "loads"}
    for module, function in optional.items():
        try:
            found[module] = getattr(importlib.import_module(module), function)
        except Exception:
            pass
    try:
        import ryml

        found["ryml (rapidyaml) parse_in_arena, tree only"] = lambda text: ryml.parse_in_arena(
            text.encode()
        )
    except Exception:
        pass
    return found


def refuses(parse: Callable[[str], Any], text: str) -> bool:
    try:
        parse(text)
    except Exception:
        return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citations", type=int, default=50000)
    parser.add_argument("--files", type=int, default=6, help="events files to parse")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(f"machine: {machine()}")
    files = sorted((corpus(args.citations) / "events").glob("*.yml"))[: args.files]
    texts = [path.read_text(encoding="utf-8") for path in files]
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    rows: list[list[str]] = []
    figures = {}
    for name, parse in candidates().items():
        times = []
        for _ in range(args.repeat):
            started = time.process_time()
            for text in texts:
                parse(text)
            times.append(time.process_time() - started)
        seconds = statistics.median(times)
        figures[name] = megabytes / seconds
        rows.append(
            [
                name,
                f"{megabytes / seconds:.1f}",
                "yes" if name.startswith("datasette_heritage") else "no",
                "yes" if refuses(parse, ALIAS) else "no",
                "yes" if refuses(parse, DUPLICATE) else "no",
            ]
        )
    print(f"{len(texts)} events files, {megabytes:.1f} MB, CPU time, median of {args.repeat}")
    print_table(
        [
            "parser",
            "MB/s",
            "line of every record and item",
            "refuses aliases",
            "refuses duplicate keys",
        ],
        rows,
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
