"""Whitespace clean-up and removal of repeated lines (pure functions)."""

from __future__ import annotations

from .types import Article, Cleaned, CleaningStats


def line_key(line: str) -> str:
    """The form two lines are compared in: trimmed, with inner whitespace collapsed."""
    return " ".join(line.split())


def clean_text(text: str) -> tuple[str, CleaningStats]:
    """Collapse whitespace, drop lines that repeat an earlier line, keep order and paragraph breaks.

    A run of blank lines becomes one blank line (a paragraph break); leading and trailing
    blank lines go. Only non-blank lines are counted.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    seen: set[str] = set()
    out: list[str] = []
    lines_in = duplicates = 0
    for raw in text.split("\n"):
        line = line_key(raw)
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        lines_in += 1
        if line in seen:
            duplicates += 1
            continue
        seen.add(line)
        out.append(line)
    while out and not out[-1]:
        out.pop()
    stats = CleaningStats(lines_in=lines_in, lines_out=lines_in - duplicates, duplicates_removed=duplicates)
    return "\n".join(out), stats


def clean(article: Article) -> Cleaned:
    """Clean one article."""
    text, stats = clean_text(article.text)
    return Cleaned(article=article, text=text, stats=stats)
