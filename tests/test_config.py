from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from summarize_cli.config import COMPUTE_TYPES, config_digest, find_config, load_config, parse_config, user_config_path
from summarize_cli.errors import ConfigError
from summarize_cli.status import ExitStatus

from conftest import ROOT, invoke

MINIMAL = """
[summarizer]
model = "sshleifer/distilbart-cnn-12-6"
num_beams = 4

[translation]
targets = ["uk"]

[translation.models.uk]
model = "Helsinki-NLP/opus-mt-en-uk"
"""


def test_packaged_default_names_the_contract_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config = load_config()
    assert config.path == "<packaged default>"
    assert config.summarizer.model == "sshleifer/distilbart-cnn-12-6"
    assert config.targets == ("uk", "ko", "ru")
    assert {lang: spec.model for lang, spec in config.translators.items()} == {
        "uk": "Helsinki-NLP/opus-mt-en-uk",
        "ko": "Helsinki-NLP/opus-mt-tc-big-en-ko",
        "ru": "Helsinki-NLP/opus-mt-en-ru",
    }


def test_packaged_copy_matches_the_repository_file() -> None:
    assert (ROOT / "models.toml").read_text() == (ROOT / "summarize_cli" / "models.toml").read_text()


def test_generation_settings_are_read() -> None:
    config = parse_config(MINIMAL, "m.toml", None)
    assert config.summarizer.generation.num_beams == 4
    assert config.summarizer.generation.as_kwargs() == {"num_beams": 4}


def test_relative_local_path_is_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "models" / "bart").mkdir(parents=True)
    path = tmp_path / "m.toml"
    path.write_text(MINIMAL.replace("sshleifer/distilbart-cnn-12-6", "models/bart"))
    assert load_config(path).summarizer.model == str((tmp_path / "models" / "bart").resolve())
    assert load_config(path).translators["uk"].model == "Helsinki-NLP/opus-mt-en-uk"


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (("num_beams = 4", "num_beams = 4\ncolour = 1"), "summarizer.colour", "unknown key"),
        (("num_beams = 4", 'num_beams = "four"'), "summarizer.num_beams", "must be an integer"),
        (('targets = ["uk"]', 'targets = ["uk", "ko"]'), "translation.models.ko", "has no model"),
        (('[summarizer]\nmodel = "sshleifer/distilbart-cnn-12-6"', "[summarizer]"), "summarizer.model", "missing"),
        (("[translation]", "[translation]\nbackend = 1"), "translation.backend", "unknown key"),
        (
            ('model = "Helsinki-NLP/opus-mt-en-uk"', 'model = "x"\nbackend = "fast"'),
            "translation.models.uk.backend",
            "must be one of",
        ),
        (("num_beams = 4", "num_beams = 0"), "summarizer.num_beams", "must be at least 1, not 0"),
        (("num_beams = 4", "num_beams = -2"), "summarizer.num_beams", "must not be negative"),
        (("num_beams = 4", "max_new_tokens = 0"), "summarizer.max_new_tokens", "must be at least 1"),
        (("num_beams = 4", "min_length = -1"), "summarizer.min_length", "must not be negative"),
        (("num_beams = 4", "repetition_penalty = -1.0"), "summarizer.repetition_penalty", "must be greater than 0"),
        (("num_beams = 4", "repetition_penalty = 0"), "summarizer.repetition_penalty", "must be greater than 0"),
        (("num_beams = 4", "length_penalty = nan"), "summarizer.length_penalty", "must be a finite number"),
        (
            ('model = "Helsinki-NLP/opus-mt-en-uk"', 'model = "x"\ncompute_type = "int4"'),
            "translation.models.uk.compute_type",
            "must be one of default, auto, int8, int8_float32, int8_float16, int8_bfloat16, int16, float16, "
            "bfloat16, float32, not 'int4'",
        ),
        (('targets = ["uk"]', 'targets = ["uk"]\nbatch_size = 0'), "translation.batch_size", "must be at least 1"),
    ],
)
def test_invalid_files_name_file_key_and_problem(change: tuple[str, str], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(MINIMAL.replace(*change), "bad.toml", None)
    assert caught.value.key == key
    assert problem in str(caught.value)
    assert str(caught.value).startswith(f"bad.toml: {key}: ")


def test_broken_toml_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_config("[summarizer", "x.toml", None)


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit, env, cwd_file = tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "models.toml"
    for path in (explicit, env, cwd_file):
        path.write_text(MINIMAL)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SUMMARIZE_CLI_CONFIG", str(env))
    assert find_config(explicit) == explicit
    assert find_config() == env
    monkeypatch.delenv("SUMMARIZE_CLI_CONFIG")
    assert find_config() == cwd_file
    with pytest.raises(ConfigError, match="no such file"):
        find_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match=r"is a folder; give the models\.toml file"):
        find_config(tmp_path)


