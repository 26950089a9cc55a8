"""``summarize-cli [OPTIONS] [INPUT]...``: the main job, from click options to an exit status."""

from __future__ import annotations

import dataclasses
import functools
import io
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from ..errors import InputError, Stopped, SummarizeError
from ..render import FORMATS
from ..sources import DEFAULT_MAX_BYTES, DEFAULT_MAX_WORDS, InputRef, Limits
from ..status import ExitStatus
from ..storage import Location, ObjectPath, is_object_url, location
from .app import (
    CONFIG_OPTION,
    DEVICE_OPTION,
    HELP,
    OFFLINE_OPTION,
    complete_source_languages,
    complete_targets,
    exit_for,
    fail,
    log_to_stderr,
    main,
)

if TYPE_CHECKING:
    from ..batch import RunSummary
    from ..pipeline import RunOptions, SummaryChoice

EXAMPLES = """\
\b
Examples:
  summarize-cli article.txt                    summary and translations in the terminal
  summarize-cli -f json article.txt | jq .translations.uk
  pbpaste | summarize-cli -t uk --no-summary   translate the copied article itself (macOS;
                                               xclip -o or wl-paste on Linux, any pipe works)
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


_SIZE_UNITS = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3}


def _parse_size(ctx: click.Context, param: click.Parameter, value: str | int) -> int:
    """A size in bytes, with an optional K, M or G (powers of 1000): ``20M`` is 20,000,000."""
    if isinstance(value, int):
        return value
    text = value.strip().lower().removesuffix("b")
    unit = text[-1:] if text[-1:] in _SIZE_UNITS else ""
    try:
        size = int(float(text[: len(text) - len(unit)]) * _SIZE_UNITS[unit])
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a size (for example 500K, 20M, 1G)") from None
    if size < 1:
        raise click.BadParameter("must be at least 1 byte")
    return size


def _parse_targets(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    targets = tuple(dict.fromkeys(t.strip() for t in value.split(",") if t.strip()))
    if not targets:
        raise click.BadParameter("give at least one language, e.g. uk,ko,ru", param_hint="'-t/--to'")
    return targets


@main.command("run", cls=RunCommand, epilog=EXAMPLES, context_settings=HELP)
@click.argument("inputs", metavar="[INPUT]...", nargs=-1, type=click.Path(allow_dash=True, readable=False))
@click.option(
    "-t",
    "--to",
    "targets",
    metavar="LANGS",
    help="Target languages, comma-separated (default: config).",
    shell_complete=complete_targets,
)
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
    "--from",
    "source_language",
    metavar="LANG",
    help="The articles' language (default: detected per article).",
    shell_complete=complete_source_languages,
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format (default: rich on a terminal, else text). json is one object for one file, URL or stdin, "
    "and an array for a folder, a pattern or several inputs.",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False),
    callback=lambda ctx, param, value: _output_location(value),
    help="Write results to files here (a folder, or an object-store prefix such as s3://bucket/results).",
)
@click.option("--force", is_flag=True, help="With -o: redo inputs whose results are already there.")
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Run here, or on Ray Data (the cluster RAY_ADDRESS names, else a local Ray); needs summarize-cli[ray].",
)
@click.option(
    "--workers",
    type=click.IntRange(1),
    metavar="N",
    help="With --engine ray: how many model actors (default: one per GPU, or one per machine on CPUs).",
)
@CONFIG_OPTION
@DEVICE_OPTION
@OFFLINE_OPTION
@click.option("--strict", is_flag=True, help="Exit 6 when a quality check raised a warning.")
@click.option(
    "--glossary",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Style glossary (TSV or CSV, a header of language codes); replaces the config's.",
)
@click.option("--evidence", is_flag=True, help="Show each summary sentence's source sentence (rich, markdown).")
@click.option("--verify", is_flag=True, help="Translate each translation back and score the round trip (chrF).")
@click.option(
    "--max-words",
    type=click.IntRange(1),
    default=DEFAULT_MAX_WORDS,
    show_default=True,
    help="Refuse longer articles (they are never truncated).",
)
@click.option(
    "--max-bytes",
    callback=_parse_size,
    default=str(DEFAULT_MAX_BYTES),
    metavar="SIZE",
    help="Refuse larger files before reading them (K, M, G accepted).  [default: 20M]",
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
    output_dir: Location | None,
    force: bool,
    engine: str,
    workers: int | None,
    config_path: str | None,
    device: str,
    offline: bool,
    strict: bool,
    glossary: str | None,
    evidence: bool,
    verify: bool,
    max_words: int,
    max_bytes: int,
    quiet: bool,
    verbose: bool,
) -> None:
    """Summarize each INPUT and translate the summary.

    INPUT is a file, a folder (every .txt, .md, .html, .htm under it) or - for standard
    input; with no INPUT, piped standard input is read.
    """
    ctx = click.get_current_context()
    if sys.stdout is None and output_dir is None:
        raise click.UsageError("standard output is closed, and the results would go there; give -o DIR for files")
    _usable_streams()
    if no_summary and summary_mode == "extractive":
        raise click.UsageError("--no-summary and --summary extractive contradict each other")
    if no_summary and no_translate:
        raise click.UsageError("--no-summary with --no-translate leaves nothing to do; use `summarize-cli dedupe`")
    if not inputs:
        if sys.stdin is None or sys.stdin.isatty():
            raise click.UsageError("give an INPUT file or folder, or pipe an article in", ctx=ctx)
        inputs = ("-",)
    stdout_tty = sys.stdout.isatty()
    fmt = fmt or ("rich" if stdout_tty else "text")
    options = _run_options(targets, no_translate, no_summary, summary_mode, sentences, device, offline)
    if source_language:
        options = dataclasses.replace(options, source_language=source_language.strip().lower())
    options = dataclasses.replace(options, glossary=glossary, verify=verify)
    if output_dir is not None:
        out = output_dir.resolve()
        if any(Path(i).is_dir() and Path(i).resolve() == out for i in inputs) or out in _object_inputs(inputs):
            raise click.UsageError("the output folder must not be an input folder; choose another -o")
    _check_optional_support(inputs, output_dir, engine, workers)
    limits = Limits(max_words=max_words, max_bytes=max_bytes)
    with _stop_signals_as_interrupts():
        try:
            status = _run(
                inputs,
                options,
                fmt,
                output_dir,
                force,
                config_path,
                strict,
                limits,
                quiet,
                verbose,
                evidence=evidence,
                engine=engine,
                workers=workers,
            )
        except KeyboardInterrupt as exc:
            click.echo("summarize-cli: interrupted", err=True)
            sys.exit(int(_status_for_signal(exc.signum if isinstance(exc, Stopped) else signal.SIGINT)))
        except SummarizeError as exc:
            if verbose:
                import traceback

                traceback.print_exc()
            fail(str(exc), exit_for(exc))
    sys.exit(int(status))


def _output_location(value: str | None) -> Location | None:
    """``-o`` as a local folder or an object-store prefix (``s3://bucket/results``)."""
    return None if value is None else location(value)


def _object_inputs(inputs: Sequence[str]) -> list[ObjectPath]:
    return [ObjectPath.parse(raw) for raw in inputs if is_object_url(raw)]


def _check_optional_support(
    inputs: Sequence[str], output_dir: Location | None, engine: str, workers: int | None
) -> None:
    """Name the optional package a run needs (Ray, an object store's filesystem) before any work."""
    if workers is not None and engine != "ray":
        raise click.UsageError("--workers goes with --engine ray")
    if engine == "ray":
        from ..ray_engine import RAY_EXTRA, ray_installed

        if not ray_installed():
            raise click.UsageError(f"--engine ray needs Ray: pip install '{RAY_EXTRA}'")
    urls = _object_inputs(inputs) + ([output_dir] if isinstance(output_dir, ObjectPath) else [])
    if urls:
        from ..storage import missing_support

        for url in urls:
            problem = missing_support(str(url))
            if problem is not None:
                raise click.UsageError(problem)


def _usable_streams() -> None:
    """A closed stdout or stderr (``>&-``) becomes a sink, and stderr never fails a run.

    Results with ``-o`` are in files; what the run says on the way is worth less than the run.
    """
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    if not isinstance(sys.stderr, _ForgivingStream):
        sys.stderr = _ForgivingStream(sys.stderr)


class _ForgivingStream(io.TextIOBase):
    """A text stream whose writes never raise: a reader that went away loses the messages, not the run."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    def write(self, text: str) -> int:
        """Write, or drop the text if the stream is gone."""
        try:
            return self._stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        """Flush, ignoring a stream that is gone."""
        with suppress(OSError, ValueError):
            self._stream.flush()

    def isatty(self) -> bool:
        """Whether the stream is a terminal."""
        try:
            return self._stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        """The stream's file descriptor."""
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """The stream's encoding."""
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"


_SIGNAL_STATUS = {"SIGINT": ExitStatus.INTERRUPTED, "SIGTERM": ExitStatus.TERMINATED, "SIGHUP": ExitStatus.HUNG_UP}


def _status_for_signal(signum: int) -> ExitStatus:
    return _SIGNAL_STATUS.get(signal.Signals(signum).name, ExitStatus.INTERRUPTED)


@contextmanager
def _stop_signals_as_interrupts() -> Iterator[None]:
    """SIGTERM and SIGHUP stop a run as Ctrl-C does: finished outputs kept, a closing line, their own status."""
    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Stopped(signum)

    previous = {name: signal.signal(getattr(signal, name), stop) for name in names}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


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
    output_dir: Location | None,
    force: bool,
    config_path: str | None,
    strict: bool,
    limits: Limits,
    quiet: bool,
    verbose: bool,
    *,
    evidence: bool = False,
    engine: str = "local",
    workers: int | None = None,
) -> ExitStatus:
    from rich.console import Console

    from .. import render
    from ..batch import BatchRunner, OutputLayout
    from ..config import load_config
    from ..pipeline import Pipeline
    from ..progress import BarReporter, ConsoleReporter
    from ..registry import ModelRegistry
    from ..sources import expand_inputs, is_glob

    if options.offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
    if quiet:
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    config = load_config(config_path)
    unknown = [lang for lang in options.targets or () if lang not in config.translators]
    if unknown:
        configured = ", ".join(sorted(config.translators)) or "none"
        raise click.BadParameter(
            f"no model is configured for {', '.join(unknown)} in {config.path}; configured targets: {configured}",
            param_hint="'-t/--to'",
        )
    readable = [config.source_language, *config.pivots]
    if options.source_language is not None and options.source_language not in readable:
        raise click.BadParameter(
            f"articles in {options.source_language} need a pivot model into {config.source_language}, and "
            f"{config.path} has none ([translation.pivot.{options.source_language}]); "
            f"languages it reads: {', '.join(readable)}",
            param_hint="'--from'",
        )
    err = Console(stderr=True, highlight=False)
    log_to_stderr(quiet, verbose, err)
    if not verbose:
        import warnings

        # torch's and transformers' advice to developers (pickle protocols, deprecations) is not for a journalist.
        warnings.filterwarnings("ignore", category=UserWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
    show_warnings = output_dir is not None or fmt not in ("rich", "markdown")
    reporter_cls = BarReporter if err.is_terminal and not quiet else ConsoleReporter
    reporter = reporter_cls(err, verbose=verbose, quiet=quiet, show_warnings=show_warnings)
    registry = ModelRegistry(device=options.device, offline=options.offline)
    if isinstance(reporter, BarReporter):
        registry.loader = reporter.around(registry.loader)  # download bars need the terminal to themselves
    if verbose:
        registry.on_load = lambda spec: err.print(f"loading {spec.role} model {spec.model}", markup=False)
    pipeline = Pipeline(config, options, registry)

    def start_loading() -> None:
        registry.prefetch([config.summarizer])  # loads while the inputs are read and cleaned

    warm_up: Callable[[], None] | None = None
    if options.summary == "abstractive" and engine == "local":
        if output_dir is None:
            start_loading()  # every input is work: at once
        else:
            warm_up = start_loading  # at the first input not done before: a rerun may have none

    refs = [ref for ref in expand_inputs(inputs) if not _is_own_output(ref, output_dir)]
    if not refs:
        if fmt == "json" and output_dir is None:
            _print_json([], as_array=True)  # a folder gives an array, an empty one too
        raise InputError(", ".join(inputs), "holds no articles (.txt, .md, .html, .htm)")
    # One file, URL or stdin gives one JSON object; a folder, a pattern or several inputs an array.
    one_object = len(inputs) == 1 and not Path(inputs[0]).is_dir() and not is_glob(inputs[0])
    one_object = one_object and not (refs[0].remote is not None and refs[0].remote_root is not None)

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
            render.render_markdown(result, sys.stdout, evidence=evidence)
        elif stdout_console is not None:
            render.render_rich(result, stdout_console, evidence=evidence)

    def on_result(result: Any) -> None:
        if output_dir is not None:
            return
        try:
            if isinstance(reporter, BarReporter) and sys.stdout.isatty():
                with reporter.suspended():  # the bar and the results share one terminal
                    emit(result)
            else:
                emit(result)
        except BrokenPipeError:
            # The reader went away (`| head`): nobody is left to read results, so stop quietly.
            _silence_stdout()
            raise _ReaderGone from None

    runner_cls: Callable[..., BatchRunner] = BatchRunner
    if engine == "ray":
        from ..ray_engine import RayRunner

        runner_cls = functools.partial(RayRunner, workers=workers, ordered=output_dir is None)
    runner = runner_cls(
        pipeline,
        layout_for=(lambda rs: OutputLayout(output_dir, rs, ("summary", *pipeline.targets))) if output_dir else None,
        on_result=on_result,
        reporter=reporter,
        force=force,
        stdin=sys.stdin.buffer if sys.stdin is not None else None,
        limits=limits,
        warm_up=warm_up,
    )
    try:
        summary = runner.run(refs)
    except _ReaderGone:
        return ExitStatus.PARTIAL_FAILURE
    finally:
        if isinstance(reporter, BarReporter):
            reporter.stop()
    if fmt == "json" and (collected or not one_object):
        _print_json(collected, as_array=not one_object)
    _closing_lines(err, summary, len(refs), output_dir, quiet)
    if summary.aborted is not None:
        raise summary.aborted
    if summary.interrupted:
        return _status_for_signal(summary.stop_signal or signal.SIGINT)
    if summary.unreadable and summary.unreadable == summary.total:
        return ExitStatus.NO_INPUT
    if summary.failed:
        return ExitStatus.PARTIAL_FAILURE
    if strict and summary.warned:
        return ExitStatus.QUALITY
    return ExitStatus.OK


def _print_json(results: Sequence[Any], *, as_array: bool) -> None:
    """The one JSON document of ``-f json`` on stdout; a reader that went away is no error."""
    from .. import render

    try:
        render.render_json(results, sys.stdout, as_array=as_array)
    except BrokenPipeError:
        _silence_stdout()


class _ReaderGone(Exception):
    """Standard output was closed by its reader."""


def _silence_stdout() -> None:
    # Python flushes stdout at exit; a closed pipe would make that flush print a traceback.
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    finally:
        os.close(devnull)


def _is_own_output(ref: InputRef, output_dir: Location | None) -> bool:
    """Whether ``ref`` was found in a folder that holds the output folder, below that output folder.

    With ``-o DIR/out DIR`` the results of an earlier run are not read back as articles; with
    ``-o . articles/`` the input folder is inside the output folder, and its articles are inputs.
    The same holds for prefixes in an object store.
    """
    if isinstance(output_dir, ObjectPath):
        if ref.remote is None or ref.remote_root is None:
            return False
        return output_dir.is_relative_to(ref.remote_root) and ref.remote.is_relative_to(output_dir)
    if output_dir is None or ref.path is None or ref.root is None:
        return False
    try:
        out, root, found_in = output_dir.resolve(), ref.root.resolve(), ref.path.parent.resolve()
    except OSError:  # a path too long to resolve: reading it will say so
        return False
    # Found in a folder below the output folder, reached through the input folder (directly or
    # by a folder link), and not because the whole input folder lies inside the output folder.
    # A link to one article that lies there is still an input.
    return found_in.is_relative_to(out) and not root.is_relative_to(out)


def _closing_lines(err: Any, summary: RunSummary, inputs: int, output_dir: Location | None, quiet: bool) -> None:
    """``N done, N skipped, N failed in T``, why the failures failed, and where they are listed."""
    if quiet or not (inputs > 1 or output_dir is not None or summary.interrupted or summary.aborted):
        return
    if summary.aborted is not None and not (summary.done or summary.skipped or summary.failed):
        return  # stopped before any article: the error that follows says it all
    line = f"{summary.done} done, {summary.skipped} skipped, {summary.failed} failed in {_duration(summary.elapsed)}"
    if summary.interrupted:
        line += " (interrupted; finished results are kept, run again to go on)"
    elif summary.aborted is not None:
        line += " (stopped early; finished results are kept)"
    err.print(line, markup=False, highlight=False, soft_wrap=True)
    reasons = summary.reasons()
    for reason, count in reasons[:_REASONS_SHOWN]:
        err.print(f"  {count} failed: {reason}", markup=False, highlight=False, soft_wrap=True)
    if len(reasons) > _REASONS_SHOWN:
        err.print(f"  ... and {len(reasons) - _REASONS_SHOWN} other reasons", markup=False, highlight=False)
    if summary.failures_file is not None:
        err.print(f"failures are listed in {summary.failures_file}", markup=False, highlight=False, soft_wrap=True)


# Distinct failure reasons listed under the closing line; failures.jsonl has them all.
_REASONS_SHOWN = 8


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{seconds:.1f}s"
