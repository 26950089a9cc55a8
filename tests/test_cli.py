"""End to end: the real command on the seed article with tiny real models."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarize_cli.status import ExitStatus

from conftest import ROOT, SEED, TinyModels, invoke, run_cli, write_config

SEED_ARG = str(SEED.relative_to(ROOT))
CONTRACT_FIELDS = {"source", "language", "cleaning", "summary", "translations", "models", "warnings", "error"}


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def args(tiny: TinyModels, *rest: str) -> list[str]:
    return ["-c", str(tiny.config), *rest]


def test_json_on_the_seed_article_has_the_contract_fields(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, args(tiny_models, "-f", "json", SEED_ARG))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= CONTRACT_FIELDS
    assert data["source"] == SEED_ARG
    assert data["language"] == "en"
    assert data["cleaning"] == {"lines_in": 9, "lines_out": 8, "duplicates_removed": 1}
    assert data["summary"].strip()
    assert set(data["translations"]) == {"uk", "ko", "ru"}
    assert all(text.strip() for text in data["translations"].values())
    assert data["models"] == {
        "summary": str(tiny_models.summarizer),
        **{lang: str(path) for lang, path in tiny_models.translators.items()},
    }
    assert data["error"] is None
    assert all({"code", "message"} <= set(w) for w in data["warnings"])


def test_translations_differ_by_input(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("The ministry reported that the talks would continue next week in Geneva.\n")
    result = invoke(cli, args(tiny_models, "-f", "json", "--no-summary", "-t", "uk", SEED_ARG, str(other)))
    first, second = json.loads(result.stdout)
    assert first["translations"]["uk"] != second["translations"]["uk"]
    # Paragraph breaks of the article survive translation: one output line per input line.
    assert first["translations"]["uk"].count("\n") == 7


def test_text_format_is_plain_and_easy_to_cut(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, args(tiny_models, "-f", "text", SEED_ARG))
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout
    headings = [line for line in result.stdout.splitlines() if line.startswith("[") and line.endswith("]")]
    assert headings == ["[summary]", "[uk]", "[ko]", "[ru]"]
    assert "wrong_language" in result.stderr  # warnings go to stderr, not into the data


def test_jsonl_gives_one_object_per_line(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    second = tmp_path / "second.txt"
    second.write_text("Officials in Kyiv, Seoul and Washington confirmed the figures late in the evening.\n")
    result = invoke(cli, args(tiny_models, "-f", "jsonl", "-t", "ko", SEED_ARG, str(second)))
    lines = result.stdout.splitlines()
    assert [json.loads(line)["source"] for line in lines] == [SEED_ARG, str(second)]
    assert all(set(json.loads(line)["translations"]) == {"ko"} for line in lines)


def test_markdown_has_a_section_per_language(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, args(tiny_models, "-f", "markdown", SEED_ARG))
    assert result.stdout.startswith(f"# {SEED_ARG}\n")
    for heading in ("## Summary", "## Ukrainian", "## Korean", "## Russian", "## Warnings"):
        assert heading in result.stdout


def test_rich_labels_every_language_with_its_model(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, args(tiny_models, "-f", "rich", SEED_ARG), input=None)
    out = result.stdout
    for label in ("Summary (English)", "Ukrainian", "Korean", "Russian", "Warnings", "en-uk", "bart"):
        assert label in out


def test_no_translate_and_no_summary(cli: CliRunner, tiny_models: TinyModels) -> None:
    only_summary = json.loads(invoke(cli, args(tiny_models, "-f", "json", "--no-translate", SEED_ARG)).stdout)
    assert only_summary["translations"] == {} and only_summary["summary"]
    only_translation = json.loads(
        invoke(cli, args(tiny_models, "-f", "json", "--no-summary", "-t", "uk", SEED_ARG)).stdout
    )
    assert only_translation["summary"] is None and only_translation["translations"]["uk"]


def test_output_dir_writes_json_and_text_per_language(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(cli, args(tiny_models, "-o", str(out), SEED_ARG))
    assert result.exit_code == 0
    assert result.stdout == ""
    names = sorted(p.name for p in out.iterdir())
    stem = "zelensky-pow-exchange"
    assert names == [f"{stem}.{x}" for x in ("json", "ko.txt", "ru.txt", "summary.txt", "uk.txt")]
    data = json.loads((out / f"{stem}.json").read_text())
    assert (out / f"{stem}.uk.txt").read_text().strip() == data["translations"]["uk"]


def test_piped_stdin_is_read(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, args(tiny_models, "-f", "json", "--no-translate"), input=SEED.read_bytes())
    assert result.exit_code == 0
    assert json.loads(result.stdout)["source"] == "<stdin>"


# --- exit status --------------------------------------------------------------------------------


def test_missing_input_exits_3_naming_it(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, args(tiny_models, "nope.txt"))
    assert result.exit_code == ExitStatus.NO_INPUT
    assert "nope.txt: no such file" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "problem"), [(b"", "is empty"), (b" \n \n", "whitespace"), (b"\x00\x01\x02" * 30, "binary")]
)
def test_unusable_input_exits_3(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = invoke(cli, args(tiny_models, str(path)))
    assert result.exit_code == ExitStatus.NO_INPUT
    assert problem in result.stderr and str(path) in result.stderr


def test_some_inputs_failing_exits_1_and_keeps_the_rest(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, args(tiny_models, "-f", "jsonl", "--no-translate", SEED_ARG, "missing.txt"))
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    good, bad = (json.loads(line) for line in result.stdout.splitlines())
    assert good["summary"] and good["error"] is None
    assert bad["source"] == "missing.txt" and "no such file" in bad["error"]


def test_bad_option_exits_2(cli: CliRunner, tiny_models: TinyModels) -> None:
    assert invoke(cli, args(tiny_models, "--format", "yaml", SEED_ARG)).exit_code == ExitStatus.USAGE
    assert (
        invoke(cli, args(tiny_models, "--no-summary", "--summary", "extractive", SEED_ARG)).exit_code
        == ExitStatus.USAGE
    )


def test_no_input_on_a_terminal_prints_usage_and_exits_2() -> None:
    parent, child = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "summarize_cli"], stdin=child, capture_output=True, cwd=ROOT, timeout=60, check=False
        )
    finally:
        os.close(parent)
        os.close(child)
    assert proc.returncode == ExitStatus.USAGE
    assert b"Usage: summarize-cli [OPTIONS] [INPUT]..." in proc.stderr
    assert b"summarize-cli: error: give an INPUT file or folder, or pipe an article in" in proc.stderr


def test_invalid_config_exits_4_naming_file_and_key(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "models.toml"
    bad.write_text('[summarizer]\nmodel = "x"\nnum_beams = "many"\n[translation]\ntargets = []\n')
    result = invoke(cli, ["-c", str(bad), SEED_ARG])
    assert result.exit_code == ExitStatus.CONFIG
    assert f"{bad}: summarizer.num_beams: must be an integer" in result.stderr


def test_a_target_with_no_model_is_a_usage_error_listing_the_configured_ones(
    cli: CliRunner, tiny_models: TinyModels
) -> None:
    result = invoke(cli, args(tiny_models, "-t", "de", SEED_ARG))
    assert result.exit_code == ExitStatus.USAGE
    assert "no model is configured for de" in result.stderr
    assert "configured targets: ko, ru, uk" in result.stderr


def test_uncached_model_offline_exits_5_and_says_how_to_get_it(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "m.toml", tiny_models.summarizer, {"uk": tiny_models.translators["uk"]})
    config.write_text(config.read_text().replace(str(tiny_models.translators["uk"]), "Helsinki-NLP/opus-mt-en-uk"))
    result = invoke(cli, ["-c", str(config), "--offline", "-f", "json", SEED_ARG])
    assert result.exit_code == ExitStatus.MODEL_UNAVAILABLE
    assert "Helsinki-NLP/opus-mt-en-uk" in result.stderr
    assert "summarize-cli models pull" in result.stderr


def test_a_directory_that_is_not_a_model_exits_5(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    (tmp_path / "empty-model").mkdir()
    config = write_config(tmp_path / "m.toml", tmp_path / "empty-model", {})
    result = invoke(cli, ["-c", str(config), "--no-translate", SEED_ARG])
    assert result.exit_code == ExitStatus.MODEL_UNAVAILABLE
    assert "empty-model" in result.stderr


def test_missing_device_exits_5_naming_what_was_found(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, args(tiny_models, "--device", "mps", "--no-translate", SEED_ARG))
    assert result.exit_code == ExitStatus.MODEL_UNAVAILABLE
    assert "mps" in result.stderr and "found: " in result.stderr and "cpu" in result.stderr


def test_strict_exits_6_on_gibberish_and_still_writes_output(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, args(tiny_models, "--strict", "-f", "json", SEED_ARG))
    assert result.exit_code == ExitStatus.QUALITY
    data = json.loads(result.stdout)
    assert {w["language"] for w in data["warnings"] if w["code"] == "wrong_language"} == {"uk", "ko", "ru"}


# --- the other commands -------------------------------------------------------------------------


def test_dedupe_prints_the_cleaned_text(cli: CliRunner) -> None:
    result = invoke(cli, ["dedupe", SEED_ARG])
    assert result.exit_code == 0
    assert result.stdout.count("Zelensky Proposes Exchange") == 1
    assert len(result.stdout.splitlines()) == 8
    assert invoke(cli, ["dedupe", "missing.txt"]).exit_code == ExitStatus.NO_INPUT


def test_models_lists_every_configured_model_as_available(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, ["models", "-c", str(tiny_models.config), "-f", "json"])
    rows = json.loads(result.stdout)["models"]
    assert [(r["role"], r["language"]) for r in rows] == [
        ("summary", "en"),
        ("translation", "uk"),
        ("translation", "ko"),
        ("translation", "ru"),
        ("pivot", "uk"),
    ]
    assert all(r["available"] and r["size_bytes"] > 0 for r in rows)


def test_models_reports_an_uncached_hub_model_as_missing(cli: CliRunner, tmp_path: Path) -> None:
    result = invoke(cli, ["models", "-f", "text"])
    assert result.exit_code == 0
    assert "Helsinki-NLP/opus-mt-tc-big-en-ko" in result.stdout and "missing" in result.stdout


def test_check_command(cli: CliRunner, tmp_path: Path) -> None:
    summary = tmp_path / "summary.txt"
    summary.write_text("Zelensky offered to exchange 20,000 North Korean soldiers.")
    result = invoke(cli, ["check", SEED_ARG, str(summary), "--language", "en"])
    assert result.exit_code == ExitStatus.QUALITY
    assert "unsupported_number" in result.stdout
    summary.write_text("Zelensky offered to exchange two North Korean soldiers for Ukrainian prisoners.")
    clean = invoke(cli, ["check", SEED_ARG, str(summary), "--language", "en"])
    assert clean.exit_code == 0 and clean.stderr == "no warnings\n"
    quiet = invoke(cli, ["check", SEED_ARG, str(summary), "--language", "en", "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == ""


# --- as a real process --------------------------------------------------------------------------


def test_subprocess_json_and_pipe(tiny_models: TinyModels) -> None:
    proc = run_cli(["-c", str(tiny_models.config), "-f", "json", SEED_ARG])
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert data["cleaning"]["duplicates_removed"] == 1 and data["translations"]["uk"]
    piped = run_cli(["-c", str(tiny_models.config), "--no-translate"], input=SEED.read_bytes())
    assert piped.returncode == 0
    assert piped.stdout.decode().startswith("[summary]\n")
    assert b"\x1b[" not in piped.stdout


def test_help_is_instant_and_shows_examples() -> None:
    code = (
        "import sys\n"
        "from summarize_cli.cli import main\n"
        "for argv in (['--help'], ['--version'], ['dedupe', 'seeds'], ['models', '-f', 'text']):\n"
        "    try:\n"
        "        main(argv, prog_name='summarize-cli')\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'ctranslate2') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=60, check=True)
    out = proc.stdout.decode()
    assert "HEAVY []" in out
    assert "jq .translations.uk" in out and "summarize-cli articles/ -o results/" in out


def test_shell_completion_script_is_produced() -> None:
    env = {**os.environ, "_SUMMARIZE_CLI_COMPLETE": "bash_source", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "summarize_cli"], env=env, capture_output=True, timeout=60, check=False
    )
    assert proc.returncode == 0
    assert b"_summarize_cli_completion" in proc.stdout


def test_extractive_summary_is_verbatim_from_the_cleaned_article(cli: CliRunner, tiny_models: TinyModels) -> None:
    from summarize_cli.cleaning import clean_text
    from summarize_cli.sentences import sentences_of

    result = invoke(
        cli, args(tiny_models, "-f", "json", "--summary", "extractive", "--sentences", "4", "--no-translate", SEED_ARG)
    )
    data = json.loads(result.stdout)
    cleaned, _ = clean_text(SEED.read_text(encoding="utf-8"))
    chosen = sentences_of(data["summary"])
    assert len(chosen) == 4
    assert all(sentence in cleaned for sentence in chosen)
    assert data["models"]["summary"] == "extractive"
    assert [w for w in data["warnings"] if w["code"].startswith("unsupported")] == []


def test_an_article_far_over_the_input_limit_is_chunked_not_truncated(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    from transformers import AutoTokenizer

    seed = SEED.read_text(encoding="utf-8")
    long = tmp_path / "long.txt"
    long.write_text("\n".join(seed.replace("\n", f" (part {i})\n") for i in range(8)), encoding="utf-8")
    tokens = len(AutoTokenizer.from_pretrained(tiny_models.summarizer)(long.read_text())["input_ids"])
    assert tokens > 8 * 1024  # several times what the summarizer reads at once
    result = invoke(cli, args(tiny_models, "-f", "json", "--no-translate", str(long)))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["error"] is None and data["summary"].strip()


def test_json_is_an_object_for_one_file_and_an_array_for_a_folder_a_pattern_or_several(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "a.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")

    def shape(*inputs: str) -> type:
        result = invoke(cli, args(tiny_models, "-f", "json", "--no-translate", *inputs))
        assert result.exit_code == 0, result.stderr
        return type(json.loads(result.stdout))

    assert shape(str(folder / "a.txt")) is dict
    assert shape(str(folder)) is list  # a folder that holds one article
    assert shape(str(folder / "*.txt")) is list  # a pattern that matches one
    assert shape(str(folder / "a.txt"), SEED_ARG) is list
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = invoke(cli, args(tiny_models, "-f", "json", str(empty)))
    assert nothing.exit_code == ExitStatus.NO_INPUT and json.loads(nothing.stdout) == []
    assert "holds no articles" in nothing.stderr
