"""What a build reports when it is done."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class BuildSummary:
    tables: dict[str, int] = field(default_factory=dict)  # rows per table
    files: int = 0  # record files the database is built from
    citations_verified: int = 0
    citations_unverified: int = 0
    seconds: float = 0.0
    # Incremental builds: how many files were read again (None: a cold build).
    files_reread: int | None = None
    # Problems.Problem lines that did not stop the build (quotes found twice).
    warnings: list[Any] = field(default_factory=list)
