from __future__ import annotations

import pytest

from summarize_cli.sentences import split_sentences


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


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("   ") == []
