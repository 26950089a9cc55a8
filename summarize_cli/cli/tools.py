"""``summarize-cli dedupe`` and ``summarize-cli check``: the text tools that need no model."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError, SummarizeError
from ..status import ExitStatus
from .app import HELP, complete_languages, exit_for, fail, main, shared_options


@main.command(context_settings=HELP)
@click.argument("inputs", metavar="[INPUT]...", nargs=-1, type=click.Path(allow_dash=True, readable=False))
@shared_options
def dedupe(
    inputs: tuple[str, ...], config_path: str | None, device: str, offline: bool, quiet: bool, verbose: bool
) -> None:
    """Print the cleaned, deduplicated text of each INPUT (no models are loaded).

    Of the shared options only -q matters here: it drops the line counts on stderr.
    """
    from ..cleaning import clean
    from ..sources import Limits, expand_inputs, iter_articles

    if not inputs:
        if sys.stdin is None or sys.stdin.isatty():
            raise click.UsageError("give an INPUT file or folder, or pipe text in")
        inputs = ("-",)
    refs = expand_inputs(inputs)
    failed = 0
    # No word limit: cleaning is cheap; the byte limit still refuses a disk image at once.
    limits = Limits(max_words=None)
    for article in iter_articles(refs, sys.stdin.buffer if sys.stdin is not None else None, limits):
        if isinstance(article, InputError):
            failed += 1
            click.echo(f"summarize-cli: error: {article}", err=True)
            continue
        cleaned = clean(article)
        if len(refs) > 1:
            click.echo(f"==> {article.source} <==")
        click.echo(cleaned.text)
        stats = cleaned.stats
        if quiet:
            continue
        click.echo(
            f"summarize-cli: {article.source}: {stats.lines_in} lines in, {stats.lines_out} out, "
            f"{stats.duplicates_removed} repeated removed",
            err=True,
        )
    if refs and failed == len(refs):
        sys.exit(int(ExitStatus.NO_INPUT))
    sys.exit(int(ExitStatus.PARTIAL_FAILURE if failed else ExitStatus.OK))


@main.command("check", context_settings=HELP)
@click.argument("source", type=click.Path(allow_dash=True, readable=False))
@click.argument("text", type=click.Path(allow_dash=True, readable=False))
@click.option(
    "-l",
    "--language",
    required=True,
    shell_complete=complete_languages,
    help="Language of TEXT: en for a summary, else a configured target's.",
)
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--glossary",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Style glossary for a translation's terms (TSV or CSV); replaces the config's.",
)
@click.option(
    "--verify", is_flag=True, help="Translate TEXT back with the language's pivot model and score the round trip."
)
@shared_options
def check(
    source: str,
    text: str,
    language: str,
    fmt: str,
    glossary: str | None,
    verify: bool,
    config_path: str | None,
    device: str,
    offline: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Run the output checks on TEXT against SOURCE; exit 6 when any warning is raised.

    With --verify, TEXT goes back into the source language with the pivot model of its
    language (from the config), and a round trip that scores under the threshold is a warning;
    with -f json the output is then {"warnings": [...], "roundtrip": {LANG: chrF}}.

    \b
    summarize-cli check article.txt summary.txt --language en
    summarize-cli check summary.txt summary.uk.txt --language uk --glossary terms.tsv
    summarize-cli -c models.toml check summary.txt summary.uk.txt --language uk --verify
    """
    from .. import checks
    from ..cleaning import clean
    from ..config import load_config
    from ..evidence import low_roundtrip
    from ..pipeline import Pipeline, RunOptions
    from ..sources import InputRef, read_article

    try:
        config = load_config(config_path)
    except SummarizeError as exc:
        fail(str(exc), exit_for(exc))
    languages = [config.source_language, *config.translators]
    if language not in languages:
        raise click.BadParameter(
            f"'{language}' is not configured; choose one of {', '.join(languages)} (from {config.path})",
            param_hint="'-l/--language'",
        )

    if verify and language == config.source_language:
        raise click.UsageError("--verify scores a translation; give the translation's --language")

    def load(name: str) -> str:
        ref = InputRef("<stdin>") if name == "-" else InputRef(name, Path(name))
        return clean(read_article(ref, sys.stdin.buffer if sys.stdin is not None else None)).text

    roundtrip: dict[str, float] = {}
    try:
        # Only the pieces of a run that --glossary and --verify need: nothing loads before use.
        targets = () if language == config.source_language else (language,)
        options = RunOptions(
            targets=targets, summary="none", glossary=glossary, verify=verify, device=device, offline=offline
        )
        pipeline = Pipeline(config, options)
        source_text, checked = load(source), load(text)
        warnings = checks.check_text(source_text, checked, language, pipeline.glossary)
        if verify:
            trip = pipeline.roundtrips(language, [checks.sentence_pairs(source_text, checked)])[0]
            if trip is not None:
                roundtrip[language] = trip.score
                warnings.extend(low_roundtrip(trip))
    except SummarizeError as exc:
        fail(str(exc), exit_for(exc))
    if fmt == "json":
        import json

        listed = [w.as_dict() for w in warnings]
        payload: object = {"warnings": listed, "roundtrip": roundtrip} if verify else listed
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for w in warnings:
            click.echo(f"{w.code}: {w.message}")
        if not quiet:
            for lang, score in roundtrip.items():
                click.echo(f"round-trip chrF [{lang}]: {score:.1f}", err=True)
            if not warnings:
                click.echo("no warnings", err=True)
    sys.exit(int(ExitStatus.QUALITY if warnings else ExitStatus.OK))
