"""The ecosystem's baseline: yaml-to-sqlite's method, applied to every file.

yaml-to-sqlite (simonw/yaml-to-sqlite) loads one YAML file into one table:
``yaml.safe_load``, a JSON round trip (so dates become strings), then
sqlite-utils ``upsert_all`` with the primary key. This runs that method on
each record file of a corpus, into a table per folder, in one process (the
real tool starts a process per file, which would only add to its time).
Source texts are read into the ``sources`` rows so the database holds what
ours holds; nothing is validated, verified or indexed.

Written for the benchmark from that description; no code is copied.

Usage: python benchmarks/baseline_yaml_to_sqlite.py DATA_DIR DB_PATH
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import sqlite_utils
import yaml


def load(data_dir: Path, db_path: Path) -> int:
    """Load every record file; returns the number of files."""
    files = 0
    for folder in ("vocabularies", "sites", "monuments", "sources", "events"):
        for path in sorted((data_dir / folder).rglob("*.yml")):
            load_file(path, path.stem if folder == "vocabularies" else folder, db_path)
            files += 1
    return files


def load_file(path: Path, table: str, db_path: Path) -> None:
    """One yaml-to-sqlite invocation: one file into one table."""
    with open(path, encoding="utf-8") as f:
        docs = yaml.safe_load(f)
    docs = json.loads(json.dumps(docs, default=str))
    if path.parent.name == "sources":
        for doc in docs:
            if doc.get("text_file"):
                doc["text"] = (path.parent / doc["text_file"]).read_text(encoding="utf-8")
    # A database per file, as one yaml-to-sqlite invocation per file opens it.
    db = sqlite_utils.Database(str(db_path))
    # alter=True: yaml-to-sqlite itself stops at the first file whose
    # records have a column the table lacks; the baseline should finish.
    db[table].upsert_all(docs, pk="id", alter=True)
    db.close()


def main() -> None:
    data_dir, db_path = Path(sys.argv[1]), Path(sys.argv[2])
    if db_path.exists():
        db_path.unlink()
    started = time.perf_counter()
    files = load(data_dir, db_path)
    print(f"yaml-to-sqlite method: {files} files in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
