"""Output checks: faithfulness, language, numbers, repetition (pure functions).

Each check takes (source, output[, language]) and returns a list of warnings; thresholds
live in :data:`THRESHOLDS`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .sentences import sentences_of
from .types import GenerationSettings, QualityWarning


@dataclass(frozen=True)
class Thresholds:
    """Every tunable number of the checks."""

    # Back-to-back repeats of one word, or of a phrase of 2..max_ngram words, that count as a loop.
    word_repeats: int = 4
    phrase_repeats: int = 3
    max_ngram: int = 6
    # An output longer than this many times its source (plus slack, in characters) is runaway.
    length_ratio: float = 3.0
    length_slack: int = 20
    # Share of letters that must be in the target language's script.
    script_share: float = 0.6
    # Letters a text needs before the language detector's vote counts at all, and before it
    # counts in full (in between, in proportion): on a word or two it is close to guessing
    # (it reads "Він сказав." as Belarusian), and there the letters alone decide.
    detector_min_letters: int = 10
    detector_full_letters: int = 30
    # Evidence (in nats) against a Cyrillic language per letter its alphabet lacks: one stray
    # letter (a quoted name) can be outvoted by a confident detector, several cannot.
    foreign_letter_cost: float = 3.0
    # How far (in nats) another Cyrillic language must lead before the text is said to be in
    # it: on short Russian and Bulgarian sentences the detector's lead is often a coin toss
    # (measured: up to 0.04 for the wrong one), while a real lead is 0.3 and up.
    language_margin: float = 0.2
    # Shortest common prefix that lets an inflected name match the source ("Ukraine"/"Ukrainian"),
    # and how many letters the shorter of the two words may lose past it ("Ukrain-e").
    min_name_stem: int = 4
    name_stem_drop: int = 1


THRESHOLDS = Thresholds()

# Settings for the one retry of an output that loops.
RETRY_SETTINGS = GenerationSettings(no_repeat_ngram_size=3, repetition_penalty=1.3)

SCRIPTS = {
    "en": "LATIN",
    "de": "LATIN",
    "fr": "LATIN",
    "es": "LATIN",
    "it": "LATIN",
    "pl": "LATIN",
    "uk": "CYRILLIC",
    "ru": "CYRILLIC",
    "be": "CYRILLIC",
    "bg": "CYRILLIC",
    "ko": "HANGUL",
}

# The lower-case alphabets of the Cyrillic languages told apart; a letter outside a
# language's alphabet is evidence against it (Russian "ы", Ukrainian "ї", Belarusian "ў").
ALPHABETS = {
    "uk": frozenset("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"),
    "ru": frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя"),
    "bg": frozenset("абвгдежзийклмнопрстуфхцчшщъьюя"),
    "be": frozenset("абвгдеёжзійклмнопрстуўфхцчшыьэюя"),
}
_LANGUAGE_NAMES = {
    "en": "English",
    "uk": "Ukrainian",
    "ru": "Russian",
    "ko": "Korean",
    "bg": "Bulgarian",
    "be": "Belarusian",
}

# --- numbers -------------------------------------------------------------------------------

_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
}  # fmt: skip
_MULTIPLIERS = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    "тыс": 1_000, "тис": 1_000, "млн": 1_000_000, "млрд": 1_000_000_000,
    "천": 1_000, "만": 10_000, "억": 100_000_000,
}  # fmt: skip
_MONTHS = "january february march april may june july august september october november december".split()
_DIGITS = r"\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?!\d)|\d+(?:[.,]\d+)?"
_NUMBER = re.compile(
    rf"(?<![\w.,])(?P<num>{_DIGITS}|(?:{'|'.join(_UNITS_WORDS)})(?:-(?:{'|'.join(_UNITS_WORDS)}))?)"
    rf"(?:\s*(?P<mult>{'|'.join(_MULTIPLIERS)})\.?)?(?:\s+(?P<unit>[^\W\d]+))?",
    re.IGNORECASE | re.UNICODE,
)


@dataclass(frozen=True)
class NumberMention:
    """A number found in text, its value(s) and the words around it."""

    span: str
    number: str
    values: frozenset[float]
    is_word: bool


def _digits_value(raw: str) -> float:
    compact = re.sub(r"[\u00a0\u202f ]", "", raw)
    if re.fullmatch(r"\d{1,3}([,.]\d{3})+", compact):
        return float(re.sub(r"[,.]", "", compact))
    return float(compact.replace(",", "."))


def _word_value(raw: str) -> float:
    return float(sum(_UNITS_WORDS[part] for part in raw.lower().split("-")))


def find_numbers(text: str) -> list[NumberMention]:
    """Numbers in digits ("10,000", "10 000", "3.5") and in English words ("two"), with units."""
    found = []
    for match in _NUMBER.finditer(text):
        raw = match.group("num")
        is_word = not raw[0].isdigit()
        base = _word_value(raw) if is_word else _digits_value(raw)
        values = {base}
        mult = match.group("mult")
        if mult:
            values.add(base * _MULTIPLIERS[mult.lower()])
        unit = match.group("unit") or ""
        span = (
            match.group(0) if unit.lower() not in _STOPWORDS else match.group(0)[: match.start("unit") - match.start()]
        )
        before = text[: match.start()].split()[-1:] if match.start() else []
        if before and before[0].lower().strip(",.") in _MONTHS:
            span = f"{before[0]} {span}"
        found.append(NumberMention(span=span.strip(), number=raw, values=frozenset(values), is_word=is_word))
    return found


def unsupported_numbers(source: str, summary: str) -> list[QualityWarning]:
    """Numbers in the summary whose value appears nowhere in the source."""
    known = {v for mention in find_numbers(source) for v in mention.values}
    warnings = []
    for mention in find_numbers(summary):
        if not mention.values & known:
            warnings.append(
                QualityWarning(
                    code="unsupported_number",
                    message=f"'{mention.span}' is not in the source",
                    span=mention.span,
                )
            )
    return warnings


def number_mismatches(source: str, translation: str, language: str) -> list[QualityWarning]:
    """Numbers written in digits in the source that the translation lost or changed."""
    kept = {v for mention in find_numbers(translation) for v in mention.values}
    warnings = []
    for mention in find_numbers(source):
        if mention.is_word or mention.values & kept:
            continue
        warnings.append(
            QualityWarning(
                code="number_mismatch",
                message=f"the number in '{mention.span}' is missing from the translation",
                language=language,
                span=mention.number,
            )
        )
    return warnings


# --- names ---------------------------------------------------------------------------------

_STOPWORDS = set(
    """
    a an the and or but if then than that this these those there here he she it they we you i his her its
    their our your in on at by for from to of with as is are was were be been being has have had do does
    did not no yes so such also after before while when where which who whom whose what why how all any
    some most more many much other another each every both either neither one two said says say according
    """.split()
)
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)


def _strip_possessive(word: str) -> str:
    return re.sub(r"['’]s?$", "", word)


def _common_prefix(a: str, b: str) -> int:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return size


def _same_stem(a: str, b: str, limits: Thresholds) -> bool:
    """Whether two words are forms of one name: "Ukraine"/"Ukrainians", not "Kyiv"/"Kyivstar".

    The shared part must be long enough relative to both words: the shorter may lose only
    a final letter or so past it ("Ukrain-e", "Chin-a"; not "Russ-ia" for "Russell"), and the
    longer may add an ending shorter than the shared part ("Ukrain-ians"; not "Kyiv-star").
    """
    shorter, longer = sorted((a, b), key=len)
    shared = _common_prefix(a, b)
    return (
        shared >= limits.min_name_stem
        and shared >= len(shorter) - limits.name_stem_drop
        and len(longer) - shared < shared
    )


def _name_supported(name: str, source_words: set[str], limits: Thresholds) -> bool:
    word = name.lower()
    return word in source_words or any(_same_stem(word, known, limits) for known in source_words)


def _capitalized_runs(sentence: str) -> Iterable[list[str]]:
    """Runs of consecutive capitalised words; a lone capitalised first word is not a name."""
    words = [_strip_possessive(w) for w in _WORD_RE.findall(sentence)]
    run: list[str] = []
    start = 0
    for index, word in enumerate([*words, ""]):
        if word[:1].isupper() and word.lower() not in _STOPWORDS:
            if not run:
                start = index
            run.append(word)
            continue
        if run and not (start == 0 and len(run) == 1):
            yield run
        run = []


def unsupported_names(source: str, summary: str, limits: Thresholds = THRESHOLDS) -> list[QualityWarning]:
    """Proper names in the summary that the source does not mention (inflection allowed)."""
    source_words = {_strip_possessive(w).lower() for w in _WORD_RE.findall(source)}
    warnings = []
    seen: set[str] = set()
    for sentence in sentences_of(summary):
        for run in _capitalized_runs(sentence):
            missing = [w for w in run if not _name_supported(w, source_words, limits)]
            span = " ".join(run)
            if missing and span not in seen:
                seen.add(span)
                warnings.append(
                    QualityWarning(code="unsupported_name", message=f"'{span}' is not in the source", span=span)
                )
    return warnings


# --- language ------------------------------------------------------------------------------


def _script_of(ch: str) -> str:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return ""
    return name.split()[0]


def script_share(text: str, script: str) -> float:
    """Share of the letters of ``text`` that belong to ``script`` (LATIN, CYRILLIC, HANGUL)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if _script_of(ch) == script) / len(letters)


