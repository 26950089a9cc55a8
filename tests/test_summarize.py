from __future__ import annotations

import pytest

from summarize_cli.cleaning import clean_text
from summarize_cli.errors import GenerationError
from summarize_cli.sentences import sentences_of
from summarize_cli.summarize import extractive_summary, summarize_abstractive
from summarize_cli.types import GenerationSettings

from conftest import SEED
from fakes import FakeModel


def first_words(n: int) -> FakeModel:
    return FakeModel(max_input_tokens=20, transform=lambda text: " ".join(text.split()[:n]))


def test_a_text_that_fits_is_summarized_in_one_call() -> None:
    model = first_words(3)
    assert summarize_abstractive(model, ["Short text here. Another one."], GenerationSettings()) == ["Short text here."]
    assert model.calls == [["Short text here. Another one."]]


def test_a_long_text_is_chunked_then_the_joined_summaries_are_summarized_again() -> None:
    model = first_words(3)
    sentences = [f"Sentence number {i} has six words." for i in range(12)]
    [summary] = summarize_abstractive(model, [" ".join(sentences)], GenerationSettings(num_beams=2))
    first_round = model.calls[0]
    assert all(model.count_tokens([chunk])[0] <= 20 for chunk in first_round)
    assert " ".join(first_round).split() == " ".join(sentences).split()  # every sentence was read, in order
    assert summary == "Sentence number 0"
    assert len(model.calls) >= 2
    assert all(s == GenerationSettings(num_beams=2) for s in model.settings)


def test_summaries_are_batched_across_texts_and_returned_in_order() -> None:
    model = first_words(2)
    texts = ["Alpha beta gamma.", "Delta epsilon.", "Zeta eta theta iota."]
    assert summarize_abstractive(model, texts, GenerationSettings()) == ["Alpha beta", "Delta epsilon.", "Zeta eta"]
    assert len(model.calls) == 1


def test_extractive_summary_is_verbatim_sentences_in_source_order() -> None:
    text, _ = clean_text(SEED.read_text(encoding="utf-8"))
    summary = extractive_summary(text, 3)
    source_sentences = sentences_of(text)
    chosen = sentences_of(summary)
    assert len(chosen) == 3
    assert all(s in source_sentences for s in chosen)
    assert [source_sentences.index(s) for s in chosen] == sorted(source_sentences.index(s) for s in chosen)


def test_extractive_summary_of_a_short_text_is_the_text() -> None:
    assert extractive_summary("One. Two.", 3) == "One. Two."


def test_summaries_that_do_not_shrink_are_an_error_not_a_loop() -> None:
    model = FakeModel(max_input_tokens=10, transform=lambda text: text)
    with pytest.raises(GenerationError, match="did not shrink"):
        summarize_abstractive(
            model, ["One two three four five. Six seven eight nine ten. Eleven twelve."], GenerationSettings()
        )
    assert len(model.calls) == 1
