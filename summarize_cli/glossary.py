"""A style glossary: how each listed term of the source language is to be rendered in each target.

The file is TSV or CSV with a header row of language codes, the source language first, then
one term per row::

    en      uk      ru      ko
    Kyiv    Київ    Киев    키이우

Every cell must be filled, and a term may appear only once. Any problem is a
:class:`~summarize_cli.errors.ConfigError` naming the file and the line.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

# The languages a glossary column may name: those the checks know the script of.
KNOWN_LANGUAGES = ("en", "uk", "ru", "ko", "de", "fr", "es", "it", "pl", "be", "bg")


@dataclass(frozen=True)
class GlossaryTerm:
    """One row: the source-language term and its rendering per language."""

    term: str
    renderings: dict[str, str]
    line: int


@dataclass(frozen=True)
class Glossary:
    """A loaded glossary: the file it came from, its source language and its terms in file order."""

    path: str
    source: str
    languages: tuple[str, ...]
    terms: tuple[GlossaryTerm, ...]
    sha256: str

    def terms_for(self, language: str) -> list[tuple[str, str]]:
        """(term, rendering) for every term the glossary renders in ``language``."""
        return [(t.term, t.renderings[language]) for t in self.terms if language in t.renderings]


def _delimiter(path: Path, first_line: str) -> str:
    """Tab for .tsv, comma for .csv; otherwise whichever of the two the header uses."""
    suffix = path.suffix.lower()
    if suffix == ".tsv":
        return "\t"
    if suffix == ".csv":
        return ","
    return "\t" if "\t" in first_line else ","


def load_glossary(path: str | os.PathLike[str], source: str = "en") -> Glossary:
    """Read and validate a glossary whose first column is the ``source`` language."""
    file = Path(path)
    name = str(file)
    try:
        data = file.read_bytes()
        text = data.decode("utf-8-sig")  # a spreadsheet's UTF-8 export starts with a BOM
    except FileNotFoundError:
        raise ConfigError(name, "", "no such glossary file") from None
    except OSError as exc:
        raise ConfigError(name, "", f"cannot be read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(name, "", f"is not UTF-8 text (byte {exc.start})") from exc
    lines = text.splitlines()
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise ConfigError(name, "", f"is empty; it needs a header row of language codes ({source} first)")
    delimiter = _delimiter(file, numbered[0][1])
    # Line by line, so that every problem is reported with the line it is on.
    parsed = [
        (number, [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]) for number, line in numbered
    ]
    header_line, header = parsed[0]
    languages = _header(name, header_line, header, source)
    terms: list[GlossaryTerm] = []
    first_seen: dict[str, int] = {}
    for number, cells in parsed[1:]:
        where = f"line {number}"
        if len(cells) != len(languages):
            raise ConfigError(name, where, f"has {len(cells)} cells; the header has {len(languages)}")
        for language, cell in zip(languages, cells, strict=True):
            if not cell:
                raise ConfigError(name, where, f"the '{language}' cell is empty")
        term = cells[0]
        key = term.casefold()
        if key in first_seen:
            raise ConfigError(name, where, f"'{term}' is already listed on line {first_seen[key]}")
        first_seen[key] = number
        renderings = dict(zip(languages[1:], cells[1:], strict=True))
        terms.append(GlossaryTerm(term=term, renderings=renderings, line=number))
    return Glossary(
        path=name,
        source=source,
        languages=languages,
        terms=tuple(terms),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _header(name: str, line: int, header: list[str], source: str) -> tuple[str, ...]:
    where = f"line {line}"
    codes = [cell.lower() for cell in header]
    unknown = [cell for cell, code in zip(header, codes, strict=True) if code not in KNOWN_LANGUAGES]
    if unknown:
        known = ", ".join(KNOWN_LANGUAGES)
        if len(unknown) == len(header):
            problem = f"the first row must be a header of language codes ({known}), not '{header[0]}'"
        else:
            problem = f"unknown language code '{unknown[0]}' in the header (known: {known})"
        raise ConfigError(name, where, problem)
    if codes[0] != source:
        raise ConfigError(name, where, f"the first column must be the source language '{source}', not '{header[0]}'")
    if len(codes) < 2:
        raise ConfigError(name, where, "the header names no target language after the source")
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise ConfigError(name, where, f"language '{repeated[0]}' appears twice in the header")
    return tuple(codes)
