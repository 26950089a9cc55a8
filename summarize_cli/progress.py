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
    text = Text()
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
    """Errors always; warnings unless quiet; a line per finished input when verbose."""

    def __init__(self, console: Console, *, verbose: bool, quiet: bool, show_warnings: bool) -> None:
        self.console = console
        self.verbose = verbose
        self.quiet = quiet
        self.show_warnings = show_warnings and not quiet

    def start(self, total: int) -> None:
        """Nothing to set up."""

    def working_on(self, names: Sequence[str]) -> None:
        """Say what is being worked on, when verbose."""
        if self.verbose:
            self.console.print(f"working on {len(names)} input(s): {', '.join(names)}", highlight=False)

    def finished(self, result: Result, status: Status) -> None:
        """Report problems; with --verbose, one line per finished input."""
        report_problems(self.console, result, warnings=self.show_warnings)
        if self.verbose:
            self.console.print(f"{status}: {result.source}", highlight=False)


class BarReporter(ConsoleReporter):
    """A progress bar with files done of total, the current file, elapsed and remaining time."""

    def __init__(self, console: Console, *, verbose: bool, quiet: bool, show_warnings: bool) -> None:
        super().__init__(console, verbose=verbose, quiet=quiet, show_warnings=show_warnings)
        self.progress = Progress(
            TextColumn("[bold blue]summarizing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[current]}", style="dim"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task: TaskID | None = None

    def start(self, total: int) -> None:
        """Show the bar."""
        self.progress.start()
        self.task = self.progress.add_task("run", total=total, current="")

    def working_on(self, names: Sequence[str]) -> None:
        """Show the current file(s)."""
        if self.task is not None:
            shown = names[0] if len(names) == 1 else f"{names[0]} (+{len(names) - 1})"
            self.progress.update(self.task, current=shown)

    def finished(self, result: Result, status: Status) -> None:
        """Advance the bar."""
        super().finished(result, status)
        if self.task is not None:
            self.progress.advance(self.task)

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
