from __future__ import annotations

import dataclasses

import pytest

from summarize_cli.config import parse_config
from summarize_cli.errors import ConfigError, GenerationError
from summarize_cli.pipeline import Pipeline, RunOptions
from summarize_cli.registry import ModelRegistry
from summarize_cli.types import Article

from conftest import SEED
from fakes import FakeModel, fake_loader

CONFIG = parse_config(
    """
[summarizer]
model = "sum"
[translation]
targets = ["uk", "ru"]
[translation.models.uk]
model = "en-uk"
[translation.models.ru]
model = "en-ru"
target_token = ">>rus<<"
""",
    "test.toml",
    None,
)


def make(options: RunOptions | None = None, **models: FakeModel) -> tuple[Pipeline, dict[str, FakeModel]]:
    fakes = {"en": FakeModel(max_input_tokens=200), "uk": FakeModel(), "ru": FakeModel(), **models}
    registry = ModelRegistry(loader=fake_loader(fakes))
    registry._device = "cpu"
    # These tests are about orchestration; language detection has its own.
    options = dataclasses.replace(options or RunOptions(), source_language="en")
    return Pipeline(CONFIG, options, registry), fakes


def article(name: str, text: str) -> Article:
    return Article(source=name, text=text)


def test_each_model_loads_once_and_work_is_batched_across_articles() -> None:
    pipeline, fakes = make()
    results = pipeline.run([article("a", "One story.\nOne story."), article("b", "Two story.")])
    assert [r.source for r in results] == ["a", "b"]
    assert results[0].cleaning is not None and results[0].cleaning.duplicates_removed == 1
    assert results[0].summary == "ONE STORY."
    assert results[0].translations == {"uk": "ONE STORY.", "ru": "ONE STORY."}
    assert len(fakes["en"].calls) == 1
    assert len(fakes["uk"].calls) == 1 and len(fakes["uk"].calls[0]) == 2
    assert fakes["ru"].prefixes == [">>rus<<"]
    assert [spec.language for spec in pipeline.registry.loaded] == ["en", "uk", "ru"]
    assert results[0].models == {"summary": "sum", "uk": "en-uk", "ru": "en-ru"}


def test_no_summary_translates_the_cleaned_article() -> None:
    pipeline, fakes = make(RunOptions(summary="none", targets=("uk",)))
    [result] = pipeline.run([article("a", "Body  text.")])
    assert result.summary is None
    assert result.translations == {"uk": "BODY TEXT."}
    assert fakes["en"].calls == []


def test_no_translate_gives_empty_translations() -> None:
    pipeline, fakes = make(RunOptions(translate=False))
    [result] = pipeline.run([article("a", "Body text.")])
    assert result.translations == {}
    assert fakes["uk"].calls == []


def test_an_unknown_target_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"translation\.models\.de"):
        make(RunOptions(targets=("de",)))


def test_a_failing_article_fails_alone() -> None:
    def explode(text: str) -> str:
        if "poison" in text:
            raise GenerationError("model broke")
        return text.upper()

    pipeline, _ = make(en=FakeModel(max_input_tokens=200, transform=explode))
    results = pipeline.run([article("good", "Fine text."), article("bad", "poison text."), article("ok", "More.")])
    assert [r.error is None for r in results] == [True, False, True]
    assert results[1].error is not None and "model broke" in results[1].error
    assert results[0].translations["uk"] == "FINE TEXT."


def test_results_carry_hashes_of_input_and_configuration() -> None:
    pipeline, _ = make()
    other, _ = make(RunOptions(summary="extractive"))
    a, b = pipeline.run([article("a", "Text one."), article("b", "Text two.")])
    assert a.input_sha256 != b.input_sha256
    assert a.config_sha256 == b.config_sha256 == pipeline.fingerprint() != other.fingerprint()


def test_seed_article_through_fakes_keeps_json_shape() -> None:
    pipeline, _ = make(en=FakeModel(max_input_tokens=200, transform=lambda text: " ".join(text.split()[:12])))
    [result] = pipeline.run([article("seed", SEED.read_text(encoding="utf-8"))])
    data = result.as_dict()
    assert {"source", "language", "cleaning", "summary", "translations", "models", "warnings", "error"} <= set(data)
    assert data["cleaning"] == {"lines_in": 9, "lines_out": 8, "duplicates_removed": 1}


def test_a_looping_summary_is_retried_once_with_settings_that_discourage_repeats() -> None:
    summarizer = FakeModel(max_input_tokens=200, transform=lambda t: "loop loop loop loop loop")
    pipeline, _ = make(RunOptions(translate=False), en=summarizer)
    [result] = pipeline.run([article("a", "A calm report.")])
    assert len(summarizer.calls) == 2
    assert summarizer.settings[1].no_repeat_ngram_size == 3
    # Still looping after the retry (and, being all loop, unsupported by the article too).
    assert [w.code for w in result.warnings] == ["weak_evidence", "repetition"]


def test_the_library_runs_without_click_or_rich() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from summarize_cli import Article, Pipeline, RunOptions, load_config\n"
        "from summarize_cli.cleaning import clean\n"
        "pipeline = Pipeline(load_config(), RunOptions(summary='extractive', translate=False))\n"
        "[r] = pipeline.run([Article(source='s', text='One fact. Another fact. A third one here.')])\n"
        "assert r.summary, r\n"
        "print(sorted(m for m in ('click', 'rich') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
