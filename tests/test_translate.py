from __future__ import annotations

import pytest

from summarize_cli.translate import Translator
from summarize_cli.types import GenerationSettings

from fakes import FakeModel


def test_sentences_of_all_texts_go_in_length_sorted_batches_with_lines_kept() -> None:
    model = FakeModel()
    translator = Translator(model, batch_size=2)
    texts = ["First one. Second sentence here.\n\nNew paragraph.", "Another text entirely."]
    out = translator.translate(texts)
    assert [t.text for t in out] == [
        "FIRST ONE. SECOND SENTENCE HERE.\n\nNEW PARAGRAPH.",
        "ANOTHER TEXT ENTIRELY.",
    ]
    assert [len(batch) for batch in model.calls] == [2, 2]
    flat = [s for batch in model.calls for s in batch]
    assert flat == sorted(flat, key=len)
    assert out[0].pairs[0] == ("First one.", "FIRST ONE.")


def test_repeated_sentences_are_translated_once() -> None:
    model = FakeModel()
    Translator(model).translate(["Same sentence.", "Same sentence. Other."])
    assert sorted(s for batch in model.calls for s in batch) == ["Other.", "Same sentence."]


def test_target_token_is_passed_and_counted_against_the_limit() -> None:
    model = FakeModel(max_input_tokens=6)
    translator = Translator(model, target_token=">>ukr<<")
    [out] = translator.translate(["one two three four five six seven eight nine ten."])
    assert set(model.prefixes) == {">>ukr<<"}
    assert out.text.split() == "ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN.".split()
    assert all(len(s.split()) + 2 <= 6 for batch in model.calls for s in batch)


def test_a_looping_output_is_retried_once_with_settings_that_discourage_repeats() -> None:
    def loop_once(text: str) -> str:
        return "la la la la la la" if len(model.calls) == 1 else "fixed"

    model = FakeModel(transform=loop_once)
    [out] = Translator(model, GenerationSettings(num_beams=4)).translate(["Sing."])
    assert out.text == "fixed"
    retry = model.settings[1]
    assert retry.num_beams == 4
    assert retry.no_repeat_ngram_size == 3
    assert retry.repetition_penalty is not None and retry.repetition_penalty > 1


def test_batches_are_filled_up_to_a_token_budget_padding_included() -> None:
    model = FakeModel()
    short = [f"Short {i}." for i in range(6)]  # 3 tokens each
    long = [" ".join(f"w{i}{j}" for j in range(10)) + "." for i in range(3)]  # 11 tokens each
    translator = Translator(model, batch_size=100, max_batch_tokens=12)
    translator.translate_units([*long, *short])
    costs = [len(batch) * max(model.count_tokens(batch)) for batch in model.calls]
    assert all(cost <= 12 for cost in costs[:-1])
    assert [len(batch) for batch in model.calls] == [4, 2, 1, 1, 1]  # short ones together, then one long per call
    assert sorted(s for batch in model.calls for s in batch) == sorted([*long, *short])
    sizes = [n for batch in model.calls for n in model.count_tokens(batch)]
    assert sizes == sorted(sizes)


def test_batch_size_bounds_a_batch_and_a_unit_over_the_budget_goes_alone() -> None:
    model = FakeModel()
    units = [f"Unit {i}." for i in range(10)]
    Translator(model, batch_size=4, max_batch_tokens=10_000).translate_units(units)
    assert [len(batch) for batch in model.calls] == [4, 4, 2]
    model.calls.clear()
    huge = " ".join(f"w{j}" for j in range(40)) + "."
    Translator(model, max_batch_tokens=8).translate_units([huge, "Tiny."])
    assert model.calls == [["Tiny."], [huge]]


def test_the_token_budget_comes_from_the_configuration_or_the_device() -> None:
    from summarize_cli.config import parse_config
    from summarize_cli.errors import ConfigError
    from summarize_cli.translate import default_batch_tokens

    base = '[summarizer]\nmodel = "s"\n[translation]\ntargets = []\n'
    assert parse_config(base + "max_batch_tokens = 2048\n", "m.toml", None).max_batch_tokens == 2048
    assert parse_config(base, "m.toml", None).max_batch_tokens is None
    for bad, why in (("0", "positive"), ('"many"', "must be"), ("-5", "negative")):
        with pytest.raises(ConfigError, match=f"translation.max_batch_tokens: .*{why}"):
            parse_config(base + f"max_batch_tokens = {bad}\n", "m.toml", None)
    assert default_batch_tokens("cpu") < default_batch_tokens("cuda")
    assert default_batch_tokens("mps") == default_batch_tokens("cpu")
