"""Render results as rich, text, json, jsonl or markdown; writes to a given stream or Console only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, TextIO

from .types import QualityWarning, Result

if TYPE_CHECKING:
    from rich.console import Console

Format = Literal["rich", "text", "json", "jsonl", "markdown"]
FORMATS: tuple[Format, ...] = ("rich", "text", "json", "jsonl", "markdown")

LANGUAGE_NAMES = {
    "en": "English",
    "uk": "Ukrainian · українська",
    "ru": "Russian · русский",
    "ko": "Korean · 한국어",
}


def language_label(code: str) -> str:
    """A human label for a language code."""
    return LANGUAGE_NAMES.get(code, code)


def to_json(result: Result, *, indent: int | None = None) -> str:
    """The contract's JSON object for one result."""
    return json.dumps(result.as_dict(), ensure_ascii=False, indent=indent)


def render_json(results: Sequence[Result], stream: TextIO, *, as_array: bool | None = None) -> None:
    """One JSON document: an object for one input, an array for several (or whenever ``as_array``)."""
    if as_array is None:
        as_array = len(results) != 1
    payload = [r.as_dict() for r in results] if as_array else results[0].as_dict()
    stream.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def render_jsonl(result: Result, stream: TextIO) -> None:
    """One result as one line, flushed at once so a pipe sees it as it finishes."""
    stream.write(to_json(result) + "\n")
    stream.flush()


def sections(result: Result) -> list[tuple[str, str]]:
    """(label, text) for the summary and each translation, in order."""
    out = []
    if result.summary is not None:
        out.append(("summary", result.summary))
    out.extend(result.translations.items())
    return out


def render_text(result: Result, stream: TextIO, *, header: bool) -> None:
    """Plain text: ``[summary]`` and ``[uk]``-style headings, one blank line between sections.

    With ``header``, a ``==> source <==`` line opens each input, as ``head`` does.
    """
    if result.error is not None:
        return
    if header:
        stream.write(f"==> {result.source} <==\n")
    for label, text in sections(result):
        stream.write(f"[{label}]\n{text}\n\n")
    stream.flush()


def _warning_line(warning: QualityWarning) -> str:
    where = f" [{warning.language}]" if warning.language else ""
    return f"{warning.code}{where}: {warning.message}"


def _roundtrip_note(result: Result, label: str) -> str:
    """``round-trip chrF 61.2`` for a verified translation, else empty."""
    score = (result.roundtrip or {}).get(label)
    return "" if score is None else f"round-trip chrF {score:.1f}"


def render_markdown(result: Result, stream: TextIO, *, evidence: bool = False) -> None:
    """A Markdown document section per input; with ``evidence``, each summary sentence's source as a quote."""
    stream.write(f"# {result.source}\n\n")
    if result.error is not None:
        stream.write(f"**Error:** {result.error}\n\n")
    for label, text in sections(result):
        model = result.models.get(label, "")
        title = "Summary" if label == "summary" else language_label(label)
        if label == "summary" and evidence and result.evidence:
            stream.write(f"## {title}\n\n")
            for item in result.evidence:
                source = item.source or "(no supporting sentence)"
                stream.write(f"{item.summary}\n\n> {source} *(support {item.score:.2f})*\n\n")
        else:
            stream.write(f"## {title}\n\n{text}\n\n")
        notes = [f"Model: `{model}`"] if model else []
        notes += [note] if (note := _roundtrip_note(result, label)) else []
        if notes:
            stream.write(f"*{' · '.join(notes)}*\n\n")
    if result.warnings:
        stream.write("## Warnings\n\n")
        stream.writelines(f"- {_warning_line(w)}\n" for w in result.warnings)
        stream.write("\n")
    stream.flush()


def render_rich(result: Result, console: Console, *, evidence: bool = False) -> None:
    """A panel per input: the summary and each language labelled, with its model and warnings.

    With ``evidence``, each summary sentence is followed by its source sentence, dimmed.
    """
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    parts: list[Panel | Text] = []
    if result.error is not None:
        parts.append(Text(f"Error: {result.error}", style="bold red"))
    for label, text in sections(result):
        title = "Summary (English)" if label == "summary" else language_label(label)
        model = " · ".join(note for note in (result.models.get(label), _roundtrip_note(result, label)) if note)
        flagged = [w for w in result.warnings if (w.language or "en") == ("en" if label == "summary" else label)]
        body = Text(text)
        if label == "summary" and evidence and result.evidence:
            body = Text("\n").join(
                Text.assemble(item.summary, "\n", (f"  ↳ {item.source or '(no supporting sentence)'}", "dim"))
                for item in result.evidence
            )
        for warning in flagged:
            if warning.span:
                body.highlight_words([warning.span], style="black on yellow", case_sensitive=True)
        parts.append(
            Panel(
                body,
                title=Text(title, style="bold"),
                title_align="left",
                subtitle=Text(model, style="dim") if model else None,
                subtitle_align="right",
                border_style="yellow" if flagged else "cyan",
            )
        )
    if result.warnings:
        lines = Text("\n").join(Text.assemble(("⚠ ", "yellow"), _warning_line(warning)) for warning in result.warnings)
        parts.append(Panel(lines, title="[yellow]Warnings[/yellow]", title_align="left", border_style="yellow"))
    cleaning = result.cleaning
    note = ""
    if cleaning is not None:
        note = f"{cleaning.lines_out} lines kept, {cleaning.duplicates_removed} repeated removed"
    # Names are data: a file called "[/x].txt" is shown as it is, never read as markup.
    heading = Text(result.source, style="bold")
    console.print(Panel(Group(*parts), title=heading, subtitle=Text(note) if note else None, border_style="blue"))
