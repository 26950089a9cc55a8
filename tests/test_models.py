"""``models``, ``models check`` and ``models pull``: what is configured, whether it works, fetching it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarize_cli.probe import PROBES, check_model
from summarize_cli.sentences import sentences_of
from summarize_cli.status import ExitStatus
from summarize_cli.types import ModelSpec

from conftest import ROOT, TinyModels, corpus, invoke, run_cli, write_config
from fakes import FakeModel
from model_factory import build_marian

OTHER_LANGUAGE = [
    "Президент Украины заявил, что обмен пленными возможен уже в этом месяце.",
    "Переговоры продолжатся на следующей неделе в Женеве, сообщили в министерстве.",
    "Свидетели рассказали о сильных обстрелах у границы и длинных очередях на переходе.",
] * 20


@pytest.fixture(scope="module")
def mismatched_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Marian checkpoint whose vocabulary was built for another tokenizer."""
    return build_marian(tmp_path_factory.mktemp("mismatch") / "en-ko", corpus(), seed=5, vocab_corpus=OTHER_LANGUAGE)


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_check_runs_the_probe_and_fails_on_gibberish(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, ["models", "-c", str(tiny_models.config), "check", "-f", "json"])
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    reports = {(r["role"], r["language"]): r for r in json.loads(result.stdout)}
    translations = [("translation", language) for language in ("uk", "ko", "ru")]
    assert set(reports) == {("summary", "en"), *translations, ("pivot", "uk")}
    for key in translations:
        report = reports[key]
        assert report["loaded"] and report["load_seconds"] >= 0 and report["output"]
        assert report["unknown_share"] < 0.03
        assert any(p.startswith("wrong_language: Expected") for p in report["problems"])
        assert not report["ok"]
    pivot = reports[("pivot", "uk")]
    assert pivot["loaded"] and pivot["output"] and pivot["note"] is None
    # Its vocabulary was built on Ukrainian and English, so the Ukrainian probe tokenizes.
    assert pivot["unknown_share"] < 0.03
    # Its gibberish is judged as English, the language a pivot writes, never as Ukrainian.
    assert all("Ukrainian" not in p for p in pivot["problems"])


# The probe's sentences, each with its translation, for a stand-in model that translates well.
UK_TO_EN = dict(zip(sentences_of(PROBES["uk"]), sentences_of(PROBES["en"]), strict=True))
EN_TO_UK = {english: ukrainian for ukrainian, english in UK_TO_EN.items()}


def test_a_pivot_is_probed_in_the_language_it_reads_and_answers_in_english() -> None:
    model = FakeModel(transform=lambda sentence: UK_TO_EN.get(sentence, "?"))
    report = check_model(ModelSpec(model="uk-en", role="pivot", language="uk"), lambda spec: model)
    assert sorted(s for call in model.calls for s in call) == sorted(UK_TO_EN)
    assert report.output == PROBES["en"]
    assert report.ok and report.problems == [] and report.warnings == ()


def test_a_pivot_that_answers_in_its_own_language_fails() -> None:
    report = check_model(ModelSpec(model="uk-uk", role="pivot", language="uk"), lambda spec: FakeModel(transform=str))
    assert not report.ok
    assert [p.split(":")[0] for p in report.problems] == ["wrong_language", "untranslated"]
    assert report.problems[0].startswith("wrong_language: Expected English (Latin script)")


def test_a_translation_model_is_probed_in_english_and_answers_in_its_language() -> None:
    model = FakeModel(transform=lambda sentence: EN_TO_UK.get(sentence, "?"))
    report = check_model(ModelSpec(model="en-uk", role="translation", language="uk"), lambda spec: model)
    assert sorted(s for call in model.calls for s in call) == sorted(EN_TO_UK)
    assert report.ok and report.output == PROBES["uk"]


def test_a_pivot_from_a_language_without_a_probe_text_is_loaded_but_not_probed() -> None:
    model = FakeModel()
    report = check_model(ModelSpec(model="de-en", role="pivot", language="de"), lambda spec: model)
    assert report.loaded and report.ok and model.calls == []
    assert report.note is not None and "'de'" in report.note


