"""Problems found in a wall, each tied to a place in a source file.

Every module raises or records `Problem`s; only `format_problem` turns them into text, so the
message format (and the GitHub annotation format) lives in one place.
"""

from __future__ import annotations

import difflib
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar

Severity = Literal["error", "warning"]
_Record = TypeVar("_Record", bound=type)


def positional_pickle(cls: _Record) -> _Record:
    """Pickle a dataclass as its class and field values in order, rebuilt by calling the class.

    The generic pickling of slots dataclasses calls `fields()` per object; the parse cache of a
    10,000-kudos wall holds ~200,000 of these records, so loading it took over a second.
    """
    names = [f.name for f in fields(cls)]
    getter = operator.attrgetter(*names)
    if len(names) == 1:
        def reduce_one(self: Any) -> tuple[Any, tuple[Any, ...]]:
            return (cls, (getter(self),))

        cls.__reduce__ = reduce_one  # type: ignore[assignment]
    else:
        def reduce(self: Any) -> tuple[Any, tuple[Any, ...]]:
            return (cls, getter(self))

        cls.__reduce__ = reduce  # type: ignore[assignment]
    return cls


@positional_pickle
@dataclass(frozen=True, slots=True, order=True)
class SourcePos:
    """A place in a source file; line and column are 1-based, 0 means unknown."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path


@positional_pickle
@dataclass(frozen=True, slots=True)
class Problem:
    pos: SourcePos
    message: str
    hint: str = ""
    severity: Severity = "error"


class ContentError(Exception):
    """Raised when a wall has errors; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s)")

    def __reduce__(self) -> tuple[Any, ...]:
        """Rebuilt from its problems: one raised in a worker process comes back pickled, and the
        default replays `args` (the summary text) as the problems."""
        return (type(self), (self.problems,), self.__dict__)


class UsageError(Exception):
    """A mistake on the command line or in how a command was used (exit code 2)."""


@dataclass
class ProblemLog:
    """Collects problems so that one run reports all of them together."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, pos: SourcePos, message: str, hint: str = "") -> None:
        self.problems.append(Problem(pos, message, hint, "error"))

    def warning(self, pos: SourcePos, message: str, hint: str = "") -> None:
        self.problems.append(Problem(pos, message, hint, "warning"))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def raise_if_errors(self, strict: bool = False) -> None:
        if self.errors or (strict and self.warnings):
            raise ContentError(sorted_problems(self.problems))


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.pos, p.severity, p.message))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest valid choice, or an empty string when none is close. Case is
    ignored: `Allow_HTML` is half different letters from `allow_html`, and meant it."""
    by_lowered = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(word.lower(), list(by_lowered), n=1, cutoff=0.6)
    return f"did you mean '{by_lowered[close[0]]}'?" if close else ""


def format_problem(problem: Problem, style: Literal["text", "github"] = "text", prefix: str = "") -> str:
    """`prefix`: where the wall is inside its repository (github style: annotations name repository paths)."""
    if style == "github":
        return _format_github(problem, prefix)
    label = "warning: " if problem.severity == "warning" else ""
    hint = f" ({problem.hint})" if problem.hint else ""
    return f"{problem.pos}: {label}{problem.message}{hint}"


def _format_github(problem: Problem, prefix: str) -> str:
    """A GitHub Actions workflow command, which shows as an annotation on the changed line."""

    def escape_property(value: str) -> str:
        return (
            value.replace("%", "%25")
            .replace("\r", "%0D")
            .replace("\n", "%0A")
            .replace(":", "%3A")
            .replace(",", "%2C")
        )

    def escape_data(value: str) -> str:
        return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    path = problem.pos.path
    inside = path and not path.startswith(("/", "../"))  # a theme outside the wall keeps its own path
    parts = [f"file={escape_property(prefix + path if inside else path)}"]
    if problem.pos.line:
        parts.append(f"line={problem.pos.line}")
    if problem.pos.column:
        parts.append(f"col={problem.pos.column}")
    hint = f" ({problem.hint})" if problem.hint else ""
    return f"::{problem.severity} {','.join(parts)}::{escape_data(problem.message + hint)}"
