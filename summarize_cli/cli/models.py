"""``summarize-cli models``: list, fetch and probe the configured models."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from ..errors import SummarizeError
from ..status import ExitStatus
from .app import HELP, complete_models, error_lines, exit_for, fail, log_to_stderr, main, shared_options

if TYPE_CHECKING:
    from ..types import Config

NAMES = click.argument("names", metavar="[LANG|summary]...", nargs=-1, shell_complete=complete_models)


@main.group(invoke_without_command=True, context_settings=HELP)
@shared_options
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "text", "json"]),
    help="Default: table on a terminal, else text.",
)
@click.pass_context
def models(
    ctx: click.Context,
    config_path: str | None,
    device: str,
    offline: bool,
    quiet: bool,
    verbose: bool,
    fmt: str | None,
) -> None:
    """List the configured models: role, language, model, backend, revision, whether cached, size."""
    if ctx.invoked_subcommand is not None:
        return
    from ..config import load_config
    from ..modelstore import configured, human_size, status

    try:
        config = load_config(config_path)
        rows = [status(spec) for spec in configured(config)]
    except SummarizeError as exc:
        fail(str(exc), exit_for(exc))
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
                        human_size(r.size_bytes),
                    ]
                )
            )
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Models from {config.path}", title_justify="left")
    for column in ("role", "language", "model", "backend", "revision", "local", "size"):
        # A narrow terminal folds the model id onto more lines rather than cutting it short.
        table.add_column(
            column,
            justify="right" if column == "size" else "left",
            overflow="fold" if column in ("model", "revision") else "ellipsis",
            no_wrap=column not in ("model", "revision"),
        )
    for r in rows:
        s = r.spec
        table.add_row(
            Text(s.role),
            Text(s.language),
            Text(s.model),  # a path is text, never markup
            s.backend,
            Text(s.revision or "-"),
            "[green]yes[/green]" if r.available else "[red]no[/red]",
            human_size(r.size_bytes),
        )
    Console().print(table)


@models.command("pull", context_settings=HELP)
@NAMES
@shared_options
def models_pull(
    names: tuple[str, ...], config_path: str | None, device: str, offline: bool, quiet: bool, verbose: bool
) -> None:
    """Download the configured models (all by default) so that --offline runs work.

    Models that run with CTranslate2 on DEVICE are converted too. Files already in the
    cache are not downloaded again: after an interruption, a new pull resumes where it stopped.
    With --offline nothing is downloaded: the cached models are checked and converted.
    """
    from ..backends.device import resolve_device
    from ..backends.hf import hub_progress_bars, unavailable_message
    from ..config import load_config
    from ..errors import ModelUnavailableError
    from ..modelstore import Download, cached_snapshot, configured, human_size, local_folder, pull
    from ..registry import choose_backend

    if quiet:
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    log_to_stderr(quiet, verbose)
    hub_progress_bars()

    def announce(download: Download) -> None:
        if quiet:
            return
        s = download.spec
        size = "already cached" if download.missing_bytes == 0 else f"{human_size(download.missing_bytes)} to fetch"
        click.echo(f"summarize-cli: {s.role} model {s.model}: {size} (of {human_size(download.size_bytes)})", err=True)

    try:
        specs = configured(_known(load_config(config_path), names), names)
        where = resolve_device(device)
        for spec in specs:
            if offline:
                cached = local_folder(spec) if spec.is_local else cached_snapshot(spec)
                if cached is None:
                    raise ModelUnavailableError(unavailable_message(spec, offline, FileNotFoundError(spec.model)))
                folder = cached
            else:
                folder = pull(spec, announce)
            if choose_backend(spec, where) == "ctranslate2":
                from ..backends.ct2 import default_compute_type, ensure_converted

                folder = ensure_converted(spec, spec.compute_type or default_compute_type(where), offline=offline)
            click.echo(f"{spec.model}\t{folder}")
    except SummarizeError as exc:
        fail(str(exc), exit_for(exc))
    except KeyboardInterrupt:
        click.echo(
            "summarize-cli: interrupted; what was downloaded is kept, and `summarize-cli models pull` resumes from there",
            err=True,
        )
        sys.exit(int(ExitStatus.INTERRUPTED))


@models.command("check", context_settings=HELP)
@NAMES
@shared_options
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def models_check(
    names: tuple[str, ...],
    config_path: str | None,
    device: str,
    offline: bool,
    quiet: bool,
    verbose: bool,
    fmt: str,
) -> None:
    """Load each model and run a short probe: load time, unknown tokens, language, output.

    Exits 5 when a model cannot be loaded, 1 when one loads but fails the probe.
    """
    from ..config import load_config
    from ..modelstore import configured
    from ..probe import check_model
    from ..registry import ModelRegistry

    log_to_stderr(quiet, verbose)
    try:
        specs = configured(_known(load_config(config_path), names), names)
        registry = ModelRegistry(device=device, offline=offline)
        reports = [check_model(spec, registry.get) for spec in specs]
    except SummarizeError as exc:
        fail(str(exc), exit_for(exc))
    if fmt == "json":
        import json

        click.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for r in reports:
            s = r.spec
            head = f"{'ok' if r.ok else 'FAIL'}\t{s.role} {s.language}\t{s.model}"
            if r.loaded:
                head += f"\tloaded in {r.load_seconds:.1f} s ({r.backend})"
            if r.unknown_share is not None:
                head += f", unknown tokens {r.unknown_share:.1%}"
            click.echo(head)
            if r.note is not None:
                click.echo(f"    note: {r.note}")
            if r.output is not None:
                click.echo(f"    output: {r.output}")
            for problem in r.problems:
                click.echo(f"    problem: {problem.splitlines()[0]}")  # the advice comes once, below
    unloaded = [r for r in reports if not r.loaded]
    if unloaded:
        for line in error_lines(unloaded[0].error or "a model could not be loaded"):
            click.echo(line, err=True)
        sys.exit(int(ExitStatus.MODEL_UNAVAILABLE))
    sys.exit(int(ExitStatus.OK if all(r.ok for r in reports) else ExitStatus.PARTIAL_FAILURE))


def _known(config: Config, names: tuple[str, ...]) -> Config:
    """``config``, once every name given is one it configures; else a usage error that lists them."""
    known = sorted({"summary", *config.translators, *config.pivots})
    unknown = [name for name in names if name not in known]
    if unknown:
        raise click.UsageError(
            f"no model is configured for {', '.join(unknown)} in {config.path}; choose from {', '.join(known)}",
            ctx=click.get_current_context(),
        )
    return config
