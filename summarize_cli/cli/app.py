"""The command group, the options its commands share, and the one place errors become exit codes."""

from __future__ import annotations

import difflib
import functools
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from .. import __version__
from ..errors import ConfigError, InputError, ModelUnavailableError, SummarizeError
from ..status import ExitStatus

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from ..types import Config

HELP = {"help_option_names": ["-h", "--help"]}
# What no subcommand means: the main job.
DEFAULT_COMMAND = "run"
F = TypeVar("F", bound=Callable[..., Any])


# The options every command takes, before or after its name: (names, takes a value).
SHARED_OPTIONS = {"-c": True, "--config": True, "--device": True, "--offline": False, "-q": False, "-v": False}
SHARED_OPTIONS |= {"--quiet": False, "--verbose": False}


def _shared_prefix(args: list[str]) -> int:
    """How many leading ``args`` are shared options and their values."""
    i = 0
    while i < len(args):
        arg = args[i]
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if name in SHARED_OPTIONS:
            i += 2 if SHARED_OPTIONS[name] and "=" not in arg else 1
        elif arg.startswith("-c") and not arg.startswith("--"):
            i += 1  # -cPATH
        elif len(arg) > 2 and arg[0] == "-" and set(arg[1:]) <= {"q", "v"}:
            i += 1  # -qv
        else:
            break
    return i


def _not_a_path(arg: str) -> bool:
    """Whether ``arg`` reads as a bare word (no option, folder, suffix or URL) that names no file here."""
    import os

    return not arg.startswith("-") and not any(c in arg for c in "/.:\\*?[") and not os.path.lexists(arg)


class _ToolContext(click.Context):
    """The main job's context: it reads as the tool itself, so usage errors point at `summarize-cli --help`."""

    @property
    def command_path(self) -> str:
        """``summarize-cli``, not ``summarize-cli run``."""
        return self.parent.command_path if self.parent is not None else super().command_path


class MainGroup(click.Group):
    """A group whose default command is ``run``: ``summarize-cli [OPTIONS] [INPUT]...``.

    Anything that is not a subcommand after the shared options is an input of the main job;
    an input named like a subcommand is given as ``./models`` or after ``--``.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the tool; click's own endings become the contract's: usage errors and Ctrl-C.

        A usage error says ``summarize-cli: error:`` like every other error (click says
        ``Error:``), and Ctrl-C in any command exits 130 (click says ``Aborted!`` and exits 1).
        """
        run = functools.partial(super().main, args, prog_name, complete_var, standalone_mode=False, **extra)
        if not standalone_mode:
            return run()
        try:
            status: Any = run()
        except click.Abort:
            click.echo("summarize-cli: interrupted", err=True)
            sys.exit(int(ExitStatus.INTERRUPTED))
        except click.ClickException as exc:
            show_click_error(exc)
            sys.exit(exc.exit_code)
        sys.exit(status if isinstance(status, int) else 0)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Register ``cmd``; the main job's usage errors and completions read as the tool's own."""
        super().add_command(cmd, name)
        if (name or cmd.name) == DEFAULT_COMMAND:
            cmd.context_class = _ToolContext

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The subcommands to list and complete: ``run`` is what no subcommand means, not one to name."""
        return [name for name in super().list_commands(ctx) if name != DEFAULT_COMMAND]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Route anything that is not a subcommand (or --version) after the shared options to ``run``."""
        rest = args[_shared_prefix(args) :]
        completing_a_name = ctx.resilient_parsing and not rest
        ours = rest and (rest[0] in self.commands or rest[0] in ("--version", *ctx.help_option_names))
        if rest and not ours and not ctx.resilient_parsing and _not_a_path(rest[0]):
            if rest[0] == "help":  # as git and pip read it
                click.echo(ctx.get_help())
                ctx.exit(0)
            near = difflib.get_close_matches(rest[0], self.list_commands(ctx), n=1, cutoff=0.7)
            if near:
                raise click.UsageError(
                    f"'{rest[0]}' is neither a command nor a file; did you mean '{near[0]}'? "
                    f"(a file of that name is given as ./{rest[0]})",
                    ctx=ctx,
                )
        if not completing_a_name and not ours:
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The main job's usage line, as --help opens with: what the tool is mostly called for."""
        formatter.write_usage(ctx.command_path, "[OPTIONS] [INPUT]...")

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The main job's help, with how the commands and the shared options combine."""
        run = self.commands[DEFAULT_COMMAND]
        with run.make_context(DEFAULT_COMMAND, [], parent=ctx, resilient_parsing=True) as sub:
            run.format_usage(sub, formatter)
            run.format_help_text(sub, formatter)
            self.format_help_text(ctx, formatter)
            options = [param for param in run.get_params(sub) if isinstance(param, click.Option)]
            records = [record for param in options if (record := param.get_help_record(sub))]
            # --version is the group's own option: listed with the rest, before -h/--help.
            records[-1:-1] = [
                record for param in self.params if param.name == "version" and (record := param.get_help_record(ctx))
            ]
            with formatter.section("Options"):
                formatter.write_dl(records)
            run.format_epilog(sub, formatter)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Subcommands and shared options, and the main job's own: its options and input files."""
        from click.shell_completion import CompletionItem

        items = super().shell_complete(ctx, incomplete)
        run = self.commands[DEFAULT_COMMAND]
        with run.make_context(DEFAULT_COMMAND, [], parent=ctx, resilient_parsing=True) as sub:
            known = {item.value for item in items}
            items += [item for item in run.shell_complete(sub, incomplete) if item.value not in known]
        if not incomplete.startswith("-"):
            items.append(CompletionItem(incomplete, type="file"))
        return items


