from __future__ import annotations

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
