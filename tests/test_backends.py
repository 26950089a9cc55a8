"""The two backends agree, conversion is atomic, and a failed conversion falls back."""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from summarize_cli.backends import ct2
from summarize_cli.backends.ct2 import CTranslate2Model, converted_path, ensure_converted, is_complete
from summarize_cli.backends.hf import TransformersModel
from summarize_cli.registry import default_loader
from summarize_cli.sentences import sentences_of
from summarize_cli.types import GenerationSettings, ModelSpec

from conftest import ROOT, SEED, TinyModels
from model_factory import CORPUS_EXTRA

SENTENCES = sentences_of(SEED.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _ct2_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZE_CLI_CACHE", str(tmp_path_factory.getbasetemp() / "ct2-cache"))


def spec_for(path: Path, role: str, language: str, **kw: str) -> ModelSpec:
    return ModelSpec(model=str(path), role=role, language=language, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("which", "prefix", "settings"),
    [
        ("uk", None, GenerationSettings(num_beams=1, max_new_tokens=24)),
        ("ru", ">>rus<<", GenerationSettings(num_beams=1, max_length=30, min_length=10)),
        ("summary", None, GenerationSettings(num_beams=1, max_length=40, min_length=8)),
        ("summary", None, GenerationSettings(num_beams=1, max_new_tokens=16)),
    ],
)
def test_greedy_float32_gives_the_same_tokens_on_both_backends(
    tiny_models: TinyModels, which: str, prefix: str | None, settings: GenerationSettings
) -> None:
    if which == "summary":
        spec = spec_for(tiny_models.summarizer, "summary", "en", compute_type="float32")
    else:
        spec = spec_for(tiny_models.translators[which], "translation", which, compute_type="float32")
    reference = TransformersModel(spec, "cpu", offline=True).generate(SENTENCES, settings, prefix)
    fast = CTranslate2Model(spec, "cpu", offline=True).generate(SENTENCES, settings, prefix)
    assert len(set(reference)) >= 4  # different inputs really lead to different outputs
    assert fast == reference


# Varied news sentences of 8 to 37 words: the seed article's, the corpus' own and new ones.
VARIED = list(
    dict.fromkeys(
        [
            *SENTENCES,
            *CORPUS_EXTRA.splitlines(),
            "North Korean soldiers were captured in Kyiv on Monday.",
            "The White House said the talks in Geneva would continue.",
            "Ukrainian intelligence reported 10,000 troops near the border.",
            "Zelensky shared images of the soldiers with the ministry.",
            "Witnesses in Seoul described long queues at the crossing.",
            "The security service said the prisoners were receiving medical care.",
        ]
    )
)
# models.toml's summarizer settings, its lengths scaled from articles to these sentences.
SHIPPED_SUMMARY = GenerationSettings(
    num_beams=4, no_repeat_ngram_size=3, length_penalty=2.0, min_length=10, max_length=60
)
# A translator's own defaults (length penalty 1, transformers' stopping heuristic), four beams, no repeats.
SHIPPED_TRANSLATION = GenerationSettings(num_beams=4, no_repeat_ngram_size=3)


@pytest.mark.parametrize(("which", "settings"), [("summary", SHIPPED_SUMMARY), ("uk", SHIPPED_TRANSLATION)])
def test_beam_search_under_the_shipped_settings_picks_the_top_beam_transformers_picks(
    tiny_models: TinyModels, which: str, settings: GenerationSettings
) -> None:
    if which == "summary":
        spec = spec_for(tiny_models.summarizer, "summary", "en", compute_type="float32")
    else:
        spec = spec_for(tiny_models.translators[which], "translation", which, compute_type="float32")
    reference = TransformersModel(spec, "cpu", offline=True).generate(VARIED, settings)
    fast = CTranslate2Model(spec, "cpu", offline=True).generate(VARIED, settings)
    assert len(VARIED) >= 20 and len(set(reference)) >= len(VARIED) - 2  # really different outputs
    same = sum(a == b for a, b in zip(reference, fast, strict=True)) / len(VARIED)
    assert same >= 0.9, list(zip(reference, fast, strict=True))


class TranslatorSpy:
    """Stands in for a ctranslate2.Translator: records each call's options and results."""

    def __init__(self, translator: Any) -> None:
        self.translator = translator
        self.calls: list[tuple[dict[str, Any], list[Any]]] = []

    def translate_batch(self, *args: Any, **kwargs: Any) -> list[Any]:
        results: list[Any] = self.translator.translate_batch(*args, **kwargs)
        self.calls.append((kwargs, results))
        return results


def spied(model: CTranslate2Model) -> TranslatorSpy:
    spy = TranslatorSpy(model.translator)
    model.translator = spy
    return spy


@pytest.mark.parametrize(
    ("which", "settings"),
    [
        # No minimum length and no repeat ban: without renormalize_logits (as here), transformers
        # leaves the probability of a banned token out of the beam's score; CTranslate2 never does.
        ("summary", GenerationSettings(num_beams=4, length_penalty=2.0, min_length=0, max_length=60)),
        ("uk", SHIPPED_TRANSLATION),
    ],
)
def test_a_finished_beam_scores_as_in_transformers_forced_first_and_end_token_counted(
    tiny_models: TinyModels, which: str, settings: GenerationSettings
) -> None:
    path = tiny_models.summarizer if which == "summary" else tiny_models.translators[which]
    spec = spec_for(path, "summary" if which == "summary" else "translation", "en", compute_type="float32")
    reference = TransformersModel(spec, "cpu", offline=True)
    encoded = reference.tokenizer(VARIED, return_tensors="pt", padding=True)
    out = reference.model.generate(**encoded, **settings.as_kwargs(), return_dict_in_generate=True, output_scores=True)
    eos, pad = reference.tokenizer.eos_token_id, reference.tokenizer.pad_token_id

    def content(ids: list[int]) -> list[int]:
        while ids and ids[-1] in (eos, pad):
            ids = ids[:-1]
        return ids

    model = CTranslate2Model(spec, "cpu", offline=True)
    spy = spied(model)
    model.generate(VARIED, settings)
    (options, results), compared, cut = spy.calls[0], 0, 0
    for sequence, score, result in zip(out.sequences.tolist(), out.sequences_scores.tolist(), results, strict=True):
        generated = content(sequence[1:])  # after the decoder start token, which neither counts
        hypotheses = [model.tokenizer.to_ids(tokens) for tokens in result.hypotheses]
        for ids, fast_score in zip(hypotheses, result.scores, strict=True):
            if content(ids) == generated:
                as_transformers = ct2.transformers_score(ids, fast_score, options["length_penalty"], {eos}, True)
                assert as_transformers == pytest.approx(score, abs=1e-4)
                compared, cut = compared + 1, cut + (ids[-1] != eos)
    assert compared >= 0.9 * len(VARIED)
    if which == "summary":
        assert cut  # among them a summary cut at max_length, where transformers forces the end token


def test_a_beam_cut_at_the_limit_is_ranked_as_if_it_ended_there() -> None:
    # CTranslate2's scores: log-probability / len ** 1. The second was cut at the limit (no end
    # token, 2): transformers forces one there, so it scores -3.0 / 4 and comes first.
    ended, cut = [5, 6, 2], [5, 7, 8]
    assert ct2._best_as_transformers([ended, cut], [-0.9, -1.0], 1.0, {2}, cut_one_short=True) == cut
    assert ct2._best_as_transformers([ended, cut], [-0.9, -1.0], 1.0, {2}, cut_one_short=False) == ended


@pytest.mark.parametrize(
    ("early_stopping", "length_penalty", "patience"),
    [
        (True, 2.0, 1.0),
        (False, 1.0, ct2._HEURISTIC_PATIENCE),
        ("never", 1.0, 58.0),  # more finished hypotheses than 58 steps can hold: to the limit
        (False, 0.0, None),
    ],
)
def test_transformers_early_stopping_sets_how_long_ctranslate2_searches(
    tiny_models: TinyModels, early_stopping: bool | str, length_penalty: float, patience: float | None
) -> None:
    model = CTranslate2Model(spec_for(tiny_models.summarizer, "summary", "en"), "cpu", offline=True)
    model.defaults.early_stopping = early_stopping
    options = model.decoding_options(GenerationSettings(num_beams=4, max_length=60, length_penalty=length_penalty))
    assert options.get("patience") == patience  # True: stop at as many finished as beams, exactly
    assert options.get("num_hypotheses", 1) == (round(4 * patience) if patience else 1)


def test_no_repeat_ngram_size_and_length_penalty_reach_ctranslate2(tiny_models: TinyModels) -> None:
    model = CTranslate2Model(spec_for(tiny_models.translators["uk"], "translation", "uk"), "cpu", offline=True)
    spy = spied(model)
    model.generate(VARIED, GenerationSettings(num_beams=4))
    model.generate(VARIED, GenerationSettings(num_beams=4, no_repeat_ngram_size=2, length_penalty=0.5))
    (free, free_results), (options, results) = spy.calls

    def repeats_a_pair(tokens: list[str]) -> bool:
        pairs = list(itertools.pairwise(tokens))
        return len(set(pairs)) < len(pairs)

    assert (free["no_repeat_ngram_size"], free["length_penalty"]) == (0, 1.0)
    assert (options["no_repeat_ngram_size"], options["length_penalty"]) == (2, 0.5)
    assert any(repeats_a_pair(r.hypotheses[0]) for r in free_results)  # these copies do repeat pairs
    assert not any(repeats_a_pair(tokens) for r in results for tokens in r.hypotheses)


def test_a_local_model_changed_in_place_is_converted_again(
    tiny_models: TinyModels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = tmp_path / "en-uk"
    shutil.copytree(tiny_models.translators["uk"], local)
    spec = spec_for(local, "translation", "uk")
    run = subprocess.run
    conversions: list[list[str]] = []

    def counting(command: list[str], *args: Any, **kwargs: Any) -> Any:
        conversions.append(command)
        return run(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting)
    folders = [ensure_converted(spec, "int8", offline=True)]
    assert ensure_converted(spec, "int8", offline=True) == folders[0] and len(conversions) == 1
    changed = local / "generation_config.json"
    stat = changed.stat()
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # touched: same size
    folders.append(ensure_converted(spec, "int8", offline=True))
    text = changed.read_text()
    changed.write_text(text + "\n")
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # edited: same time
    folders.append(ensure_converted(spec, "int8", offline=True))
    assert len(set(folders)) == 3 and all(is_complete(folder) for folder in folders)
    assert len(conversions) == 3
    assert all(str(folder) in command for folder, command in zip(folders, conversions, strict=True))


def test_int8_runs_by_default_on_the_cpu(tiny_models: TinyModels) -> None:
    model = CTranslate2Model(spec_for(tiny_models.translators["uk"], "translation", "uk"), "cpu", offline=True)
    assert model.compute_type == "int8"
    assert converted_path(model.spec, "int8").name.endswith("--int8")
    assert all(out.strip() for out in model.generate(SENTENCES[:4], GenerationSettings(num_beams=2)))


def test_auto_uses_ctranslate2_on_the_cpu(tiny_models: TinyModels) -> None:
    model = default_loader(spec_for(tiny_models.translators["ko"], "translation", "ko"), "cpu", True)
    assert isinstance(model, CTranslate2Model)


def test_a_killed_conversion_is_never_taken_as_complete(tiny_models: TinyModels, tmp_path: Path) -> None:
    spec = spec_for(tiny_models.translators["uk"], "translation", "uk")
    os.environ["SUMMARIZE_CLI_CACHE"] = str(tmp_path / "cache")
    target = converted_path(spec, "float32")
    target.parent.mkdir(parents=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "summarize_cli.backends.ct2", spec.model, str(target), "float32"], cwd=ROOT
    )
    deadline = time.monotonic() + 60
    while not list(target.parent.glob("*.partial-*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list(target.parent.glob("*.partial-*")), "the conversion finished before it could be killed"
    assert not is_complete(target)
    assert not target.exists()

    done = ensure_converted(spec, "float32", offline=True)
    assert done == target and is_complete(target)
    assert not list(target.parent.glob("*.partial-*"))  # the dead one was cleaned up
    assert ensure_converted(spec, "float32", offline=True) == target  # reused, not redone


def test_a_failed_conversion_falls_back_to_transformers_with_a_warning(
    tiny_models: TinyModels, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in Path(tiny_models.translators["uk"]).iterdir():
        (broken / item.name).symlink_to(item)
    (broken / "config.json").unlink()
    config = (Path(tiny_models.translators["uk"]) / "config.json").read_text()
    # transformers runs this activation; CTranslate2 has no kernel for it.
    (broken / "config.json").write_text(
        config.replace('"activation_function": "gelu"', '"activation_function": "mish"')
    )
    spec = spec_for(broken, "translation", "uk", backend="ctranslate2")
    with caplog.at_level(logging.WARNING, logger="summarize_cli"):
        model = default_loader(spec, "cpu", True)
    assert isinstance(model, TransformersModel)
    assert "could not be converted for CTranslate2" in caplog.text and "using transformers instead" in caplog.text
    assert model.generate(["Talks go on."], GenerationSettings(max_new_tokens=5))[0]


@pytest.mark.parametrize(
    ("name", "key"), [("config.json", "share_encoder_decoder_embeddings"), ("tokenizer_config.json", "separate_vocabs")]
)
def test_separate_vocabularies_are_not_converted(tiny_models: TinyModels, tmp_path: Path, name: str, key: str) -> None:
    separate = tmp_path / "separate"
    separate.mkdir()
    for item in Path(tiny_models.translators["uk"]).iterdir():
        (separate / item.name).symlink_to(item)
    settings = json.loads((separate / name).read_text())
    (separate / name).unlink()
    (separate / name).write_text(json.dumps({**settings, key: key == "separate_vocabs"}))
    spec = spec_for(separate, "translation", "uk")
    with pytest.raises(ct2.ConversionError, match="separate source and target vocabularies"):
        CTranslate2Model(spec, "cpu", offline=True)
    assert not list(converted_path(spec, "int8").parent.glob(f"{converted_path(spec, 'int8').name}*"))


def test_a_conversion_that_fills_the_disk_says_where_and_what_to_do(
    tiny_models: TinyModels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ct2.CACHE_ENV, str(tmp_path / "ct2"))

    def full_disk(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(
            command, 1, "", "Traceback ...\nOSError: [Errno 28] No space left on device\n"
        )

    monkeypatch.setattr(subprocess, "run", full_disk)
    spec = ModelSpec(model=str(tiny_models.translators["uk"]), role="translation", language="uk")
    with pytest.raises(ct2.ConversionError) as caught:
        ensure_converted(spec, "int8", offline=True)
    assert str(caught.value) == (
        f"{spec.model} could not be converted for CTranslate2: the disk holding its cache ({tmp_path / 'ct2'}) "
        "is full; free some space there, or set SUMMARIZE_CLI_CACHE to a folder on a larger disk"
    )
