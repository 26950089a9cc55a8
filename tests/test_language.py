"""Offline language detection, and articles in other languages through the pivot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarize_cli.language import detect_language, language_probabilities
from summarize_cli.status import ExitStatus

from conftest import ROOT, UKRAINIAN, TinyModels, invoke


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Zelensky offers a prisoner trade.", "en"),
        ("Talks go on in Kyiv.", "en"),
        ("Він сказав це.", "uk"),
        ("Переговори тривають.", "uk"),
        ("Обмін полоненими відбувся в понеділок.", "uk"),
        ("Он сказал это.", "ru"),
        ("Переговоры продолжаются.", "ru"),
        ("Обмен пленными состоялся в понедельник.", "ru"),
        ("교환이 가능하다.", "ko"),
        ("젤렌스키 대통령은 포로 교환을 제안했다.", "ko"),
        (UKRAINIAN, "uk"),
        ((ROOT / "seeds" / "zelensky-pow-exchange.txt").read_text(encoding="utf-8"), "en"),
    ],
)
def test_detection_on_real_sentences(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_too_little_to_tell_keeps_the_default() -> None:
    assert detect_language("2025 — 10,000 / 150") == "en"
    assert detect_language("More.") == "en"
    assert detect_language("More.", default="uk") == "uk"


def test_a_ukrainian_article_goes_through_the_pivot(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    article = tmp_path / "ukr.txt"
    article.write_text(UKRAINIAN, encoding="utf-8")
    result = invoke(cli, ["-c", str(tiny_models.config), "-f", "json", str(article)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["language"] == "uk"
    assert data["models"]["pivot"] == str(tiny_models.pivots["uk"])
    assert data["summary"].strip()  # the English summary
    assert set(data["translations"]) == {"uk", "ko", "ru"}
    assert all(text.strip() for text in data["translations"].values())


def test_from_overrides_detection(cli: CliRunner, tiny_models: TinyModels) -> None:
    seed = str(ROOT / "seeds" / "zelensky-pow-exchange.txt")
    result = invoke(cli, ["-c", str(tiny_models.config), "-f", "json", "--no-translate", "--from", "uk", seed])
    data = json.loads(result.stdout)
    assert data["language"] == "uk" and data["models"]["pivot"]
    # A language the config cannot read is refused before any work, naming the key to add.
    refused = invoke(cli, ["-c", str(tiny_models.config), "--no-translate", "--from", "de", seed])
    assert refused.exit_code == ExitStatus.USAGE and refused.stdout == ""
    assert "[translation.pivot.de]" in refused.stderr and "languages it reads: en, uk" in refused.stderr


def test_a_language_without_a_pivot_names_the_missing_key(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    article = tmp_path / "ru.txt"
    article.write_text("Переговоры об обмене пленными продолжаются, сообщили в министерстве.", encoding="utf-8")
    result = invoke(cli, ["-c", str(tiny_models.config), "-f", "json", str(article)])
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    error = json.loads(result.stdout)["error"]
    assert "'ru'" in error and "[translation.pivot.ru]" in error and str(tiny_models.config) in error


def test_probabilities_sum_to_one_over_the_candidates_and_ignore_digits() -> None:
    text = "Переговоры продолжаются в Женеве на следующей неделе."
    probabilities = language_probabilities(text, ["uk", "ru", "bg"])
    assert set(probabilities) == {"uk", "ru", "bg"}
    assert abs(sum(probabilities.values()) - 1) < 1e-6
    assert max(probabilities, key=probabilities.__getitem__) == "ru"
    assert language_probabilities(f"2025 — {text} 10,000", ["uk", "ru", "bg"]) == probabilities


def test_probabilities_of_a_text_without_words_are_even() -> None:
    assert language_probabilities("2025 — 10,000", ["uk", "ru"]) == {"uk": 0.5, "ru": 0.5}
