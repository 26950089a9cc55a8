"""The two backends agree, conversion is atomic, and a failed conversion falls back."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summarize_cli.backends import ct2
from summarize_cli.backends.ct2 import CTranslate2Model, converted_path, ensure_converted, is_complete
from summarize_cli.backends.hf import TransformersModel
from summarize_cli.registry import default_loader
from summarize_cli.sentences import sentences_of
from summarize_cli.types import GenerationSettings, ModelSpec

from conftest import ROOT, SEED, TinyModels

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
