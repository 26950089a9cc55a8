"""``summarize-cli [OPTIONS] [INPUT]...``: the main job, from click options to an exit status."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError, SummarizeError
from ..render import FORMATS
from ..sources import DEFAULT_MAX_WORDS
from ..status import ExitStatus
from .app import CONFIG_OPTION, DEVICE_OPTION, HELP, OFFLINE_OPTION, exit_for, fail, log_to_stderr, main

if TYPE_CHECKING:
    from ..pipeline import RunOptions, SummaryChoice

EXAMPLES = """\
\b
Examples:
  summarize-cli article.txt                    summary and translations in the terminal
  summarize-cli -f json article.txt | jq .translations.uk
  pbpaste | summarize-cli -t uk --no-summary   translate the pasted article itself
  summarize-cli articles/ -o results/          a whole folder; rerun to resume
  summarize-cli articles/ -f jsonl | jq -r .summary

\b
Other commands:
  summarize-cli dedupe FILE...      print the cleaned, deduplicated text (no models)
  summarize-cli models              list the configured models and whether they are cached
  summarize-cli check SOURCE TEXT --language LANG
                                    check a summary or translation against its source
"""


class RunCommand(click.Command):
    """The main job; its usage line reads as the tool's own."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``Usage: summarize-cli [OPTIONS] [INPUT]...``."""
        prog = ctx.parent.command_path if ctx.parent else ctx.command_path
        formatter.write_usage(prog, "[OPTIONS] [INPUT]...")


def _parse_targets(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    targets = tuple(dict.fromkeys(t.strip() for t in value.split(",") if t.strip()))
    if not targets:
        raise click.BadParameter("give at least one language, e.g. uk,ko,ru", param_hint="'-t/--to'")
    return targets


@main.command("run", cls=RunCommand, epilog=EXAMPLES, context_settings=HELP)
@click.argument("inputs", metavar="[INPUT]...", nargs=-1, type=click.Path(allow_dash=True))
@click.option("-t", "--to", "targets", metavar="LANGS", help="Target languages, comma-separated (default: config).")
@click.option("--no-translate", is_flag=True, help="Summary only.")
@click.option("--no-summary", is_flag=True, help="Translate the cleaned article itself instead of a summary.")
@click.option(
    "--summary",
    "summary_mode",
    type=click.Choice(["abstractive", "extractive"]),
    default="abstractive",
    show_default=True,
    help="Model-written summary, or the article's own most central sentences.",
)
@click.option("--sentences", type=click.IntRange(1, 50), default=3, show_default=True, help="Extractive length.")
@click.option(
    "--from", "source_language", metavar="LANG", help="The articles' language (default: detected per article)."
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: rich on a terminal, else text)."
)
@click.option(
    "-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), help="Write results to files here."
)
@click.option("--force", is_flag=True, help="With -o: redo inputs whose results are already there.")
@CONFIG_OPTION
@DEVICE_OPTION
@OFFLINE_OPTION
@click.option("--strict", is_flag=True, help="Exit 6 when a quality check raised a warning.")
@click.option(
    "--max-words",
    type=click.IntRange(1),
    default=DEFAULT_MAX_WORDS,
    show_default=True,
    help="Refuse longer articles (they are never truncated).",
)
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("-v", "--verbose", is_flag=True, help="More on stderr (per-input lines, tracebacks).")
def run(
    inputs: tuple[str, ...],
    targets: str | None,
    no_translate: bool,
    no_summary: bool,
    summary_mode: str,
    sentences: int,
    source_language: str | None,
    fmt: str | None,
    output_dir: Path | None,
    force: bool,
    config_path: str | None,
    device: str,
    offline: bool,
    strict: bool,
    max_words: int,
    quiet: bool,
    verbose: bool,
) -> None:
    """Summarize each INPUT and translate the summary.

    INPUT is a file, a folder (every .txt, .md, .html, .htm under it) or - for standard
    input; with no INPUT, piped standard input is read.
    """
    ctx = click.get_current_context()
    if no_summary and summary_mode == "extractive":
        raise click.UsageError("--no-summary and --summary extractive contradict each other")
    if no_summary and no_translate:
        raise click.UsageError("--no-summary with --no-translate leaves nothing to do; use `summarize-cli dedupe`")
    if not inputs:
        if sys.stdin is None or sys.stdin.isatty():
            click.echo(ctx.get_usage(), err=True)
            click.echo("Give an INPUT file or folder, or pipe an article in. Try --help.", err=True)
            sys.exit(int(ExitStatus.USAGE))
        inputs = ("-",)
    stdout_tty = sys.stdout.isatty()
    fmt = fmt or ("rich" if stdout_tty else "text")
    options = _run_options(targets, no_translate, no_summary, summary_mode, sentences, device, offline)
    if source_language:
        options = dataclasses.replace(options, source_language=source_language.strip().lower())
    if output_dir is not None:
        out = output_dir.resolve()
        if any(Path(i).is_dir() and Path(i).resolve() == out for i in inputs):
            raise click.UsageError("the output folder must not be an input folder; choose another -o")
    try:
        status = _run(inputs, options, fmt, output_dir, force, config_path, strict, max_words, quiet, verbose)
    except KeyboardInterrupt:
        click.echo("summarize-cli: interrupted", err=True)
        sys.exit(int(ExitStatus.INTERRUPTED))
    except SummarizeError as exc:
        if verbose:
            import traceback

            traceback.print_exc()
        fail(str(exc), exit_for(exc))
    sys.exit(int(status))


