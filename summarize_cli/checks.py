"""Output checks: faithfulness, language, numbers and dates, glossary terms, repetition (pure functions).

Each check takes (source, output[, language]) and returns a list of warnings; thresholds
live in :data:`THRESHOLDS`.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from .evidence import find_evidence, weak_evidence
from .sentences import sentences_of
from .types import Evidence, GenerationSettings, QualityWarning

if TYPE_CHECKING:
    from .glossary import Glossary


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
    # A sentence's first word is capitalised whatever it is; there it is taken for a name when
    # the text capitalises it elsewhere, or when word lists say so. Zipf frequency is log10 of a
    # word's occurrences per billion words (wordfreq). Under this it is rare, so a name:
    # "Zelensky", "Kharkiv" (2.9), while news openers are common: "Meanwhile" 4.5, "Officials" 4.7.
    rare_word_zipf: float = 3.0
    # ... or it is about as common in other languages as in its own: names are spelled alike
    # across languages ("Putin" 4.1 in English, median 4.1 in the others; "Trump" 4.9 and 4.4),
    # words are not ("Officials" 4.7 and under 3; "However" 5.6 and 2.3; "The" 7.7 and 5.6).
    shared_name_margin: float = 1.0
    # Words this common are function words whatever other languages say ("A" 7.4, "No" 6.4).
    function_word_zipf: float = 6.0


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
    # "15%", "15 per cent", "15 відсотків", "15 процентов", "15퍼센트".
    percent: bool = False


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
        percent = _PERCENT.match(text, match.end("mult") if mult else match.end("num"))
        if percent:
            span = text[match.start() : percent.end()]
        before = text[: match.start()].split()[-1:] if match.start() else []
        if before and before[0].lower().strip(",.") in _MONTHS:
            span = f"{before[0]} {span}"
        found.append(
            NumberMention(
                span=span.strip(), number=raw, values=frozenset(values), is_word=is_word, percent=percent is not None
            )
        )
    return found


# --- dates and days of the week ----------------------------------------------------------------

# Month names in every form a date or "in <month>" takes, by month: English (with the usual
# abbreviations), Ukrainian and Russian (their case endings: "9 січня", "у січні", "в январе").
_MONTH_FORMS = (
    ("january|jan", "січ(?:ень|ня|ні|нем)", "январ(?:ь|я|е|ём|ем)"),
    ("february|feb", "лют(?:ий|ого|ому|им)", "феврал(?:ь|я|е|ём|ем)"),
    ("march|mar", "берез(?:ень|ня|ні|нем)", "март(?:а|е|ом)?"),
    ("april|apr", "квіт(?:ень|ня|ні|нем)", "апрел(?:ь|я|е|ем)"),
    ("may", "трав(?:ень|ня|ні|нем)", "ма(?:й|я|е|ем)"),
    ("june|jun", "черв(?:ень|ня|ні|нем)", "июн(?:ь|я|е|ем)"),
    ("july|jul", "лип(?:ень|ня|ні|нем)", "июл(?:ь|я|е|ем)"),
    ("august|aug", "серп(?:ень|ня|ні|нем)", "август(?:а|е|ом)?"),
    ("september|sept|sep", "верес(?:ень|ня|ні|нем)", "сентябр(?:ь|я|е|ём|ем)"),
    ("october|oct", "жовт(?:ень|ня|ні|нем)", "октябр(?:ь|я|е|ём|ем)"),
    ("november|nov", "листопад(?:а|і|ом)?", "ноябр(?:ь|я|е|ём|ем)"),
    ("december|dec", "груд(?:ень|ня|ні|нем)", "декабр(?:ь|я|е|ём|ем)"),
)
_MONTH_MATCHERS = [re.compile("|".join(forms), re.IGNORECASE) for forms in _MONTH_FORMS]
_MONTH = rf"(?P<month>{'|'.join(f for forms in _MONTH_FORMS for f in forms)})\.?(?![^\W\d_])"
_ORDINAL = r"(?:st|nd|rd|th|-?(?:го|ого|е|ое|те|й))?"
_DATES = (
    # 9 January, 9th of January, 9 січня, 9-го січня, 9 января
    re.compile(rf"(?<![\w.,])(?P<day>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?{_MONTH}", re.IGNORECASE),
    # January 9, Jan. 9th
    re.compile(rf"(?<![^\W\d_]){_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?![\d.,]\d)", re.IGNORECASE),
    # 1월 9일
    re.compile(r"(?<!\d)(?P<month>\d{1,2})\s*월\s*(?P<day>\d{1,2})\s*일"),
)
# A month alone: after a word that makes an English month name a date ("in May", not "may");
# any Ukrainian or Russian month form; "1월" in Korean, not "월요일" (Monday).
_MONTHS_ALONE = (
    re.compile(
        r"(?<![^\W\d_])(?:in|since|until|till|by|from|of|early|late|mid|last|next|this|during|before|after)[\s-]+"
        r"(?P<month>january|february|march|april|may|june|july|august|september|october|november|december)(?![^\W\d_])",
        re.IGNORECASE,
    ),
    re.compile(
        rf"(?<![^\W\d_])(?P<month>{'|'.join(f for forms in _MONTH_FORMS for f in forms[1:])})(?![^\W\d_])",
        re.IGNORECASE,
    ),
    re.compile(r"(?<!\d)(?P<month>\d{1,2})\s*월(?!요일)"),
)
_WEEKDAY_FORMS = (
    (r"monday|понеділ(?:ок|ка|ку)|понедельник(?:а|у|ом)?", "월요일"),
    (r"tuesday|вівтор(?:ок|ка|ку)|вторник(?:а|у|ом)?", "화요일"),
    (r"wednesday|серед(?:а|у|и|і)|сред(?:а|у|ы|е)", "수요일"),
    (r"thursday|четвер(?:га|гу)?|четверг(?:а|у|ом)?", "목요일"),
    (r"friday|п['’ʼ]?ятниц(?:я|ю|і)|пятниц(?:а|у|ы|е)", "금요일"),
    (r"saturday|субот(?:а|у|и|і)|суббот(?:а|у|ы|е)", "토요일"),
    (r"sunday|неділ(?:я|ю|і)|воскресень(?:е|я|ю)", "일요일"),
)
# Korean particles attach to the day ("월요일에"), so only the other languages need a word's end.
_WEEKDAYS = [
    re.compile(rf"(?<![^\W\d_])(?:{words})(?![^\W\d_])|{korean}", re.IGNORECASE) for words, korean in _WEEKDAY_FORMS
]
_PERCENT = re.compile(r"\s?(?:%|％|per\s?cent\b|percent\b|pct\b|відсот\w*|процент\w*|퍼센트)", re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    """A date ("January 9", "9 січня", "1월 9일") or a month alone ("in January": ``day`` is None)."""

    span: str
    month: int
    day: int | None
    start: int
    end: int


def _month_number(word: str) -> int:
    if word.isdigit():
        return int(word)
    return next(index for index, matcher in enumerate(_MONTH_MATCHERS, start=1) if matcher.fullmatch(word))


def find_dates(text: str) -> list[DateMention]:
    """Dates and months in English, Ukrainian, Russian and Korean, in text order."""
    found: list[DateMention] = []

    def overlaps(start: int, end: int) -> bool:
        return any(start < d.end and d.start < end for d in found)

    for patterns, with_day in ((_DATES, True), (_MONTHS_ALONE, False)):
        for pattern in patterns:
            for match in pattern.finditer(text):
                month = _month_number(match.group("month").rstrip("."))
                day = int(match.group("day")) if with_day else None
                if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31) or overlaps(*match.span()):
                    continue
                found.append(DateMention(match.group(0).strip(), month, day, match.start(), match.end()))
    return sorted(found, key=lambda d: d.start)


def find_weekdays(text: str) -> list[tuple[int, str]]:
    """(day of the week, 0 for Monday; the words) for each day of the week named in ``text``."""
    return sorted(
        ((day, match.group(0)) for day, pattern in enumerate(_WEEKDAYS) for match in pattern.finditer(text)),
        key=lambda found: text.find(found[1]),
    )


def _date_problems(source: str, output: str) -> list[str]:
    """The spans of ``source``'s dates, months and days of the week that ``output`` lost or changed.

    A date whose day number is missing from ``output`` altogether is left to the number check.
    """
    numbers = {v for mention in find_numbers(output) for v in mention.values}
    dates = find_dates(output)
    full = {(d.month, d.day) for d in dates if d.day is not None}
    months = {d.month for d in dates}
    weekdays = {day for day, _ in find_weekdays(output)}
    problems = []
    for date in find_dates(source):
        if date.day is None:
            if date.month not in months:
                problems.append(date.span)
        elif (date.month, date.day) not in full and float(date.day) in numbers:
            problems.append(date.span)
    problems.extend(words for day, words in find_weekdays(source) if day not in weekdays)
    return list(dict.fromkeys(problems))


def unsupported_numbers(source: str, summary: str) -> list[QualityWarning]:
    """Numbers, percentages, dates and days of the week in the summary that the source does not have."""
    mentions = find_numbers(source)
    known = {v for mention in mentions for v in mention.values}
    known_percent = {v for mention in mentions if mention.percent for v in mention.values}
    spans = []
    for mention in find_numbers(summary):
        if not mention.values & known or (mention.percent and not mention.values & known_percent):
            spans.append(mention.span)
    spans.extend(_date_problems(summary, source))
    return [
        QualityWarning(code="unsupported_number", message=f"'{span}' is not in the source.", span=span)
        for span in dict.fromkeys(spans)
    ]


def number_mismatches(source: str, translation: str, language: str) -> list[QualityWarning]:
    """Numbers written in digits, percentages, dates and days of the week that the translation lost or changed."""
    mentions = find_numbers(translation)
    kept = {v for mention in mentions for v in mention.values}
    kept_percent = {v for mention in mentions if mention.percent for v in mention.values}
    warnings = []
    for mention in find_numbers(source):
        if mention.is_word:
            continue
        if not mention.values & kept:
            message = f"The number in '{mention.span}' is missing from the translation."
        elif mention.percent and not mention.values & kept_percent:
            message = f"'{mention.span}' is no longer a percentage in the translation."
        else:
            continue
        warnings.append(QualityWarning(code="number_mismatch", message=message, language=language, span=mention.number))
    for span in _date_problems(source, translation):
        message = f"'{span}' is missing or changed in the translation."
        warnings.append(QualityWarning(code="number_mismatch", message=message, language=language, span=span))
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


# Latin-script languages whose word lists tell a name (spelled alike in all of them) from a word
# of the checked language. wordfreq's "small" lists hold the words from Zipf 3 up and load in
# a fraction of a second; the "large" ones (about half a second each) are read only for a word
# the small ones cannot settle: Zipf 3 to 4 in its own language and under 3 in most others
# ("Pyongyang" is a name, "Analysts" a word: under 3 in most of the others, both).
NAME_COMPARISON_LANGUAGES = ("de", "fr", "es", "it", "nl", "pt")
_SMALL_LIST_FLOOR = 3.0
# What may stand between a sentence's start and its first word, or open a new start inside it.
_OPENERS = re.compile(r"[:\"“‘«(\[—]|(?:^|\s)['’]")


_CALENDAR_WORDS = frozenset([*_MONTHS, "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])


@dataclass(frozen=True)
class _Word:
    text: str
    initial: bool


def _words(sentence: str) -> list[_Word]:
    """The words of a sentence, possessives dropped; the first, and one after a quote or colon, are initial."""
    words: list[_Word] = []
    end = 0
    for match in _WORD_RE.finditer(sentence):
        initial = not words or bool(_OPENERS.search(sentence[end : match.start()]))
        words.append(_Word(_strip_possessive(match.group(0)), initial))
        end = match.end()
    return words


def is_common_word(word: str, language: str = "en", limits: Thresholds = THRESHOLDS) -> bool:
    """Whether ``word`` is a common word of ``language`` rather than a name, by word frequencies alone."""
    from statistics import median

    from wordfreq import zipf_frequency

    lowered = word.lower()
    own = zipf_frequency(lowered, language, wordlist="small")
    if own >= limits.function_word_zipf:
        return True
    if own < limits.rare_word_zipf:
        return False
    languages = [lang for lang in NAME_COMPARISON_LANGUAGES if lang != language]
    small = [zipf_frequency(lowered, lang, wordlist="small") for lang in languages]
    # A word missing from a small list is somewhere under its floor: bound the median both ways.
    lowest = median(small)
    highest = median(value or _SMALL_LIST_FLOOR for value in small)
    if own - highest >= limits.shared_name_margin:
        return True
    if own - lowest < limits.shared_name_margin:
        return False
    large = [zipf_frequency(lowered, lang, wordlist="large") for lang in languages]
    return own - median(large) >= limits.shared_name_margin


@functools.cache
def known_places() -> frozenset[str]:
    """Places and the words for their peoples (``places.txt``), in lower case: names wherever they stand."""
    text = resources.files("summarize_cli").joinpath("places.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


class _NameJudge:
    """Decides whether a capitalised word that opens a sentence is a name, from the texts first."""

    def __init__(self, texts: Sequence[str], language: str, limits: Thresholds) -> None:
        self.language = language
        self.limits = limits
        self.capitalised: set[str] = set()
        self.lowercase: set[str] = set()
        for text in texts:
            for sentence in sentences_of(text):
                for word in _words(sentence):
                    if word.text[:1].islower():
                        self.lowercase.add(word.text)
                    elif not word.initial:
                        self.capitalised.add(word.text)

    def is_name(self, word: str) -> bool:
        if word in self.capitalised:
            return True
        if word.lower() in self.lowercase:
            return False
        # Word frequencies take "Moscow" and "Russia" for English words: other languages spell them
        # differently. Only English texts are judged by word frequencies, and only English names listed.
        if self.language == "en" and word.lower() in known_places():
            return True
        return not is_common_word(word, self.language, self.limits)


def _capitalized_runs(sentence: str, is_name: Callable[[str], bool]) -> Iterable[list[str]]:
    """Runs of consecutive capitalised words that are names.

    A capitalised word opening the sentence (or a quote) counts only when ``is_name`` says so.
    """
    run: list[str] = []
    for word in [*_words(sentence), _Word("", initial=False)]:
        text = word.text
        # Months and days of the week are capitalised but are dates: the number checks own them.
        capitalised = text[:1].isupper() and text.lower() not in _CALENDAR_WORDS
        if capitalised and (is_name(text) if word.initial else text.lower() not in _STOPWORDS):
            run.append(text)
            continue
        if run:
            yield run
        run = []


def unsupported_names(
    source: str, summary: str, limits: Thresholds = THRESHOLDS, language: str = "en"
) -> list[QualityWarning]:
    """Proper names in the summary that the source does not mention (inflection allowed).

    A sentence's first word is a name when the summary capitalises it elsewhere, or, unless
    either text uses it in lower case, when it is a listed place or people (:func:`known_places`),
    rare in ``language``, or as common in other languages as in ``language`` (:func:`is_common_word`).
    """
    source_words = {_strip_possessive(w).lower() for w in _WORD_RE.findall(source)}
    judge = _NameJudge([summary, source], language, limits)

    def is_name(word: str) -> bool:
        # A word the source has is supported whatever it is; it joins a run of names ("Kim" of
        # "Kim Jong-il", "North" of "North Korea") unless the texts also use it in lower case
        # ("The Kremlin"), and the word lists are left unread.
        if _name_supported(word, source_words, limits):
            return word in judge.capitalised or word.lower() not in judge.lowercase
        return judge.is_name(word)

    warnings = []
    seen: set[str] = set()
    for sentence in sentences_of(summary):
        for run in _capitalized_runs(sentence, is_name):
            missing = [w for w in run if not _name_supported(w, source_words, limits)]
            span = " ".join(run)
            if missing and span not in seen:
                seen.add(span)
                warnings.append(
                    QualityWarning(code="unsupported_name", message=f"'{span}' is not in the source.", span=span)
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
        message = f"Expected {name} ({script.title()} script), but only {share:.0%} of its letters are in that script."
        return [QualityWarning(code="wrong_language", language=language, message=message)]
    if language not in ALPHABETS:
        return []
    scores = _cyrillic_scores(text, limits)
    other = max((lang for lang in scores if lang != language), key=scores.__getitem__)
    if scores[other] - scores[language] <= limits.language_margin:
        return []
    foreign = _foreign_letters(text, language)
    reason = f", and it has letters {name} does not use ({foreign})" if foreign else ""
    message = f"Expected {name}, but it reads as {_LANGUAGE_NAMES[other]}{reason}."
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
        return [QualityWarning(code="repetition", language=language, message=f"The text repeats '{span}'.", span=span)]
    if is_runaway(source, output):
        return [
            QualityWarning(
                code="repetition",
                language=language,
                message=f"The text is {len(output)} characters long against {len(source)} in its source.",
            )
        ]
    return []


def untranslated(source: str, translation: str, language: str) -> list[QualityWarning]:
    """A "translation" that is just its source."""
    if any(ch.isalpha() for ch in source) and " ".join(source.lower().split()) == " ".join(translation.lower().split()):
        return [
            QualityWarning(
                code="untranslated", language=language, message="The translation is identical to its source."
            )
        ]
    return []


# --- glossary ------------------------------------------------------------------------------

# A Ukrainian or Russian rendering may lose a final vowel, soft sign or "й" ("Україн-а",
# "Зеленськ-ий", "Кремл-ь") and take up to this many letters of case ending ("Україн-ою",
# "Зеленськ-ого", "Кремл-я").
GLOSSARY_ENDING = 3
_STEM_TAIL = re.compile(r"[аеєиіїоуюяьйыэё]{1,2}$", re.IGNORECASE)
# Ukrainian "і" of a closed last syllable turns into "о" or "е" when an ending opens it, and
# "ї" into "є": "Львів" -> "Львова", "Харків" -> "Харкова", "Київ" -> "Києва", "Києві".
_CLOSED_I = re.compile(r"([іїІЇ])([^аеєиіїоуюяьАЕЄИІЇОУЮЯ\W]+)$")
# Korean particles that attach to a noun ("키이우에서", "키이우의", "키이우는"), at most two in a row.
_KOREAN_PARTICLES = (
    "은 는 이 가 을 를 의 에 에서 에게 께 와 과 로 으로 도 만 까지 부터 보다 처럼 이나 나 이다 이며 이고 였다 이었다"
).split()
_HANGUL_SYLLABLE = r"[\uac00-\ud7a3]"


def _cyrillic_word(word: str) -> str:
    stem = _STEM_TAIL.sub("", word) if len(word) > 3 else word
    closed = _CLOSED_I.search(stem)
    if closed:
        vowel = "[їєЇЄ]" if closed.group(1) in "їЇ" else "[іоеІОЕ]"
        stem_pattern = re.escape(stem[: closed.start()]) + vowel + re.escape(closed.group(2))
    else:
        stem_pattern = re.escape(stem)
    return rf"{stem_pattern}[^\W\d_]{{0,{GLOSSARY_ENDING}}}"


def rendering_pattern(rendering: str, language: str) -> re.Pattern[str]:
    """A pattern that finds ``rendering`` in a ``language`` text, inflected as that language inflects it."""
    words = rendering.split()
    if language == "ko":
        particles = "|".join(sorted(map(re.escape, _KOREAN_PARTICLES), key=len, reverse=True))
        body = r"\s+".join(map(re.escape, words))
        return re.compile(rf"(?<!{_HANGUL_SYLLABLE}){body}(?:{particles}){{0,2}}(?!{_HANGUL_SYLLABLE})")
    if SCRIPTS.get(language) == "CYRILLIC":
        body = r"\s+".join(_cyrillic_word(w) for w in words)
    else:
        body = r"\s+".join(rf"{re.escape(w)}[^\W\d_]{{0,{GLOSSARY_ENDING}}}" for w in words)
    return re.compile(rf"(?<![^\W\d_]){body}(?![^\W\d_])", re.IGNORECASE)


def _term_pattern(term: str) -> re.Pattern[str]:
    body = r"\s+".join(map(re.escape, term.split()))
    # A term with capitals is a name or an acronym and matches as written ("US", not "us"); one
    # in lower case is a word and matches with a capital too, as it would open a sentence.
    flags = re.IGNORECASE if term == term.lower() else 0
    return re.compile(rf"(?<![^\W\d_]){body}(?![^\W\d_])", flags)


def glossary_mismatches(pairs: Sequence[tuple[str, str]], language: str, glossary: Glossary) -> list[QualityWarning]:
    """A ``glossary_mismatch`` for each glossary term of a source sentence whose translation lacks its rendering."""
    warnings = []
    for term, rendering in glossary.terms_for(language):
        found = _term_pattern(term)
        wanted = rendering_pattern(rendering, language)
        if any(found.search(src) and not wanted.search(out) for src, out in pairs):
            message = f"'{term}' should be translated as '{rendering}' (glossary {glossary.path})."
            warnings.append(QualityWarning(code="glossary_mismatch", message=message, language=language, span=term))
    return warnings


# --- whole outputs -------------------------------------------------------------------------


def check_summary(source: str, summary: str, evidence: Sequence[Evidence] | None = None) -> list[QualityWarning]:
    """Faithfulness, support and repetition of an English summary against its cleaned (or pivot) source.

    ``evidence`` is the summary's :func:`~summarize_cli.evidence.find_evidence`, when already found.
    """
    return [
        *unsupported_numbers(source, summary),
        *unsupported_names(source, summary),
        *weak_evidence(evidence if evidence is not None else find_evidence(source, summary)),
        *repetition(source, summary),
    ]


def check_translation(
    source: str,
    translation: str,
    language: str,
    pairs: Sequence[tuple[str, str]] | None = None,
    glossary: Glossary | None = None,
) -> list[QualityWarning]:
    """Language, numbers, repetition, copying and (with a ``glossary``) terms of a translation.

    ``pairs`` gives the (source sentence, translated sentence) pairs where known, so that
    numbers, repetition and terms are checked sentence by sentence.
    """
    units = list(pairs) if pairs is not None else [(source, translation)]
    warnings = [*wrong_language(translation, language), *untranslated(source, translation, language)]
    for src, out in units:
        warnings.extend(number_mismatches(src, out, language))
        warnings.extend(repetition(src, out, language))
    if glossary is not None:
        warnings.extend(glossary_mismatches(units, language, glossary))
    return _unique(warnings)


def sentence_pairs(source: str, translation: str) -> list[tuple[str, str]]:
    """Sentence-by-sentence pairs when both texts have as many sentences, else the whole texts as one pair."""
    source_sentences, translated = sentences_of(source), sentences_of(translation)
    if source_sentences and len(source_sentences) == len(translated):
        return list(zip(source_sentences, translated, strict=True))
    return [(source, translation)]


def check_text(source: str, text: str, language: str, glossary: Glossary | None = None) -> list[QualityWarning]:
    """The checks that fit ``language``: a summary for English, a translation otherwise."""
    if language == "en":
        return [*check_summary(source, text), *wrong_language(text, "en")]
    return check_translation(source, text, language, sentence_pairs(source, text), glossary)


def _unique(warnings: Iterable[QualityWarning]) -> list[QualityWarning]:
    return list(dict.fromkeys(warnings))