def test_a_folder_given_as_the_config_exits_4_like_any_unusable_config(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from summarize_cli.cli import main
    from summarize_cli.status import ExitStatus

    result = CliRunner().invoke(main, ["-c", str(tmp_path), "models"])
    assert result.exit_code == ExitStatus.CONFIG, result.output


def test_digest_changes_with_settings_that_change_output() -> None:
    a = parse_config(MINIMAL, "a.toml", None)
    b = parse_config(MINIMAL.replace("num_beams = 4", "num_beams = 2"), "a.toml", None)
    c = parse_config(MINIMAL, "elsewhere.toml", None)
    assert config_digest(a) != config_digest(b)
    assert config_digest(a) == config_digest(c)


@pytest.mark.parametrize("compute_type", COMPUTE_TYPES)
def test_every_ctranslate2_compute_type_is_accepted(compute_type: str) -> None:
    text = MINIMAL.replace('model = "Helsinki-NLP/opus-mt-en-uk"', f'model = "x"\ncompute_type = "{compute_type}"')
    assert parse_config(text, "m.toml", None).translators["uk"].compute_type == compute_type


def test_a_negative_length_penalty_is_accepted() -> None:
    # An exponent on the output's length: below 0 it favours shorter outputs, which is a choice.
    config = parse_config(MINIMAL.replace("num_beams = 4", "num_beams = 4\nlength_penalty = -1.0"), "m.toml", None)
    assert config.summarizer.generation.length_penalty == -1.0


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ("repetition_penalty = -1.0", "summarizer.repetition_penalty"),
        ("num_beams = 0", "summarizer.num_beams"),
        ('compute_type = "int4"', "summarizer.compute_type"),
    ],
)
def test_an_out_of_range_setting_exits_4_naming_the_key(cli: CliRunner, tmp_path: Path, setting: str, key: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(MINIMAL.replace("num_beams = 4", setting))
    result = invoke(cli, ["-c", str(config), "-"], input="Talks on a prisoner exchange continue in Geneva.")
    assert result.exit_code == ExitStatus.CONFIG
    assert f"{config}: {key}: " in result.stderr


# --- values at their edges -------------------------------------------------------------------------


def test_the_user_config_lives_under_xdg_config_home_or_appdata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert user_config_path() == tmp_path / "xdg" / "summarize-cli" / "models.toml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_config_path() == tmp_path / "home" / ".config" / "summarize-cli" / "models.toml"
    monkeypatch.setattr("sys.platform", "win32")
    monkeypatch.delenv("APPDATA", raising=False)
    assert user_config_path() == tmp_path / "home" / "AppData" / "Roaming" / "summarize-cli" / "models.toml"
    monkeypatch.setenv("APPDATA", str(tmp_path / "roaming"))
    assert user_config_path() == tmp_path / "roaming" / "summarize-cli" / "models.toml"


def test_the_digest_does_not_depend_on_the_order_of_tables() -> None:
    two = MINIMAL.replace('targets = ["uk"]', 'targets = ["uk", "ru"]')
    uk_first = two + '\n[translation.models.ru]\nmodel = "Helsinki-NLP/opus-mt-en-ru"\n'
    ru_first = two.replace(
        "[translation.models.uk]",
        '[translation.models.ru]\nmodel = "Helsinki-NLP/opus-mt-en-ru"\n\n[translation.models.uk]',
    )
    a, b = parse_config(uk_first, "a.toml", None), parse_config(ru_first, "a.toml", None)
    assert list(a.translators) != list(b.translators)
    assert config_digest(a) == config_digest(b)


def test_true_or_false_is_not_a_number() -> None:
    with pytest.raises(ConfigError, match=r"summarizer\.num_beams: must be an integer, not true or false"):
        parse_config(MINIMAL.replace("num_beams = 4", "num_beams = true"), "m.toml", None)


def test_the_source_language_and_batch_size_are_read_with_their_defaults() -> None:
    config = parse_config(MINIMAL, "m.toml", None)
    assert (config.source_language, config.batch_size) == ("en", 16)
    changed = MINIMAL.replace('targets = ["uk"]', 'source = "de"\ntargets = ["uk"]\nbatch_size = 3')
    config = parse_config(changed, "m.toml", None)
    assert (config.source_language, config.batch_size) == ("de", 3)


@pytest.mark.parametrize("targets", ['"uk"', "[1]"])
def test_targets_must_be_a_list_of_codes(targets: str) -> None:
    with pytest.raises(ConfigError, match=r"translation\.targets: must be a list of language codes"):
        parse_config(MINIMAL.replace('targets = ["uk"]', f"targets = {targets}"), "m.toml", None)


def test_each_setting_may_be_its_least_value() -> None:
    lowest = "num_beams = 1\nmax_length = 1\nmax_new_tokens = 1\nmin_length = 0\nno_repeat_ngram_size = 0"
    generation = parse_config(MINIMAL.replace("num_beams = 4", lowest), "m.toml", None).summarizer.generation
    assert (generation.num_beams, generation.max_length, generation.min_length) == (1, 1, 0)
    assert (generation.max_new_tokens, generation.no_repeat_ngram_size) == (1, 0)


def test_translation_models_keep_their_generation_settings() -> None:
    text = MINIMAL.replace('model = "Helsinki-NLP/opus-mt-en-uk"', 'model = "x"\nnum_beams = 2\nlength_penalty = 0.5')
    generation = parse_config(text, "m.toml", None).translators["uk"].generation
    assert (generation.num_beams, generation.length_penalty) == (2, 0.5)


@pytest.mark.parametrize(
    ("model", "local"),
    [("org/name", False), ("models/en/uk", True), ("./en-uk", True), ("~/models/en-uk", None), ("en-uk", False)],
)
def test_a_model_that_looks_like_a_path_is_relative_to_the_file(tmp_path: Path, model: str, local: bool | None) -> None:
    text = MINIMAL.replace('model = "Helsinki-NLP/opus-mt-en-uk"', f'model = "{model}"')
    resolved = parse_config(text, str(tmp_path / "m.toml"), tmp_path).translators["uk"].model
    if local is None:  # the user's home, wherever the file is
        assert resolved == str(Path(model).expanduser())
    else:
        assert resolved == (str((tmp_path / model).resolve()) if local else model)


def test_a_summary_only_configuration_needs_no_translation_models() -> None:
    config = parse_config(MINIMAL.split("[translation]")[0] + "[translation]\ntargets = []\n", "m.toml", None)
    assert config.targets == () and config.translators == {}


def test_a_glossary_is_relative_to_the_file_that_names_it(tmp_path: Path) -> None:
    text = MINIMAL.replace('targets = ["uk"]', 'targets = ["uk"]\nglossary = "terms.tsv"')
    assert parse_config(text, "m.toml", tmp_path).glossary == str(tmp_path / "terms.tsv")
    assert parse_config(text, "<packaged default>", None).glossary == "terms.tsv"
    absolute = text.replace('"terms.tsv"', f'"{tmp_path / "a" / "terms.tsv"}"')
    assert parse_config(absolute, "m.toml", tmp_path / "b").glossary == str(tmp_path / "a" / "terms.tsv")


@pytest.mark.parametrize(
    ("value", "named"), [("5", "an integer"), ("[1]", "an array"), ("{ a = 1 }", "a table"), ("1.5", "a number")]
)
def test_a_wrong_type_is_named_in_the_message(value: str, named: str) -> None:
    text = MINIMAL.replace('model = "sshleifer/distilbart-cnn-12-6"', f"model = {value}")
    with pytest.raises(ConfigError, match=f"must be a string, not {named}$"):
        parse_config(text, "m.toml", None)


def test_the_summarizer_table_is_required_and_takes_no_target_token() -> None:
    with pytest.raises(ConfigError, match=r"^m\.toml: summarizer: missing table$"):
        parse_config("[translation]\ntargets = []\n", "m.toml", None)
    with pytest.raises(ConfigError, match=r"summarizer\.target_token: unknown key"):
        parse_config(MINIMAL.replace("num_beams = 4", 'target_token = ">>eng<<"'), "m.toml", None)


def test_a_translation_model_takes_a_target_token() -> None:
    text = MINIMAL.replace('model = "Helsinki-NLP/opus-mt-en-uk"', 'model = "x"\ntarget_token = ">>ukr<<"')
    assert parse_config(text, "m.toml", None).translators["uk"].target_token == ">>ukr<<"


@pytest.mark.parametrize("penalty", [1.0, 0.5])
def test_a_repetition_penalty_above_zero_is_accepted(penalty: float) -> None:
    text = MINIMAL.replace("num_beams = 4", f"repetition_penalty = {penalty}")
    assert parse_config(text, "m.toml", None).summarizer.generation.repetition_penalty == penalty