def error_lines(message: str) -> list[str]:
    """``message`` as stderr lines, each starting ``summarize-cli: error:``."""
    return [f"summarize-cli: error: {line}" for line in message.splitlines() or [""]]


def show_click_error(exc: click.ClickException) -> None:
    """A usage error as click shows it (the usage and where to find help), with our error prefix."""
    ctx = exc.ctx if isinstance(exc, click.UsageError) else None
    if ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        if ctx.command.get_help_option(ctx) is not None:
            longest = max(ctx.command.get_help_option_names(ctx), key=len)
            click.echo(f"Try '{ctx.command_path} {longest}' for help.", err=True)
    for line in error_lines(exc.format_message()):
        click.echo(line, err=True)


def fail(message: str, status: ExitStatus) -> NoReturn:
    """Say what went wrong on stderr (a line, and advice where there is any) and exit with ``status``."""
    for line in error_lines(message):
        click.echo(line, err=True)
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


def _inherit(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A shared option given before the subcommand's name applies to it, unless given again after."""
    from click.core import ParameterSource

    name = param.name or ""
    if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
        return value
    parent = ctx.parent
    while parent is not None:
        if parent.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            return parent.params[name]
        parent = parent.parent
    return value


def _configured(ctx: click.Context) -> Config | None:
    """The configuration the command line names (-c, $SUMMARIZE_CLI_CONFIG, the lookup), for completion."""
    from ..config import load_config

    path: str | None = None
    node: click.Context | None = ctx
    while node is not None and path is None:
        path = node.params.get("config_path")
        node = node.parent
    try:
        return load_config(path)
    except SummarizeError:
        return None


def _complete(choices: Iterable[str], incomplete: str) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(c) for c in dict.fromkeys(choices) if c.startswith(incomplete)]


def complete_targets(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The configured target languages, one more after those already listed: ``-t uk,k`` gives ``uk,ko``."""
    config = _configured(ctx)
    if config is None:
        return []
    done, _, last = incomplete.rpartition(",")
    chosen = set(done.split(","))
    head = f"{done}," if done else ""
    return _complete([f"{head}{lang}" for lang in config.translators if lang not in chosen], f"{head}{last}")


def complete_languages(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The languages a text can be checked in: the source language and the configured targets."""
    config = _configured(ctx)
    return [] if config is None else _complete([config.source_language, *config.translators], incomplete)


def complete_source_languages(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The languages an article may be in: the source language and those with a pivot model."""
    config = _configured(ctx)
    return [] if config is None else _complete([config.source_language, *config.pivots], incomplete)


def complete_models(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The names ``models pull`` and ``models check`` take: summary and each configured language."""
    config = _configured(ctx)
    if config is None:
        return []
    chosen = set(ctx.params.get(param.name or "") or ())
    names = ["summary", *config.translators, *config.pivots]
    return _complete([n for n in names if n not in chosen], incomplete)


CONFIG_OPTION = click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(),  # a folder is refused by the config loader, as exit 4 like any unusable config
    envvar="SUMMARIZE_CLI_CONFIG",
    callback=_inherit,
    help="The models.toml to use (also $SUMMARIZE_CLI_CONFIG).",
)
DEVICE_OPTION = click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda", "mps"]),
    default="auto",
    show_default=True,
    callback=_inherit,
    help="Where models run; auto takes CUDA, then MPS, then the CPU.",
)
OFFLINE_OPTION = click.option(
    "--offline",
    is_flag=True,
    envvar="HF_HUB_OFFLINE",
    callback=_inherit,
    help="Never touch the network; models must be cached or local (also HF_HUB_OFFLINE=1).",
)
QUIET_OPTION = click.option("-q", "--quiet", is_flag=True, callback=_inherit, help="Only errors on stderr.")
VERBOSE_OPTION = click.option("-v", "--verbose", is_flag=True, callback=_inherit, help="More on stderr.")


def shared_options(command: F) -> F:
    """-c, --device, --offline, -q and -v: accepted by every command, before or after its name."""
    for option in (VERBOSE_OPTION, QUIET_OPTION, OFFLINE_OPTION, DEVICE_OPTION, CONFIG_OPTION):
        command = option(command)
    return command


@click.group(cls=MainGroup, context_settings=HELP)
@click.version_option(__version__, "--version", prog_name="summarize-cli")
@shared_options
def main(config_path: str | None, device: str, offline: bool, quiet: bool, verbose: bool) -> None:
    """The options -c, --device, --offline, -q and -v go before or after a command's name.

    An INPUT named like a command is given as ./models, or after --.
    """


class _LineFormatter(logging.Formatter):
    """``summarize-cli: note``, ``summarize-cli: warning: ...``, ``summarize-cli: error: ...``."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            return "\n".join(error_lines(message))
        if record.levelno >= logging.WARNING:
            return "\n".join(f"summarize-cli: warning: {line}" for line in message.splitlines())
        return f"summarize-cli: {message}"


def log_to_stderr(quiet: bool, verbose: bool, console: Any = None) -> None:
    """The library's own notes (a model being converted, a fallback) as plain stderr lines.

    With a rich ``console``, lines go through it, so that they print above a progress bar.
    """

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
    handler.setFormatter(_LineFormatter())
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO)
