"""Shell completion through click's protocol, as a shell asks for it, from the code under test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The package in this tree, under the console script's name: not whatever is installed on PATH.
COMMAND = [sys.executable, "-m", "summarize_cli"]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A configuration with targets the packaged one does not have."""
    path = tmp_path / "custom.toml"
    path.write_text(
        '[summarizer]\nmodel = "someone/summarizer"\n[translation]\ntargets = ["pl", "uk"]\n'
        '[translation.models.pl]\nmodel = "someone/en-pl"\n[translation.models.uk]\nmodel = "someone/en-uk"\n'
        '[translation.pivot.de]\nmodel = "someone/de-en"\n'
    )
    return path


def complete(line: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The (type, value) pairs offered for the last word of ``line`` (a trailing space: a new word)."""
    words = line.split(" ")
    full_env = {
        **{k: v for k, v in os.environ.items() if k != "SUMMARIZE_CLI_CONFIG"},
        "_SUMMARIZE_CLI_COMPLETE": "bash_complete",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    proc = subprocess.run(COMMAND, env=full_env, cwd=cwd, capture_output=True, timeout=60, check=True)
    pairs = proc.stdout.decode().splitlines()
    return [(kind, value) for kind, _, value in (p.partition(",") for p in pairs)]


def values(line: str, **kwargs: object) -> list[str]:
    return [value for kind, value in complete(line, **kwargs) if kind == "plain"]  # type: ignore[arg-type]


def test_subcommands_complete_and_run_is_not_offered(tmp_path: Path) -> None:
    assert values("summarize-cli mo", cwd=tmp_path) == ["models"]
    assert set(values("summarize-cli ", cwd=tmp_path)) >= {"models", "dedupe", "check"}
    assert "run" not in values("summarize-cli ", cwd=tmp_path)
    assert values("summarize-cli models ", cwd=tmp_path) == ["check", "pull"]
    # An input file may come first too.
    assert ("file", "art") in complete("summarize-cli art", cwd=tmp_path)


def test_targets_come_from_the_config_named_on_the_line(config: Path) -> None:
    assert values(f"summarize-cli -c {config} -t ") == ["pl", "uk"]
    assert values(f"summarize-cli article.txt -c {config} -t u") == ["uk"]
    assert values(f"summarize-cli -c {config} --to pl,") == ["pl,uk"]  # one more after those listed
    assert values(f"summarize-cli -c {config} --from ") == ["en", "de"]


def test_targets_come_from_the_environment_or_the_lookup(config: Path, tmp_path: Path) -> None:
    assert values("summarize-cli -t ", env={"SUMMARIZE_CLI_CONFIG": str(config)}) == ["pl", "uk"]
    (tmp_path / "models.toml").write_text(config.read_text())
    assert values("summarize-cli -t ", cwd=tmp_path) == ["pl", "uk"]


def test_check_languages_and_model_names_come_from_the_config(config: Path) -> None:
    assert values(f"summarize-cli check a.txt b.txt -c {config} --language ") == ["en", "pl", "uk"]
    assert values(f"summarize-cli -c {config} models check ") == ["summary", "pl", "uk", "de"]
    assert values(f"summarize-cli models pull -c {config} summary ") == ["pl", "uk", "de"]


def test_choices_complete(tmp_path: Path) -> None:
    assert values("summarize-cli -f ", cwd=tmp_path) == ["rich", "text", "json", "jsonl", "markdown"]
    assert values("summarize-cli --device ", cwd=tmp_path) == ["auto", "cpu", "cuda", "mps"]
    assert values("summarize-cli models check --device c", cwd=tmp_path) == ["cpu", "cuda"]
    options = values("summarize-cli --", cwd=tmp_path)
    assert {"--config", "--offline", "--to", "--format"} <= set(options)
