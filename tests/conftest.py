"""Tiny real models built once per session, a models.toml for them, and CLI helpers."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from summarize_cli.cli import main

from model_factory import CORPUS_EXTRA, build_bart, build_marian

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "zelensky-pow-exchange.txt"

os.environ["HF_HUB_OFFLINE"] = "1"
# Converted models go to a fresh folder per test session, never the user's cache.
os.environ["SUMMARIZE_CLI_CACHE"] = tempfile.mkdtemp(prefix="summarize-cli-ct2-")
# The Hugging Face cache too: a model the user pulled must not make a test see it as cached.
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="summarize-cli-hf-")
os.environ.pop("SUMMARIZE_CLI_CONFIG", None)


def corpus() -> list[str]:
    return [*SEED.read_text(encoding="utf-8").splitlines(), *CORPUS_EXTRA.splitlines()]


@dataclass(frozen=True)
class TinyModels:
    root: Path
    config: Path
    summarizer: Path
    translators: dict[str, Path]
    pivots: dict[str, Path]


UKRAINIAN = """\
Президент України Володимир Зеленський заявив, що готовий передати двох північнокорейських солдатів.
Служба безпеки України повідомила, що солдатів захопили 9 січня і зараз вони перебувають у Києві.
За даними розвідки, Північна Корея направила до Росії близько 10 тисяч військових.
Переговори про обмін полоненими тривають, повідомили в міністерстві.
"""


def write_config(
    path: Path, summarizer: Path, translators: dict[str, Path], extra: str = "", pivots: dict[str, Path] | None = None
) -> Path:
    lines = [
        "[summarizer]",
        f'model = "{summarizer}"',
        "num_beams = 2",
        "max_length = 40",
        "min_length = 8",
        "",
        "[translation]",
        'source = "en"',
        f"targets = [{', '.join(repr(lang).replace(chr(39), chr(34)) for lang in translators)}]",
        "batch_size = 8",
        "",
    ]
    for lang, model in translators.items():
        lines += [f"[translation.models.{lang}]", f'model = "{model}"', "max_new_tokens = 24", ""]
        if lang == "ru":
            lines.insert(-1, 'target_token = ">>rus<<"')
    for lang, model in (pivots or {}).items():
        lines += [f"[translation.pivot.{lang}]", f'model = "{model}"', "max_new_tokens = 24", ""]
    path.write_text("\n".join(lines) + extra, encoding="utf-8")
    return path


# The models the backend tests compare (summarizer, uk, ru) are trained briefly to copy
# (model_factory.train_to_copy), so that their beams rarely tie; the others keep random weights.
# 0.1 is still five times the usual initialisation, and about the widest that learns to copy in a
# few hundred steps: from 0.5 attention starts saturated and the loss hardly moves.
TRAINED_INIT_STD = 0.1
TRAIN_STEPS = 300


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> TinyModels:
    root = tmp_path_factory.mktemp("tiny-models")
    text = corpus()
    std, steps = TRAINED_INIT_STD, TRAIN_STEPS
    summarizer = build_bart(root / "bart", text, seed=1, init_std=std, train_steps=steps)
    translators = {
        "uk": build_marian(root / "en-uk", text, seed=2, init_std=std, train_steps=steps),
        "ko": build_marian(root / "en-ko", text, seed=3),
        "ru": build_marian(
            root / "en-ru", text, seed=4, language_tokens=(">>rus<<", ">>ukr<<"), init_std=std, train_steps=steps
        ),
    }
    pivots = {"uk": build_marian(root / "uk-en", [*UKRAINIAN.splitlines(), *text], seed=6)}
    config = write_config(root / "models.toml", summarizer, translators, pivots=pivots)
    return TinyModels(root, config, summarizer, translators, pivots)


@pytest.fixture
def cli(tiny_models: TinyModels) -> Iterator[CliRunner]:
    yield CliRunner()


def invoke(runner: CliRunner, args: list[str], input: str | bytes | None = None) -> Result:
    return runner.invoke(main, args, input=input, prog_name="summarize-cli", catch_exceptions=False)


def run_cli(
    args: list[str],
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[bytes]:
    """The real command as a subprocess."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "summarize_cli", *args],
        input=input,
        capture_output=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=timeout,
        check=False,
    )
