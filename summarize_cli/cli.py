"""The command line: click options become RunOptions, errors become exit codes. Nothing else."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__
from .errors import ConfigError, InputError, ModelUnavailableError, SummarizeError
from .render import FORMATS
from .sources import DEFAULT_MAX_WORDS
from .status import ExitStatus

if TYPE_CHECKING:
    from .pipeline import RunOptions, SummaryChoice

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


class MainGroup(click.Group):
    """A group whose default command is ``run``: ``summarize-cli [OPTIONS] [INPUT]...``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Route anything that is not a subcommand (or --version) to ``run``."""
        if not args or (args[0] not in self.commands and args[0] != "--version"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


class RunCommand(click.Command):
    """The main job; its usage line reads as the tool's own."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``Usage: summarize-cli [OPTIONS] [INPUT]...``."""
        prog = ctx.parent.command_path if ctx.parent else ctx.command_path
        formatter.write_usage(prog, "[OPTIONS] [INPUT]...")


def _fail(message: str, status: ExitStatus) -> NoReturn:
    click.echo(f"summarize-cli: error: {message}", err=True)
    sys.exit(int(status))


def _exit_for(exc: SummarizeError) -> ExitStatus:
    if isinstance(exc, ConfigError):
        return ExitStatus.CONFIG
    if isinstance(exc, ModelUnavailableError):
        return ExitStatus.MODEL_UNAVAILABLE
    if isinstance(exc, InputError):
        return ExitStatus.NO_INPUT
    return ExitStatus.PARTIAL_FAILURE


CONFIG_OPTION = click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="SUMMARIZE_CLI_CONFIG",
    help="The models.toml to use (also $SUMMARIZE_CLI_CONFIG).",
)
DEVICE_OPTION = click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda", "mps"]),
    default="auto",
    show_default=True,
    help="Where models run; auto takes CUDA, then MPS, then the CPU.",
)
OFFLINE_OPTION = click.option(
    "--offline",
    is_flag=True,
    envvar="HF_HUB_OFFLINE",
    help="Never touch the network; models must be cached or local (also HF_HUB_OFFLINE=1).",
)


@click.group(cls=MainGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="summarize-cli")
def main() -> None:
    """Summarize news articles and translate the summary into Ukrainian, Korean and Russian."""


