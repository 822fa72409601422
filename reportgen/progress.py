"""Progress display for long runs: a Rich bar on a terminal, plain lines otherwise.

In:  outcomes as they arrive (``Outcome``, done, total). Out: text on the console, and a
summary table (built, unchanged, no data, failed, time) with every failure's reason and
where each report that could not be rebuilt went (``stale/``).
"""

from __future__ import annotations

import logging
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from reportgen.batch import BatchResult, Outcome

log = logging.getLogger("reportgen.batch")


class BatchProgress:
    """A context manager that shows a batch's progress on ``console``: a live bar when it is
    a real terminal (not when FORCE_COLOR only makes Rich treat a pipe as one: a CI log keeps
    one line per report), else one line per report through the ``reportgen.batch`` logger
    (at INFO: ``--quiet`` hides them). An internal error's traceback is logged at DEBUG."""

    def __init__(self, console: Console, quiet: bool = False) -> None:
        self.console = console
        isatty = getattr(console.file, "isatty", None)
        tty = bool(isatty is not None and isatty())
        self.live = console.is_terminal and tty and not console.is_dumb_terminal and not quiet
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> BatchProgress:
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]reports"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[last]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(kind, value, tb)

    def start(self, total: int) -> None:
        """Called once with the number of reports the run will account for."""
        if self._progress is not None:
            self._task = self._progress.add_task("reports", total=total, last="")

    def advance(self, outcome: Outcome, done: int, total: int) -> None:
        """Called once per finished report."""
        if outcome.detail:
            log.debug(f"{_named(outcome)}: {outcome.detail.rstrip()}")
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task, completed=done, last=f"{outcome.label} {outcome.status}"
            )
            if outcome.status == "failed":
                self._progress.console.print(f"[red]failed[/red] {outcome.label}: ", end="")
                self._progress.console.print(outcome.reason, markup=False)
        else:
            line = f"[{done}/{total}] {outcome.label} {outcome.status}"
            if outcome.seconds:
                line += f" ({outcome.seconds:.1f} s)"
            if outcome.reason and outcome.status == "failed":
                line += f": {outcome.reason}"
            log.info(line)

    @staticmethod
    def failures(result: BatchResult) -> None:
        """Log every failure with its reason, as errors (what ``--quiet`` leaves of the
        summary)."""
        for outcome in result.failed:
            log.error(f"{_named(outcome)}: {outcome.reason}", extra={"label": "failed"})

    @staticmethod
    def summary(console: Console, result: BatchResult) -> None:
        """Print the closing table and every failure with its reason."""
        table = Table("built", "unchanged", "no data", "failed", "time", title="batch")
        table.add_row(
            str(result.count("built")),
            str(result.count("unchanged")),
            str(result.count("no data")),
            str(result.count("failed")),
            f"{result.seconds:.1f} s",
        )
        console.print(table)
        for outcome in result.failed:
            console.print(f"[red]failed[/red] {_named(outcome)}: ", end="")
            console.print(outcome.reason, markup=False)
        directory = result.manifest.parent if result.manifest is not None else None
        for outcome in sorted(result.outcomes, key=lambda o: (o.code, o.language, o.format)):
            if outcome.previous:
                where = directory / outcome.previous if directory is not None else outcome.previous
                console.print(
                    f"{_named(outcome)} was not rebuilt: its previous {outcome.format}, "
                    f"no longer current, was moved to {where} and the manifest lists it under "
                    "failures.",
                    markup=False,
                )
        if result.manifest is not None:
            console.print(f"manifest: {result.manifest}", markup=False)


def _named(outcome: Outcome) -> str:
    """ "KAZ (en)" for a report, "KAZ (en, profile)" for a profile."""
    kind = "" if outcome.format == "report" else f", {outcome.format}"
    return f"{outcome.code} ({outcome.language}{kind})"
