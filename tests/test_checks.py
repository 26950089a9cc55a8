from __future__ import annotations

import pytest

from summarize_cli import checks
from summarize_cli.cleaning import clean_text
from summarize_cli.types import QualityWarning

from conftest import SEED

SOURCE, _ = clean_text(SEED.read_text(encoding="utf-8"))

UKRAINIAN = "Президент України Володимир Зеленський заявив, що готовий передати двох північнокорейських солдатів."
RUSSIAN = "Президент Украины Владимир Зеленский заявил, что готов передать двух северокорейских солдат."
KOREAN = "볼로디미르 젤렌스키 우크라이나 대통령은 북한 군인 두 명을 넘겨줄 준비가 되어 있다고 밝혔다."


def codes(warnings: list[QualityWarning]) -> list[str]:
    return [w.code for w in warnings]


# --- faithfulness ---------------------------------------------------------------------------


def test_a_number_the_source_does_not_have_is_flagged() -> None:
    warnings = checks.unsupported_numbers(SOURCE, "North Korea sent around 20,000 troops to assist Russia.")
    assert codes(warnings) == ["unsupported_number"]
    assert warnings[0].span == "20,000 troops"


def test_numbers_the_source_has_pass_in_any_format() -> None:
    summary = "North Korea sent 10 000 troops. Two soldiers were captured on January 9."
    assert checks.unsupported_numbers(SOURCE, summary) == []
    assert checks.unsupported_numbers(SOURCE, "About 10,000 troops were sent.") == []


def test_a_changed_date_and_a_number_word_are_flagged() -> None:
    warnings = checks.unsupported_numbers(SOURCE, "They were captured on January 19. Three soldiers were hurt.")
    assert [w.span for w in warnings] == ["January 19", "Three soldiers"]


def test_possessive_and_inflected_names_are_not_flagged() -> None:
    summary = "Volodymyr Zelensky's offer follows the SBU report. Ukrainian intelligence and North Korean troops."
    assert checks.unsupported_names(SOURCE, summary) == []


def test_an_invented_name_is_flagged() -> None:
    warnings = checks.unsupported_names(SOURCE, "The offer was welcomed by Kim Jong Un in Pyongyang.")
    assert [w.span for w in warnings] == ["Kim Jong Un", "Pyongyang"]
    assert codes(warnings) == ["unsupported_name", "unsupported_name"]


def test_a_sentence_initial_common_word_is_not_a_name() -> None:
    assert checks.unsupported_names(SOURCE, "Officials say the exchange may happen soon.") == []


# --- language --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "language"), [(UKRAINIAN, "uk"), (RUSSIAN, "ru"), (KOREAN, "ko")])
def test_real_sentences_pass_the_language_check(text: str, language: str) -> None:
    assert checks.wrong_language(text, language) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [(RUSSIAN, "uk"), (UKRAINIAN, "ru"), (UKRAINIAN, "ko"), (KOREAN, "ru"), ("Zelensky offers a trade.", "uk")],
)
def test_swapped_languages_fail(text: str, language: str) -> None:
    assert codes(checks.wrong_language(text, language)) == ["wrong_language"]


@pytest.mark.parametrize("language", ["uk", "ru", "ko"])
def test_latin_gibberish_fails(language: str) -> None:
    assert codes(checks.wrong_language("asdf qwer zxcv tyui ghjk", language)) == ["wrong_language"]


def test_latin_names_inside_korean_are_fine() -> None:
    assert checks.wrong_language("SBU는 북한 군인 두 명이 키이우에서 치료를 받고 있다고 밝혔다.", "ko") == []


# --- numbers in translation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("translation", "language"),
    [
        ("Северная Корея отправила около 10 000 военных.", "ru"),
        ("Північна Корея направила близько 10 тис. військових.", "uk"),
        ("북한은 약 1만 명의 병력을 보냈다.", "ko"),
        ("북한은 약 10,000명의 병력을 보냈다.", "ko"),
    ],
)
def test_numbers_that_survive_translation_pass(translation: str, language: str) -> None:
    source = "North Korea has sent around 10,000 troops."
    assert checks.number_mismatches(source, translation, language) == []


def test_a_lost_number_is_flagged() -> None:
    warnings = checks.number_mismatches("They were captured on January 9.", "Их взяли в плен в январе.", "ru")
    assert codes(warnings) == ["number_mismatch"]
    assert warnings[0].span == "9"


# --- repetition and copying ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "output",
    [
        "солдати солдати солдати солдати солдати",
        "обмін полоненими обмін полоненими обмін полоненими триває",
        "aaaaaaaaaaaaaaaaaaaa",
    ],
)
def test_loops_are_flagged(output: str) -> None:
    assert codes(checks.repetition("Prisoners were exchanged.", output, "uk")) == ["repetition"]


def test_runaway_length_is_flagged_and_normal_length_is_not() -> None:
    source = "Talks continue."
    assert codes(checks.repetition(source, "Переговори тривають. " * 1 + "x" * 80, "uk")) == ["repetition"]
    assert checks.repetition(source, "Переговори тривають.", "uk") == []


def test_a_copy_of_the_source_is_untranslated() -> None:
    assert codes(checks.untranslated("Talks continue.", "Talks  continue.", "ru")) == ["untranslated"]
    assert checks.untranslated("Talks continue.", "Переговоры продолжаются.", "ru") == []


def test_check_text_runs_summary_checks_for_english_and_translation_checks_otherwise() -> None:
    assert codes(checks.check_text(SOURCE, "Kim Jong Un sent 20,000 troops.", "en")) == [
        "unsupported_number",
        "unsupported_name",
    ]
    assert codes(checks.check_text("He sent 20 troops.", "Він направив 20 військових.", "uk")) == []
    assert codes(checks.check_text("He sent 20 troops.", "He sent 20 troops.", "uk")) == [
        "wrong_language",
        "untranslated",
    ]


@pytest.mark.parametrize(
    ("translation", "language"),
    [
        ("Північна Корея направила близько 20 тисяч військових.", "uk"),
        ("Северная Корея отправила около 20 000 военных.", "ru"),
        ("북한은 약 2만 명의 병력을 보냈다.", "ko"),
    ],
)
def test_a_changed_number_is_flagged_in_every_language(translation: str, language: str) -> None:
    warnings = checks.number_mismatches("North Korea has sent around 10,000 troops.", translation, language)
    assert [(w.code, w.language, w.span) for w in warnings] == [("number_mismatch", language, "10,000")]