# The detector can give a language a probability of 0.0; its log is floored to stay finite.
_FLOOR = 1e-12


def _cyrillic_scores(text: str, limits: Thresholds) -> dict[str, float]:
    """Log-evidence for each Cyrillic language: the detector's vote, less a cost per foreign letter."""
    from .language import language_probabilities

    words = [w for w in _WORD_RE.findall(text.lower()) if all(_script_of(ch) == "CYRILLIC" for ch in w if ch.isalpha())]
    letters = [ch for word in words for ch in word if ch.isalpha()]
    probabilities = language_probabilities(" ".join(words), ALPHABETS)
    ramp = limits.detector_full_letters - limits.detector_min_letters
    weight = min(1.0, max(0.0, (len(letters) - limits.detector_min_letters) / ramp))
    return {
        lang: weight * math.log(max(probabilities[lang], _FLOOR))
        - limits.foreign_letter_cost * sum(1 for ch in letters if ch not in alphabet)
        for lang, alphabet in ALPHABETS.items()
    }


def _foreign_letters(text: str, language: str) -> str:
    letters = dict.fromkeys(ch for ch in text.lower() if _script_of(ch) == "CYRILLIC" and ch.isalpha())
    return ", ".join(ch for ch in letters if ch not in ALPHABETS[language])


