"""The exception tree: every error a user can cause says what is wrong and how to fix it.

In:  nothing. Out: exception classes. The CLI turns any ``ReportgenError`` into one clear
message and a non-zero exit; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ReportgenError(Exception):
    """Base of every error caused by input, configuration or environment (not by a bug)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in an input file.

    ``row`` counts as a spreadsheet user counts (the header is row 1, the first data row
    is row 2); ``None`` when the problem concerns the whole file or column.
    """

    severity: str  # "error" or "note"
    file: Path | str
    row: int | None
    column: str | None
    value: str | None
    message: str
    fix: str
    count: int = 1  # how many problems this one stands for (more when it counts unlisted rows)

    def __str__(self) -> str:
        where = Path(self.file).name
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        value = f" (value: {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.message}{value}. {self.fix}"


class DataValidationError(ReportgenError):
    """A release directory has one or more errors; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        self.error_count = sum(p.count for p in errors)
        lines = [f"{self.error_count:,} problem(s) in the data:"]
        lines += [f"  - {p}" for p in errors[:50]]
        if len(errors) > 50:
            more = sum(p.count for p in errors[50:])
            lines.append(f"  ... and {more:,} more (run `reportgen validate`).")
        super().__init__("\n".join(lines))


class StyleError(ReportgenError):
    """A style file is missing, malformed or has an invalid value."""


class UnknownCountryError(ReportgenError):
    """A country given by the user is not in the release."""


class NoDataError(ReportgenError):
    """A country has no scores at all in the release: there is nothing to report."""


class TemplateError(ReportgenError):
    """A phrase template is malformed or refers to a value the facts do not have."""


class OutputError(ReportgenError):
    """An output cannot be written (permissions, existing file, disk)."""


class LayoutError(ReportgenError):
    """A publication whose content does not fit its format (a profile over two pages)."""
