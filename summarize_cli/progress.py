"""What a run shows on stderr while it works: a rich progress bar on a terminal, else plain lines."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

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
from rich.text import Text

from .batch import Status
from .types import Result

P = ParamSpec("P")
R = TypeVar("R")


def _line(console: Console, label: str, style: str, message: str) -> None:
    text = Text("summarize-cli: ")
    text.append(label, style=style)
    text.append(f": {message}")
    console.print(text, soft_wrap=True, highlight=False)


def report_problems(console: Console, result: Result, *, warnings: bool) -> None:
    """An error line for a failed input and, when asked, a line per warning."""
    if result.error is not None:
        message = result.error if result.error.startswith(result.source) else f"{result.source}: {result.error}"
        _line(console, "error", "bold red", message)
    if warnings:
        for w in result.warnings:
            lang = f" [{w.language}]" if w.language else ""
            _line(console, "warning", "yellow", f"{result.source}: {w.code}{lang}: {w.message}")


class ConsoleReporter:
    """Errors always; warnings unless quiet; a line per finished input in a run of several, unless quiet.

    Off a terminal (``2>run.log``) the lines are the record of how the night went.
    """

    def __init__(self, console: Console, *, verbose: bool, quiet: bool, show_warnings: bool) -> None:
        self.console = console
        self.verbose = verbose
        self.quiet = quiet
        self.show_warnings = show_warnings and not quiet
        self.total = 0
        self.count = 0

    def start(self, total: int) -> None:
        """Remember how many inputs there are."""
        self.total = total

    def working_on(self, names: Sequence[str]) -> None:
        """Say what is being worked on, when verbose."""
        if self.verbose:
            self.console.print(
                f"working on {len(names)} input(s): {', '.join(names)}", markup=False, highlight=False, soft_wrap=True
            )

    def stage(self, label: str, fraction: float) -> None:
        """Stages are shown only by the bar."""

    def finished(self, result: Result, status: Status) -> None:
        """Report problems, and one line per finished input."""
        self.count += 1
        report_problems(self.console, result, warnings=self.show_warnings)
        if status != "failed" and not self.quiet and (self.total > 1 or self.verbose):
            self.console.print(
                f"{self.count}/{self.total} {status}: {result.source}", markup=False, highlight=False, soft_wrap=True
            )


class BarReporter(ConsoleReporter):
    """A progress bar: the stage in hand, inputs done of total, the current input, elapsed and remaining time.

    It moves within a group of inputs as each stage's model work gets done, not only when
    a whole group finishes.
    """

    def __init__(self, console: Console, *, verbose: bool, quiet: bool, show_warnings: bool) -> None:
        super().__init__(console, verbose=verbose, quiet=quiet, show_warnings=show_warnings)
        self.progress = Progress(
            TextColumn("{task.fields[stage]}", style="bold blue", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[current]}", style="dim", markup=False),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task: TaskID | None = None
        self.group_start = 0
        self.group_size = 0

    def start(self, total: int) -> None:
        """Show the bar."""
        super().start(total)
        self.progress.start()
        self.task = self.progress.add_task("run", total=total, current="", stage="starting")

    def working_on(self, names: Sequence[str]) -> None:
        """Show the current input(s)."""
        self.group_start, self.group_size = self.count, len(names)
        if self.task is not None:
            shown = names[0] if len(names) == 1 else f"{names[0]} (+{len(names) - 1})"
            self.progress.update(self.task, current=shown)

    def stage(self, label: str, fraction: float) -> None:
        """Name the stage, and move the bar by the share of the group's work done."""
        if self.task is None:
            return
        completed = max(self.count, self.group_start + fraction * self.group_size)
        self.progress.update(self.task, stage=label, completed=min(self.total, completed))

    def finished(self, result: Result, status: Status) -> None:
        """Advance the bar."""
        report_problems(self.console, result, warnings=self.show_warnings)
        self.count += 1
        if self.verbose:
            self.console.print(f"{status}: {result.source}", markup=False, highlight=False, soft_wrap=True)
        if self.task is not None:
            completed = self.progress.tasks[0].completed if self.progress.tasks else 0
            self.progress.update(self.task, completed=min(self.total, max(self.count, completed)))

    def stop(self) -> None:
        """Remove the bar."""
        self.progress.stop()

    def around(self, call: Callable[P, R]) -> Callable[P, R]:
        """``call``, run with the bar off the screen."""

        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            with self.suspended():
                return call(*args, **kwargs)

        return wrapped

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """Take the bar off the screen while something else writes to the same terminal."""
        self.progress.stop()
        try:
            yield
        finally:
            self.progress.start()