def wrong_language(text: str, language: str, limits: Thresholds = THRESHOLDS) -> list[QualityWarning]:
    """Whether ``text`` is written in ``language``: its script, then which Cyrillic language it is."""
    script = SCRIPTS.get(language)
    if script is None or not any(ch.isalpha() for ch in text):
        return []
    name = _LANGUAGE_NAMES.get(language, language)
    share = script_share(text, script)
    if share < limits.script_share:
        message = f"expected {name} ({script.title()} script), but only {share:.0%} of its letters are in that script."
        return [QualityWarning(code="wrong_language", language=language, message=message)]
    if language not in ALPHABETS:
        return []
    scores = _cyrillic_scores(text, limits)
    other = max((lang for lang in scores if lang != language), key=scores.__getitem__)
    if scores[other] - scores[language] <= limits.language_margin:
        return []
    foreign = _foreign_letters(text, language)
    reason = f", and it has letters {name} does not use ({foreign})" if foreign else ""
    message = f"expected {name}, but it reads as {_LANGUAGE_NAMES[other]}{reason}."
    return [QualityWarning(code="wrong_language", language=language, message=message)]


# --- repetition ----------------------------------------------------------------------------

# The same one to four letters eight or more times in a row.
_LETTER_LOOP = re.compile(r"([^\W\d_]{1,4}?)\1{7,}", re.UNICODE)


def looping_span(text: str, limits: Thresholds = THRESHOLDS) -> str | None:
    """The phrase (or run of letters, "iiiiiiii") that ``text`` repeats back to back, if it loops."""
    letters = _LETTER_LOOP.search(text)
    if letters:
        return letters.group(0)
    words = text.split()
    for size in range(1, limits.max_ngram + 1):
        needed = limits.word_repeats if size == 1 else limits.phrase_repeats
        for start in range(0, len(words) - size * needed + 1):
            gram = words[start : start + size]
            if all(words[start + k * size : start + (k + 1) * size] == gram for k in range(1, needed)):
                return " ".join(gram)
    return None


def is_runaway(source: str, output: str, limits: Thresholds = THRESHOLDS) -> bool:
    """Whether ``output`` loops or is far longer than ``source``."""
    too_long = len(output) > limits.length_ratio * len(source) + limits.length_slack
    return too_long or looping_span(output, limits) is not None


def repetition(source: str, output: str, language: str | None = None) -> list[QualityWarning]:
    """A warning when the output loops or runs far longer than its source."""
    span = looping_span(output)
    if span is not None:
        return [QualityWarning(code="repetition", language=language, message=f"repeats '{span}'", span=span)]
    if is_runaway(source, output):
        return [
            QualityWarning(
                code="repetition",
                language=language,
                message=f"is {len(output)} characters long against {len(source)} in its source",
            )
        ]
    return []


def untranslated(source: str, translation: str, language: str) -> list[QualityWarning]:
    """A "translation" that is just its source."""
    if any(ch.isalpha() for ch in source) and " ".join(source.lower().split()) == " ".join(translation.lower().split()):
        return [QualityWarning(code="untranslated", language=language, message="is identical to its source")]
    return []


# --- whole outputs -------------------------------------------------------------------------


def check_summary(source: str, summary: str) -> list[QualityWarning]:
    """Faithfulness and repetition of an English summary against its cleaned source."""
    return [*unsupported_numbers(source, summary), *unsupported_names(source, summary), *repetition(source, summary)]


def check_translation(
    source: str, translation: str, language: str, pairs: Sequence[tuple[str, str]] | None = None
) -> list[QualityWarning]:
    """Language, numbers, repetition and copying of a translation.

    ``pairs`` gives the (source sentence, translated sentence) pairs where known, so that
    numbers and repetition are checked sentence by sentence.
    """
    units = list(pairs) if pairs is not None else [(source, translation)]
    warnings = [*wrong_language(translation, language), *untranslated(source, translation, language)]
    for src, out in units:
        warnings.extend(number_mismatches(src, out, language))
        warnings.extend(repetition(src, out, language))
    return _unique(warnings)


def check_text(source: str, text: str, language: str) -> list[QualityWarning]:
    """The checks that fit ``language``: a summary for English, a translation otherwise."""
    if language == "en":
        return [*check_summary(source, text), *wrong_language(text, "en")]
    return check_translation(source, text, language)


def _unique(warnings: Iterable[QualityWarning]) -> list[QualityWarning]:
    return list(dict.fromkeys(warnings))
