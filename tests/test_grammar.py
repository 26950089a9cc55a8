"""Where options may go: the shared ones before or after any command; inputs named like commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarize_cli.status import ExitStatus

from conftest import invoke

HUB_MODEL = "someone/only-in-this-config"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A configuration whose models are nowhere: what it names shows which file was read."""
    path = tmp_path / "custom.toml"
    path.write_text(
        f'[summarizer]\nmodel = "{HUB_MODEL}"\n[translation]\ntargets = ["pl"]\n'
        '[translation.models.pl]\nmodel = "someone/en-pl"\n'
    )
    return path


@pytest.fixture
def article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "a.txt"
    path.write_text("The talks continue.\nThe talks continue.\nA second line.\n")
    return path


def test_shared_options_before_a_subcommand(runner: CliRunner, config: Path, article: Path) -> None:
    listed = invoke(runner, ["-c", str(config), "models", "-f", "json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["config"] == str(config)
    cleaned = invoke(runner, ["-c", str(config), "-q", "dedupe", str(article)])
    assert cleaned.exit_code == 0, cleaned.output
    assert cleaned.stdout == "The talks continue.\nA second line.\n" and cleaned.stderr == ""  # -q reached dedupe


@pytest.mark.parametrize(
    "args",
    [
        ["models", "check", "--offline", "-c", "{config}"],
        ["-c", "{config}", "--offline", "models", "check"],
        ["models", "-c", "{config}", "check", "--offline"],
    ],
)
def test_shared_options_reach_models_check_wherever_they_stand(
    runner: CliRunner, config: Path, args: list[str]
) -> None:
    result = invoke(runner, [a.replace("{config}", str(config)) for a in args])
    assert result.exit_code == ExitStatus.MODEL_UNAVAILABLE, result.output
    assert f"FAIL\tsummary en\t{HUB_MODEL}" in result.stdout
    assert "offline" in result.stderr  # --offline reached it: nothing was asked of the Hub


def test_offline_before_models_pull(runner: CliRunner, config: Path) -> None:
    result = invoke(runner, ["--offline", "-c", str(config), "models", "pull"])
    assert result.exit_code == ExitStatus.MODEL_UNAVAILABLE, result.output
    assert f"'{HUB_MODEL}'" in result.stderr and "offline" in result.stderr
    assert result.stderr.startswith("summarize-cli: error: ")


def test_an_option_after_the_subcommand_wins(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(config.read_text().replace(HUB_MODEL, "someone/other"))
    result = invoke(runner, ["-c", str(config), "models", "-c", str(other), "-f", "json"])
    assert json.loads(result.stdout)["config"] == str(other)


def test_an_input_named_like_a_command(runner: CliRunner, config: Path, article: Path) -> None:
    Path("models").write_text(article.read_text())
    job = ["-c", str(config), "--summary", "extractive", "--no-translate", "-f", "json"]
    for named in (["./models"], ["--", "models"]):
        result = invoke(runner, [*job, *named])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["source"].endswith("models")


def test_help_says_where_options_and_odd_inputs_go(runner: CliRunner) -> None:
    result = invoke(runner, ["--help"])
    assert "Usage: summarize-cli [OPTIONS] [INPUT]..." in result.stdout
    words = " ".join(result.stdout.split())
    assert "./models, or after --" in words and "before or after a command's name" in words
    assert "--version Show the version and exit." in words and words.count("-c, --config") == 1
    assert "Options:\n  -t, --to" in result.stdout  # options only: the INPUT argument has no row


def test_usage_errors_point_at_a_command_that_exists(runner: CliRunner) -> None:
    result = invoke(runner, ["--no-such-option", "a.txt"])
    assert result.exit_code == ExitStatus.USAGE
    assert "Try 'summarize-cli --help' for help." in result.stderr
    assert "summarize-cli run" not in result.stderr


def test_check_refuses_a_language_that_is_not_configured(runner: CliRunner, config: Path, article: Path) -> None:
    result = invoke(runner, ["check", str(article), str(article), "--language", "xx", "-c", str(config)])
    assert result.exit_code == ExitStatus.USAGE
    assert "'xx' is not configured; choose one of en, pl" in result.stderr
    known = invoke(runner, ["-c", str(config), "check", str(article), str(article), "--language", "en"])
    assert known.exit_code in (ExitStatus.OK, ExitStatus.QUALITY)


def test_error_and_warning_lines_are_labelled(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from summarize_cli.cli.app import log_to_stderr

    log_to_stderr(quiet=False, verbose=False)
    log = logging.getLogger("summarize_cli")
    log.info("converting a model, once")
    log.warning("a model fell back")
    log.error("first line\nsecond line")
    assert capsys.readouterr().err.splitlines() == [
        "summarize-cli: converting a model, once",
        "summarize-cli: warning: a model fell back",
        "summarize-cli: error: first line",
        "summarize-cli: error: second line",
    ]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--no-such-option", "a.txt"], "No such option '--no-such-option'"),
        (["models", "pul"], "No such command 'pul'. Did you mean 'pull'?"),
        (["-f", "yaml", "a.txt"], "Invalid value for '-f' / '--format'"),
        (["dedupe", "--nope"], "No such option '--nope'"),
    ],
)
def test_a_usage_error_reads_as_every_other_error(runner: CliRunner, args: list[str], words: str) -> None:
    result = invoke(runner, args)
    assert result.exit_code == ExitStatus.USAGE
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Usage: summarize-cli") and lines[1].startswith("Try 'summarize-cli")
    assert lines[-1].startswith(f"summarize-cli: error: {words}")
    assert not any(line.startswith("Error:") for line in lines)


@pytest.mark.parametrize("command", [["dedupe"], ["check", "-", "-", "--language", "en"]])
def test_ctrl_c_in_any_command_is_status_130(command: list[str], config: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    from conftest import ROOT

    # Waiting on standard input that never ends, as a pipe from a slow program does.
    proc = subprocess.Popen(
        [sys.executable, "-m", "summarize_cli", "-c", str(config), *command],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(2)  # well into reading
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitStatus.INTERRUPTED, err.decode()
    assert b"summarize-cli: interrupted" in err and b"Aborted!" not in err and b"Traceback" not in err


def test_with_standard_output_closed_and_no_output_folder_nothing_runs(article: Path, config: Path) -> None:
    import subprocess
    import sys

    from conftest import ROOT

    done = subprocess.run(
        [sys.executable, "-m", "summarize_cli", "-c", str(config), "--no-translate", str(article)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        close_fds=True,
        preexec_fn=lambda: __import__("os").close(1),
    )
    assert done.returncode == ExitStatus.USAGE
    assert b"summarize-cli: error: standard output is closed" in done.stderr and b"-o DIR" in done.stderr


@pytest.mark.parametrize("command", ["pull", "check"])
def test_a_model_name_that_is_not_configured_is_a_usage_error_that_lists_them(
    runner: CliRunner, config: Path, command: str
) -> None:
    result = invoke(runner, ["-c", str(config), "models", command, "pl", "xx"])
    assert result.exit_code == ExitStatus.USAGE
    assert f"no model is configured for xx in {config}; choose from pl, summary" in result.stderr


@pytest.mark.parametrize(("typed", "meant"), [("modles", "models"), ("dedup", "dedupe"), ("chek", "check")])
def test_a_mistyped_command_is_a_usage_error_that_names_the_command(
    runner: CliRunner, article: Path, typed: str, meant: str
) -> None:
    result = invoke(runner, [typed, str(article), "--language", "en"])
    assert result.exit_code == ExitStatus.USAGE
    assert f"'{typed}' is neither a command nor a file; did you mean '{meant}'?" in result.stderr
    assert "Usage: summarize-cli [OPTIONS] [INPUT]..." in result.stderr
    # A file of that name is an input as ever.
    (article.parent / typed).write_text("The talks continue.\n")
    assert invoke(runner, ["dedupe", typed]).exit_code == 0
    assert "did you mean" not in invoke(runner, [typed, "--summary", "extractive", "--no-translate"]).stderr


def test_help_as_a_word_shows_the_help(runner: CliRunner, article: Path) -> None:
    result = invoke(runner, ["help"])
    assert result.exit_code == 0 and "Usage: summarize-cli [OPTIONS] [INPUT]..." in result.stdout
