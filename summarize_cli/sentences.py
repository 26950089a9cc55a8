"""Sentence splitting for English, Ukrainian, Russian and Korean news text (pure, offline)."""

from __future__ import annotations

import re

# Abbreviations that end with a full stop but rarely end a sentence, compared lower-cased
# and without the final stop.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen col lt sgt capt cmdr adm maj gov sen rep rev st jr sr no vs etc
    inc ltd co corp dept est approx fig jan feb mar apr jun jul aug sep sept oct nov dec
    u.s u.k u.n e.g i.e a.m p.m d.c
    т.е т.д т.п т.к им см др ген г гг ул млн млрд тыс проф д-р пор обл
    вул ім див тис просп пл т.зв
    """.split()
)

_BOUNDARY = re.compile(r"[.!?…。]+[\"'”’»)\]]*\s+")
_NEXT_STARTS_SENTENCE = re.compile(r"[\"'“‘«(\[]*[\w]", re.UNICODE)
_LAST_WORD = re.compile(r"(\S+)$")


def _is_abbreviation(before: str) -> bool:
    match = _LAST_WORD.search(before)
    if not match:
        return False
    word = match.group(1).lstrip("\"'“‘«([").lower()
    if word in ABBREVIATIONS:
        return True
    # A single letter is an initial ("J. Smith") or part of "U.S."-style abbreviations.
    return (len(word) == 1 and word.isalpha()) or bool(re.fullmatch(r"(\w\.)+\w", word))


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph into sentences; whitespace at the edges of each is removed."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        end = match.end()
        after = paragraph[end:]
        if not after or not _NEXT_STARTS_SENTENCE.match(after):
            continue
        first = after.lstrip("\"'“‘«([")[:1]
        if first.islower():
            continue
        stop = match.start()
        if paragraph[stop] == "." and _is_abbreviation(paragraph[start:stop]):
            continue
        sentences.append(paragraph[start:end].strip())
        start = end
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_paragraphs(text: str) -> list[str]:
    """The lines of a text, blank ones included, so that joining with newlines restores it."""
    return text.split("\n")


def sentences_of(text: str) -> list[str]:
    """All sentences of a text, paragraph by paragraph."""
    return [s for para in split_paragraphs(text) for s in split_sentences(para)]
