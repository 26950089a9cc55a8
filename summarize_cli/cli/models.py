"""``summarize-cli models``: list, fetch and probe the configured models."""

from __future__ import annotations

import sys

import click

from ..errors import SummarizeError
from ..status import ExitStatus
from .app import CONFIG_OPTION, DEVICE_OPTION, HELP, OFFLINE_OPTION, exit_for, fail, log_to_stderr, main


def _human_size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


@main.group(invoke_without_command=True, context_settings=HELP)
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
    from ..config import load_config
    from ..modelstore import configured, status

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
    from ..backends.device import resolve_device
    from ..config import load_config
    from ..modelstore import configured, pull
    from ..registry import choose_backend

    log_to_stderr(quiet=False, verbose=False)
    try:
        specs = configured(load_config(config_path), names)
        where = resolve_device(device)
        for spec in specs:
            click.echo(f"fetching {spec.role} model {spec.model}", err=True)
            folder = pull(spec)
            if choose_backend(spec, where) == "ctranslate2":
                from ..backends.ct2 import default_compute_type, ensure_converted

                folder = ensure_converted(spec, spec.compute_type or default_compute_type(where), offline=False)
            click.echo(f"{spec.model}\t{folder}")
    except SummarizeError as exc:
        fail(str(exc), exit_for(exc))


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
    from ..config import load_config
    from ..modelstore import configured
    from ..probe import check_model
    from ..registry import ModelRegistry

    log_to_stderr(quiet=False, verbose=False)
    try:
        specs = configured(load_config(config_path), names)
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
                click.echo(f"    problem: {problem}")
    if any(not r.loaded for r in reports):
        sys.exit(int(ExitStatus.MODEL_UNAVAILABLE))
    sys.exit(int(ExitStatus.OK if all(r.ok for r in reports) else ExitStatus.PARTIAL_FAILURE))
