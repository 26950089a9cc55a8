"""The language an article is written in, detected offline with a model shipped in the package."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

# Languages the detector chooses among: those worth a clear "no pivot model" error, and ours.
CANDIDATES = ("en", "uk", "ru", "ko", "de", "fr", "es", "it", "pt", "pl", "nl", "tr", "be", "bg", "ja", "zh", "ar")


@lru_cache(maxsize=4)
def _identifier(languages: tuple[str, ...]) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


# Below this confidence the detector is guessing (a word or two); the default language is kept.
MIN_CONFIDENCE = 0.3


def detect_language(text: str, candidates: Iterable[str] = CANDIDATES, default: str = "en") -> str:
    """The ISO 639-1 code of the language of ``text``; ``default`` when there is too little to tell."""
    if not any(ch.isalpha() for ch in text):
        return default
    code, confidence = _identifier(tuple(sorted({*candidates, default}))).classify(text)
    return str(code) if confidence >= MIN_CONFIDENCE else default


# Runs of letters: digits, punctuation and hyphens say nothing about a language, and their
# byte n-grams only add noise to the detector's vote on a short sentence.
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def language_probabilities(text: str, candidates: Iterable[str]) -> dict[str, float]:
    """How likely ``text`` is in each of ``candidates`` (summing to 1), judged on its words only.

    The detector tempers its scores by the length of the text, so a short text gets a flatter,
    less confident answer than a long one.
    """
    languages = tuple(sorted(set(candidates)))
    words = " ".join(_WORD.findall(text)).lower()
    if not words:
        return dict.fromkeys(languages, 1 / len(languages))
    return {str(code): float(p) for code, p in _identifier(languages).rank(words)}