def _parse_targets(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    targets = tuple(dict.fromkeys(t.strip() for t in value.split(",") if t.strip()))
    if not targets:
        raise click.BadParameter("give at least one language, e.g. uk,ko,ru", param_hint="'-t/--to'")
    return targets


@main.command("run", cls=RunCommand, epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
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
        _fail(str(exc), _exit_for(exc))
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
    from .pipeline import RunOptions

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

    from . import render
    from .batch import BatchRunner, OutputLayout
    from .config import load_config
    from .pipeline import Pipeline
    from .progress import BarReporter, ConsoleReporter
    from .registry import ModelRegistry
    from .sources import expand_inputs

    if options.offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
    if quiet:
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    config = load_config(config_path)
    err = Console(stderr=True, highlight=False)
    _log_to_stderr(quiet, verbose, err)
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


def _log_to_stderr(quiet: bool, verbose: bool, console: Any = None) -> None:
    """The library's own notes (a model being converted, a fallback) as plain stderr lines.

    With a rich ``console``, lines go through it, so that they print above a progress bar.
    """
    import logging

    class ConsoleHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            line = self.format(record)
            if console is not None:
                console.print(line, markup=False, highlight=False, soft_wrap=True)
            else:
                click.echo(line, err=True)

    logger = logging.getLogger("summarize_cli")
    for old in [h for h in logger.handlers if isinstance(h, logging.Handler) and h.get_name() == "summarize-cli"]:
        logger.removeHandler(old)
    handler = ConsoleHandler()
    handler.set_name("summarize-cli")
    handler.setFormatter(logging.Formatter("summarize-cli: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{seconds:.1f}s"


@main.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("inputs", metavar="[INPUT]...", nargs=-1, type=click.Path(allow_dash=True))
def dedupe(inputs: tuple[str, ...]) -> None:
    """Print the cleaned, deduplicated text of each INPUT (no models are loaded)."""
    from .cleaning import clean
    from .sources import expand_inputs, iter_articles

    if not inputs:
        if sys.stdin is None or sys.stdin.isatty():
            raise click.UsageError("give an INPUT file or folder, or pipe text in")
        inputs = ("-",)
    refs = expand_inputs(inputs)
    failed = 0
    for article in iter_articles(refs, sys.stdin.buffer if sys.stdin is not None else None):
        if isinstance(article, InputError):
            failed += 1
            click.echo(f"summarize-cli: error: {article}", err=True)
            continue
        cleaned = clean(article)
        if len(refs) > 1:
            click.echo(f"==> {article.source} <==")
        click.echo(cleaned.text)
        stats = cleaned.stats
        click.echo(
            f"{article.source}: {stats.lines_in} lines in, {stats.lines_out} out, "
            f"{stats.duplicates_removed} repeated removed",
            err=True,
        )
    if refs and failed == len(refs):
        sys.exit(int(ExitStatus.NO_INPUT))
    sys.exit(int(ExitStatus.PARTIAL_FAILURE if failed else ExitStatus.OK))


def _human_size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


@main.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@CONFIG_OPTION
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "text", "json"]),
    help="Default: table on a terminal, else text.",
)
@click.pass_context
def models(ctx: click.Context, config_path: str | None, fmt: str | None) -> None:
    """List the configured models: role, language, model, backend, revision, whether cached, size."""
    ctx.obj = config_path
    if ctx.invoked_subcommand is not None:
        return
    from .config import load_config
    from .modelstore import configured, status

    try:
        config = load_config(config_path)
        rows = [status(spec) for spec in configured(config)]
    except SummarizeError as exc:
        _fail(str(exc), _exit_for(exc))
    fmt = fmt or ("table" if sys.stdout.isatty() else "text")
    if fmt == "json":
        import json

        click.echo(json.dumps({"config": config.path, "models": [r.as_dict() for r in rows]}, indent=2))
        return
    if fmt == "text":
        for r in rows:
            s = r.spec
            click.echo(
                "\t".join(
                    [
                        s.role,
                        s.language,
                        s.model,
                        s.backend,
                        s.revision or "-",
                        "available" if r.available else "missing",
                        _human_size(r.size_bytes),
                    ]
                )
            )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Models from {config.path}", title_justify="left")
    for column in ("role", "language", "model", "backend", "revision", "local", "size"):
        table.add_column(column, justify="right" if column == "size" else "left")
    for r in rows:
        s = r.spec
        table.add_row(
            s.role,
            s.language,
            s.model,
            s.backend,
            s.revision or "-",
            "[green]yes[/green]" if r.available else "[red]no[/red]",
            _human_size(r.size_bytes),
        )
    Console().print(table)


@models.command("pull")
@click.argument("names", metavar="[LANG|summary]...", nargs=-1)
@DEVICE_OPTION
@click.pass_obj
def models_pull(config_path: str | None, names: tuple[str, ...], device: str) -> None:
    """Download the configured models (all by default) so that --offline runs work.

    Models that run with CTranslate2 on DEVICE are converted too. Files already in the
    cache are not downloaded again.
    """
    from .backends.device import resolve_device
    from .config import load_config
    from .modelstore import configured, pull
    from .registry import choose_backend

    _log_to_stderr(quiet=False, verbose=False)
    try:
        specs = configured(load_config(config_path), names)
        where = resolve_device(device)
        for spec in specs:
            click.echo(f"fetching {spec.role} model {spec.model}", err=True)
            folder = pull(spec)
            if choose_backend(spec, where) == "ctranslate2":
                from .backends.ct2 import default_compute_type, ensure_converted

                folder = ensure_converted(spec, spec.compute_type or default_compute_type(where), offline=False)
            click.echo(f"{spec.model}\t{folder}")
    except SummarizeError as exc:
        _fail(str(exc), _exit_for(exc))


@models.command("check")
@click.argument("names", metavar="[LANG|summary]...", nargs=-1)
@DEVICE_OPTION
@OFFLINE_OPTION
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def models_check(config_path: str | None, names: tuple[str, ...], device: str, offline: bool, fmt: str) -> None:
    """Load each model and run a short probe: load time, unknown tokens, language, output.

    Exits 5 when a model cannot be loaded, 1 when one loads but fails the probe.
    """
    from .config import load_config
    from .modelstore import configured
    from .probe import check_model
    from .registry import ModelRegistry

    _log_to_stderr(quiet=False, verbose=False)
    try:
        specs = configured(load_config(config_path), names)
        registry = ModelRegistry(device=device, offline=offline)
        reports = [check_model(spec, registry.get) for spec in specs]
    except SummarizeError as exc:
        _fail(str(exc), _exit_for(exc))
    if fmt == "json":
        import json

        click.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for r in reports:
            s = r.spec
            head = f"{'ok' if r.ok else 'FAIL'}\t{s.role} {s.language}\t{s.model}"
            if r.loaded:
                head += f"\tloaded in {r.load_seconds:.1f} s ({r.backend}), unknown tokens {r.unknown_share:.1%}"
            click.echo(head)
            if r.output is not None:
                click.echo(f"    output: {r.output}")
            for problem in r.problems:
                click.echo(f"    problem: {problem}")
    if any(not r.loaded for r in reports):
        sys.exit(int(ExitStatus.MODEL_UNAVAILABLE))
    sys.exit(int(ExitStatus.OK if all(r.ok for r in reports) else ExitStatus.PARTIAL_FAILURE))


@main.command("check", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("source", type=click.Path(allow_dash=True))
@click.argument("text", type=click.Path(allow_dash=True))
@click.option("-l", "--language", required=True, help="Language of TEXT: en for a summary, else a translation's.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(source: str, text: str, language: str, fmt: str) -> None:
    """Run the output checks on TEXT against SOURCE; exit 6 when any warning is raised.

    \b
    summarize-cli check article.txt summary.txt --language en
    summarize-cli check summary.txt summary.uk.txt --language uk
    """
    from . import checks
    from .cleaning import clean
    from .sources import InputRef, read_article

    def load(name: str) -> str:
        ref = InputRef("<stdin>") if name == "-" else InputRef(name, Path(name))
        return clean(read_article(ref, sys.stdin.buffer if sys.stdin is not None else None)).text

    try:
        warnings = checks.check_text(load(source), load(text), language)
    except SummarizeError as exc:
        _fail(str(exc), _exit_for(exc))
    if fmt == "json":
        import json

        click.echo(json.dumps([w.as_dict() for w in warnings], ensure_ascii=False, indent=2))
    else:
        for w in warnings:
            click.echo(f"{w.code}: {w.message}")
        if not warnings:
            click.echo("no warnings", err=True)
    sys.exit(int(ExitStatus.QUALITY if warnings else ExitStatus.OK))
