"""Problems found in the records, and the one error type the build raises.

Every problem is reported as one line, ``FILE:LINE: field: what is wrong
(what was expected)``, so editors can jump to it from a terminal or editor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str
    expected: str | None = None

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.field or '(file)'}: {self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        return one_line(text)


def one_line(text: str) -> str:
    """The text on one line of a terminal: line breaks, other control
    characters and terminal escapes written as escapes (a file name with a
    newline in it cannot forge a second problem line, nor one with ESC
    rewrite the screen)."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


class BuildError(Exception):
    """Raised when the records have problems; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the records")

    def report(self, limit: int = 50) -> str:
        return format_problems(self.problems, limit)


def inconsistent_database(db_path: Path, failures: list[str]) -> BuildError:
    """The error for a database that failed its checks after writing."""
    return BuildError(
        Problem(str(db_path), 1, "", f"database check failed: {failure}", "a consistent database")
        for failure in failures
    )


def format_problems(problems: list[Problem], limit: int = 50) -> str:
    """One line per problem, at most ``limit`` lines plus a count of the rest."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more problem(s) not shown")
    lines.append(f"{len(problems)} problem(s) found; nothing was written")
    return "\n".join(lines)


@dataclass
class ProblemLog:
    """Collects problems while loading so one run reports all of them."""

    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        file: str,
        line: int,
        field_name: str,
        message: str,
        expected: str | None = None,
    ) -> None:
        self.problems.append(Problem(file, line, field_name, message, expected))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise BuildError(self.problems)