def _run_options(
    targets: str | None,
    no_translate: bool,
    no_summary: bool,
    summary_mode: str,
    sentences: int,
    device: str,
    offline: bool,
) -> RunOptions:
    from ..pipeline import RunOptions

    summary: SummaryChoice = "none" if no_summary else "extractive" if summary_mode == "extractive" else "abstractive"
    return RunOptions(
        targets=_parse_targets(targets),
        translate=not no_translate,
        summary=summary,
        sentences=sentences,
        device=device,
        offline=offline,
    )


def _run(
    inputs: Sequence[str],
    options: RunOptions,
    fmt: str,
    output_dir: Path | None,
    force: bool,
    config_path: str | None,
    strict: bool,
    max_words: int,
    quiet: bool,
    verbose: bool,
) -> ExitStatus:
    from rich.console import Console

    from .. import render
    from ..batch import BatchRunner, OutputLayout
    from ..config import load_config
    from ..pipeline import Pipeline
    from ..progress import BarReporter, ConsoleReporter
    from ..registry import ModelRegistry
    from ..sources import expand_inputs

    if options.offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
    if quiet:
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    config = load_config(config_path)
    err = Console(stderr=True, highlight=False)
    log_to_stderr(quiet, verbose, err)
    show_warnings = output_dir is not None or fmt not in ("rich", "markdown")
    reporter_cls = BarReporter if err.is_terminal and not quiet else ConsoleReporter
    reporter = reporter_cls(err, verbose=verbose, quiet=quiet, show_warnings=show_warnings)
    registry = ModelRegistry(device=options.device, offline=options.offline)
    if isinstance(reporter, BarReporter):
        registry.loader = reporter.around(registry.loader)  # download bars need the terminal to themselves
    if verbose:
        registry.on_load = lambda spec: err.print(f"loading {spec.role} model {spec.model}", highlight=False)
    pipeline = Pipeline(config, options, registry)

    exclude = output_dir.resolve() if output_dir is not None else None
    refs = [
        ref
        for ref in expand_inputs(inputs)
        if exclude is None or ref.path is None or ref.root is None or not ref.path.resolve().is_relative_to(exclude)
    ]
    if not refs:
        raise InputError(", ".join(inputs), "holds no articles (.txt, .md, .html, .htm)")

    collected: list[Any] = []
    stdout_console = Console(highlight=False) if fmt == "rich" else None

    def emit(result: Any) -> None:
        if fmt == "jsonl":
            render.render_jsonl(result, sys.stdout)
        elif fmt == "json":
            collected.append(result)
        elif fmt == "text":
            render.render_text(result, sys.stdout, header=len(refs) > 1)
        elif fmt == "markdown":
            render.render_markdown(result, sys.stdout)
        elif stdout_console is not None:
            render.render_rich(result, stdout_console)

    def on_result(result: Any) -> None:
        if output_dir is not None:
            return
        if isinstance(reporter, BarReporter) and sys.stdout.isatty():
            with reporter.suspended():  # the bar and the results share one terminal
                emit(result)
        else:
            emit(result)

    runner = BatchRunner(
        pipeline,
        layout_for=(lambda rs: OutputLayout(output_dir, rs, ("summary", *pipeline.targets))) if output_dir else None,
        on_result=on_result,
        reporter=reporter,
        force=force,
        stdin=sys.stdin.buffer if sys.stdin is not None else None,
        max_words=max_words,
    )
    try:
        summary = runner.run(refs)
    finally:
        if isinstance(reporter, BarReporter):
            reporter.stop()
    if collected:
        render.render_json(collected, sys.stdout)
    if not quiet and (len(refs) > 1 or output_dir is not None or summary.interrupted):
        err.print(
            f"{summary.done} done, {summary.skipped} skipped, {summary.failed} failed in {_duration(summary.elapsed)}"
            + (" (interrupted)" if summary.interrupted else ""),
            highlight=False,
        )
    if summary.interrupted:
        return ExitStatus.INTERRUPTED
    if summary.unreadable and summary.unreadable == summary.total:
        return ExitStatus.NO_INPUT
    if summary.failed:
        return ExitStatus.PARTIAL_FAILURE
    if strict and summary.warned:
        return ExitStatus.QUALITY
    return ExitStatus.OK


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{seconds:.1f}s"
