"""The command group, the options its commands share, and the one place errors become exit codes."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from .. import __version__
from ..errors import ConfigError, InputError, ModelUnavailableError, SummarizeError
from ..status import ExitStatus

HELP = {"help_option_names": ["-h", "--help"]}


class MainGroup(click.Group):
    """A group whose default command is ``run``: ``summarize-cli [OPTIONS] [INPUT]...``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Route anything that is not a subcommand (or --version) to ``run``."""
        if not args or (args[0] not in self.commands and args[0] != "--version"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def fail(message: str, status: ExitStatus) -> NoReturn:
    """Say what went wrong in one line on stderr and exit with ``status``."""
    click.echo(f"summarize-cli: error: {message}", err=True)
    sys.exit(int(status))


def exit_for(exc: SummarizeError) -> ExitStatus:
    """The contract's exit status for a library error."""
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


@click.group(cls=MainGroup, context_settings=HELP)
@click.version_option(__version__, "--version", prog_name="summarize-cli")
def main() -> None:
    """Summarize news articles and translate the summary into Ukrainian, Korean and Russian."""


def log_to_stderr(quiet: bool, verbose: bool, console: Any = None) -> None:
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
