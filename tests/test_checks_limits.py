"""The checks at the edges of their thresholds, and the cases next to the usual ones."""

from __future__ import annotations

import pytest

from summarize_cli import checks
from summarize_cli.checks import THRESHOLDS


def test_a_word_four_times_back_to_back_is_a_loop_and_three_times_is_not() -> None:
    assert THRESHOLDS.word_repeats == 4
    assert checks.looping_span("We will will will will win.") == "will"
    assert checks.looping_span("We will will will win.") is None


def test_a_phrase_of_up_to_six_words_three_times_is_a_loop() -> None:
    six = "the talks in Geneva will resume"
    assert checks.looping_span(f"{six} {six} {six} soon") == six
    assert checks.looping_span(f"{six} {six} soon") is None
    seven = "the talks in Geneva will resume today"
    assert checks.looping_span(f"{seven} {seven} {seven}") is None


def test_an_output_three_times_its_source_and_twenty_characters_is_not_runaway() -> None:
    source = "Talks end."  # 10 characters: up to 3 * 10 + 20 = 50 are allowed
    fifty = " ".join(f"w{i:03d}" for i in range(10)) + "."
    assert len(fifty) == 50
    assert not checks.is_runaway(source, fifty)
    assert checks.is_runaway(source, fifty + "!")
    assert [w.code for w in checks.repetition(source, fifty + "!")] == ["repetition"]


def test_the_first_month_and_the_first_day_are_dates() -> None:
    [date] = checks.find_dates("They met on January 1 in Geneva.")
    assert (date.month, date.day) == (1, 1)
    [december] = checks.find_dates("They met on December 31.")
    assert (december.month, december.day) == (12, 31)


def test_every_date_of_a_text_is_found() -> None:
    dates = checks.find_dates("They met on January 9 and again on March 3, in April.")
    assert [(d.month, d.day) for d in dates] == [(1, 9), (3, 3), (4, None)]


def test_digits_after_a_number_in_words_are_still_checked() -> None:
    warnings = checks.number_mismatches("Two ships carried 45 sailors.", "Два кораблі везли моряків.", "uk")
    assert [w.span for w in warnings] == ["45"]


def test_a_misspelt_name_is_not_the_source_s_name() -> None:
    # "Kherkiv" shares only "kh" with "Kharkiv" before they differ, however alike their ends.
    [warning] = checks.unsupported_names("Officials met in Kharkiv.", "Officials met in Kherkiv.")
    assert warning.span == "Kherkiv"
    assert checks.unsupported_names("Officials met in Kharkiv.", "Officials met in Kharkiv's centre.") == []


@pytest.mark.parametrize("language", ["uk", "ko", "en"])
def test_a_translation_without_letters_is_in_any_language(language: str) -> None:
    assert checks.wrong_language("2024 — 15%", language) == []


def test_a_short_ukrainian_rendering_matches_its_inflected_forms() -> None:
    pattern = checks.rendering_pattern("Азія", "uk")
    assert pattern.search("Зустріч в Азії завершилася.")
    assert pattern.search("Азія")
    assert not pattern.search("Австрія")


def test_a_korean_rendering_matches_with_its_particles_only() -> None:
    pattern = checks.rendering_pattern("키이우", "ko")
    assert pattern.search("회담은 키이우에서 열렸다.")
    assert pattern.search("키이우는 수도이다.")
    assert not pattern.search("키이우스 회담")


def test_a_number_kept_does_not_end_the_check_of_the_numbers_after_it() -> None:
    warnings = checks.number_mismatches("3 ships carried 45 sailors.", "3 кораблі везли моряків.", "uk")
    assert [w.span for w in warnings] == ["45"]


def test_the_letters_named_as_foreign_are_cyrillic_letters_only() -> None:
    [warning] = checks.wrong_language("Переговоры с NATO были бы полезны для Украины, это ясно.", "uk")
    assert warning.message.endswith("letters Ukrainian does not use (ы, э).")


@pytest.mark.parametrize("sentence", ["Президент виступив.", "Погода погана.", "Так, це правда.", "Вода холодна."])
def test_on_a_short_sentence_the_detector_s_vote_counts_only_in_part(sentence: str) -> None:
    # Between 10 and 30 letters the detector's vote grows with the length: on 11 to 17 letters
    # it reads these as Russian, Bulgarian or Belarusian, and alone it would be believed.
    assert checks.wrong_language(sentence, "uk") == []