def test_check_catches_a_vocabulary_that_does_not_match_the_tokenizer(
    cli: CliRunner, tiny_models: TinyModels, mismatched_model: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "m.toml", tiny_models.summarizer, {"ko": mismatched_model})
    result = invoke(cli, ["models", "-c", str(config), "check", "ko", "-f", "json"])
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    [report] = json.loads(result.stdout)
    assert report["unknown_share"] > 0.3
    assert any("unknown to the vocabulary" in p for p in report["problems"])


def test_check_text_output_names_each_model(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, ["models", "-c", str(tiny_models.config), "check", "uk"])
    assert result.stdout.startswith("FAIL\ttranslation uk\t")
    assert "loaded in" in result.stdout and "output: " in result.stdout


def test_check_of_an_unavailable_model_exits_5(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    config = write_config(tmp_path / "m.toml", tiny_models.summarizer, {"uk": tiny_models.translators["uk"]})
    config.write_text(config.read_text().replace(str(tiny_models.translators["uk"]), "Helsinki-NLP/opus-mt-en-uk"))
    result = invoke(cli, ["models", "-c", str(config), "check", "uk", "--offline"])
    assert result.exit_code == ExitStatus.MODEL_UNAVAILABLE
    assert "not loaded" in result.stdout and "models pull" in result.stdout


def test_unknown_model_name_is_a_usage_error(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, ["models", "-c", str(tiny_models.config), "check", "de"])
    assert result.exit_code == ExitStatus.USAGE
    assert "no model is configured for de" in result.stderr and "choose from ko, ru, summary, uk" in result.stderr


def test_a_pinned_revision_is_reported(cli: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "m.toml"
    config.write_text(
        '[summarizer]\nmodel = "sshleifer/distilbart-cnn-12-6"\nrevision = "a4f8f3e"\n'
        '[translation]\ntargets = ["uk"]\n[translation.models.uk]\nmodel = "Helsinki-NLP/opus-mt-en-uk"\n'
        'backend = "transformers"\n'
    )
    rows = json.loads(invoke(cli, ["models", "-c", str(config), "-f", "json"]).stdout)["models"]
    assert (rows[0]["revision"], rows[1]["revision"], rows[1]["backend"]) == ("a4f8f3e", None, "transformers")
    assert not rows[0]["available"]


def test_over_long_article_is_refused_naming_limit_and_flag(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    long = tmp_path / "long.txt"
    long.write_text("Word after word. " * 60)
    result = invoke(cli, ["-c", str(tiny_models.config), "--max-words", "100", str(long)])
    assert result.exit_code == ExitStatus.NO_INPUT
    assert "is 180 words long, over the limit of 100 (raise it with --max-words)" in result.stderr


def hub_models(tiny_models: TinyModels, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """A models.toml naming Hub ids, and the tiny models a stand-in Hub serves under those ids."""
    config = tmp_path / "models.toml"
    config.write_text(
        '[summarizer]\nmodel = "sshleifer/distilbart-cnn-12-6"\nmax_length = 30\n'
        '[translation]\ntargets = ["uk"]\n[translation.models.uk]\nmodel = "Helsinki-NLP/opus-mt-en-uk"\nmax_new_tokens = 20\n'
    )
    repos = {
        "sshleifer/distilbart-cnn-12-6": tiny_models.summarizer,
        "Helsinki-NLP/opus-mt-en-uk": tiny_models.translators["uk"],
    }
    return config, repos


def test_pull_fetches_once_and_then_offline_runs_work(tiny_models: TinyModels, tmp_path: Path) -> None:
    from fake_hub import serve

    config, repos = hub_models(tiny_models, tmp_path)
    home = tmp_path / "hf-home"
    with serve(repos) as hub:
        online = {
            "HF_ENDPOINT": hub.url,
            "HF_HOME": str(home),
            "HF_HUB_OFFLINE": "0",
            "SUMMARIZE_CLI_CACHE": str(tmp_path / "ct2"),
        }
        before = run_cli(["models", "-c", str(config), "-f", "json"], env=online)
        assert [m["available"] for m in json.loads(before.stdout)["models"]] == [False, False]

        first = run_cli(["models", "-c", str(config), "pull"], env=online)
        assert first.returncode == 0, first.stderr.decode()
        fetched = list(hub.downloads)
        assert any(name.endswith("model.safetensors") for name in fetched)
        assert {name.split("/")[0] + "/" + name.split("/")[1] for name in fetched} == set(repos)
        assert list((tmp_path / "ct2").glob("*--int8"))  # converted for CTranslate2 as well

        hub.downloads.clear()
        second = run_cli(["models", "-c", str(config), "pull"], env=online)
        assert second.returncode == 0, second.stderr.decode()
        assert hub.downloads == []

    offline = {**online, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    listed = run_cli(["models", "-c", str(config), "-f", "json"], env=offline)
    assert all(m["available"] and m["size_bytes"] > 0 for m in json.loads(listed.stdout)["models"])
    result = run_cli(["-c", str(config), "--offline", "-f", "json", "seeds/zelensky-pow-exchange.txt"], env=offline)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["translations"]["uk"]


def test_first_use_downloads_converts_once_and_then_works_offline(tiny_models: TinyModels, tmp_path: Path) -> None:
    from fake_hub import serve

    config, repos = hub_models(tiny_models, tmp_path)
    cache = tmp_path / "ct2"
    env = {"HF_HOME": str(tmp_path / "hf-home"), "HF_HUB_OFFLINE": "0", "SUMMARIZE_CLI_CACHE": str(cache)}
    seed = "seeds/zelensky-pow-exchange.txt"
    with serve(repos) as hub:
        first = run_cli(["-c", str(config), "-f", "json", seed], env={**env, "HF_ENDPOINT": hub.url})
        assert first.returncode == 0, first.stderr.decode()
        assert any(name.endswith("model.safetensors") for name in hub.downloads)
        commits = {hub.commit(repo) for repo in repos}
    converted = sorted(p.name for p in cache.iterdir() if not p.name.startswith("."))
    assert len(converted) == 2
    assert {name.split("--")[-2] for name in converted} == commits  # keyed by the commit fetched
    assert b"converting" in first.stderr

    offline = {**env, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    second = run_cli(["-c", str(config), "-f", "json", seed], env=offline)
    assert second.returncode == 0, second.stderr.decode()
    assert b"converting" not in second.stderr
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith(".")) == converted


@pytest.mark.parametrize(
    "command",
    [["models", "check"], ["models", "pull"], ["--offline", "models", "pull"], ["-f", "json", str(ROOT / "seeds")]],
)
def test_a_model_folder_that_is_not_there_is_said_so_with_where_to_fix_it(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, command: list[str]
) -> None:
    config = write_config(tmp_path / "models.toml", tmp_path / "no-such" / "bart", tiny_models.translators)
    result = invoke(cli, ["-c", str(config), *command])
    assert result.exit_code == ExitStatus.MODEL_UNAVAILABLE, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"the summary model '{tmp_path / 'no-such' / 'bart'}' names a folder that does not exist" in result.stderr
    assert "under [summarizer] in models.toml" in result.stderr
    assert "HTTPS_PROXY" not in result.stderr  # nothing to do with the network
    assert "0 done" not in result.stderr  # no closing line for a run that stopped before any article


def test_models_lists_a_model_folder_that_is_not_there_as_missing(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "models.toml", tmp_path / "no-such" / "bart", tiny_models.translators)
    result = invoke(cli, ["-c", str(config), "models", "-f", "json"])
    assert result.exit_code == 0, result.output
    listed = {(m["role"], m["language"]): m for m in json.loads(result.stdout)["models"]}
    assert listed[("summary", "en")]["available"] is False
    assert listed[("translation", "uk")]["available"] is True


def test_the_models_table_shows_every_id_whole_on_a_narrow_terminal(tmp_path: Path) -> None:
    from summarize_cli.cli import main

    odd = tmp_path / "[red]odd"  # a folder name that reads like markup
    odd.mkdir()
    config = tmp_path / "m.toml"
    config.write_text(
        f'[summarizer]\nmodel = "{odd}"\n[translation]\ntargets = ["ko"]\n'
        '[translation.models.ko]\nmodel = "Helsinki-NLP/opus-mt-tc-big-en-ko"\n'
    )
    result = CliRunner().invoke(main, ["models", "-c", str(config), "-f", "table"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    ids: list[str] = []
    for line in result.output.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) < 4:
            continue
        if cells[1]:  # a row's first line names its role; the lines after it continue its cells
            ids.append("")
        ids[-1] += cells[3]
    assert ids == [str(odd), "Helsinki-NLP/opus-mt-tc-big-en-ko"]
    assert "…" not in result.output
