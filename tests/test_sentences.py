from __future__ import annotations

import pytest

from summarize_cli.sentences import sentences_of, split_paragraphs, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He left. She stayed.", ["He left.", "She stayed."]),
        ("The U.S. Army said so. Gen. Smith agreed.", ["The U.S. Army said so.", "Gen. Smith agreed."]),
        ('"Enough!" he said. Then he left?', ['"Enough!" he said.', "Then he left?"]),
        ("Prices rose 3.5 percent. Markets fell.", ["Prices rose 3.5 percent.", "Markets fell."]),
        ("J. K. Rowling wrote it. Fans cheered.", ["J. K. Rowling wrote it.", "Fans cheered."]),
        ("Зеленский заявил об этом. Т.е. обмен возможен.", ["Зеленский заявил об этом.", "Т.е. обмен возможен."]),
        ("Він сказав це. Обмін можливий.", ["Він сказав це.", "Обмін можливий."]),
        ("젤렌스키가 말했다. 교환이 가능하다.", ["젤렌스키가 말했다.", "교환이 가능하다."]),
        ("No full stop at the end", ["No full stop at the end"]),
        ("e.g. this is lower case. Next one.", ["e.g. this is lower case.", "Next one."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Встреча прошла на ул. Крещатик в Киеве. Потом все ушли.",
            ["Встреча прошла на ул. Крещатик в Киеве.", "Потом все ушли."],
        ),
        ("В 2022 г. Россия начала вторжение.", ["В 2022 г. Россия начала вторжение."]),
        ("Он согласился, т.е. Москва не против. Это важно.", ["Он согласился, т.е. Москва не против.", "Это важно."]),
        (
            "Зустріч відбулася на вул. Хрещатик у Києві. Потім усі пішли.",
            ["Зустріч відбулася на вул. Хрещатик у Києві.", "Потім усі пішли."],
        ),
        ("У 2022 р. Росія почала вторгнення.", ["У 2022 р. Росія почала вторгнення."]),
        ("Відкрили парк ім. Шевченка. Прийшли тисячі.", ["Відкрили парк ім. Шевченка.", "Прийшли тисячі."]),
    ],
)
def test_cyrillic_abbreviations_do_not_end_a_sentence(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("   ") == []


def test_a_stop_after_a_space_still_ends_a_sentence() -> None:
    # Wire copy has stray spaces; nothing before the stop makes it an abbreviation.
    assert split_sentences("He paused . Then he left.") == ["He paused .", "Then he left."]


def test_a_stop_followed_by_a_dash_does_not_end_the_sentence() -> None:
    text = "Talks ended. — Officials left. Then it rained."
    assert split_sentences(text) == ["Talks ended. — Officials left.", "Then it rained."]


def test_paragraphs_are_the_lines_blank_ones_included() -> None:
    assert split_paragraphs("One.\n\nTwo.") == ["One.", "", "Two."]


def test_sentences_of_a_text_run_paragraph_by_paragraph() -> None:
    assert sentences_of("He left. She stayed.\n\nIt rained") == ["He left.", "She stayed.", "It rained"]


def test_a_sentence_may_start_with_a_number_and_its_unit() -> None:
    assert split_sentences("He ran on. 5km later he stopped.") == ["He ran on.", "5km later he stopped."]
