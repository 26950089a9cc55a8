"""A folder of articles: layout, failures, resume, interruption, hostile names."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarize_cli.batch import OutputLayout, write_atomic
from summarize_cli.errors import InputError
from summarize_cli.registry import ModelRegistry
from summarize_cli.sources import InputRef
from summarize_cli.status import ExitStatus

from conftest import ROOT, SEED, TinyModels, invoke

PARAGRAPHS = [p for p in SEED.read_text(encoding="utf-8").splitlines() if len(p) > 200]


def make_folder(root: Path, count: int = 22) -> list[str]:
    """``count`` good articles in nested folders, plus an empty and a binary file; returns the good ones."""
    good = []
    for i in range(count):
        rel = Path(f"desk{i % 3}") / (f"sub{i % 2}" if i % 4 else "") / f"story{i:02d}.txt"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Story {i} of the day.\n{PARAGRAPHS[i % len(PARAGRAPHS)]}\n", encoding="utf-8")
        good.append(rel.as_posix())
    # The same name in two folders, and two inputs that share a stem in one folder.
    for name in ("desk0/same.txt", "desk1/same.txt", "desk2/twin.txt", "desk2/twin.md"):
        (root / name).write_text(f"{name} is a short story. {PARAGRAPHS[0]}\n", encoding="utf-8")
        good.append(name)
    (root / "desk0" / "empty.txt").write_bytes(b"")
    (root / "desk1" / "binary.txt").write_bytes(bytes(range(256)) * 8)
    return sorted(good)


def outputs(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json"))


def expected_json(good: list[str]) -> list[str]:
    names = []
    for rel in good:
        path = Path(rel)
        keep_suffix = path.stem == "twin"
        names.append((path if keep_suffix else path.with_suffix("")).as_posix() + ".json")
    return sorted(names)


@pytest.fixture
def counted_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    loads: list[str] = []
    original = ModelRegistry.get

    def get(self: ModelRegistry, spec):  # type: ignore[no-untyped-def]
        if spec not in self._loaded:
            loads.append(spec.model)
        return original(self, spec)

    monkeypatch.setattr(ModelRegistry, "get", get)
    return loads


def test_a_folder_mirrors_under_out_with_failures_isolated_and_resume(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, counted_loads: list[str]
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    good = make_folder(src)
    result = invoke(cli, ["-c", str(tiny_models.config), str(src), "-o", str(out), "-t", "uk,ko"])
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    assert "empty.txt: is empty" in result.stderr and "binary.txt" in result.stderr
    assert f"{len(good)} done, 0 skipped, 2 failed" in result.stderr
    written = outputs(out)
    assert [w for w in written if "empty" not in w and "binary" not in w] == expected_json(good)
    for name in ("desk0/empty.json", "desk1/binary.json"):
        assert json.loads((out / name).read_text())["error"]
    story = json.loads((out / "desk0/story00.json").read_text())
    assert story["error"] is None and story["input_sha256"] and story["config_sha256"]
    for label in ("summary", "uk", "ko"):
        assert (out / f"desk0/story00.{label}.txt").read_text().strip()
    assert len(counted_loads) == 3  # each model once for the whole folder
    assert not list(out.rglob("*.tmp"))

    counted_loads.clear()
    again = invoke(cli, ["-c", str(tiny_models.config), str(src), "-o", str(out), "-t", "uk,ko"])
    assert f"0 done, {len(good)} skipped, 2 failed" in again.stderr
    assert counted_loads == []

    (src / "desk1" / "sub1" / "story01.txt").write_text("A changed story about talks in Geneva.\n")
    third = invoke(cli, ["-c", str(tiny_models.config), str(src), "-o", str(out), "-t", "uk,ko"])
    assert f"1 done, {len(good) - 1} skipped, 2 failed" in third.stderr

    forced = invoke(cli, ["-c", str(tiny_models.config), str(src), "-o", str(out), "-t", "uk,ko", "--force"])
    assert f"{len(good)} done, 0 skipped" in forced.stderr

    other_targets = invoke(cli, ["-c", str(tiny_models.config), str(src), "-o", str(out), "-t", "uk"])
    assert f"{len(good)} done, 0 skipped" in other_targets.stderr


def test_output_inside_the_input_folder_is_not_read_back(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(PARAGRAPHS[0])
    for _ in range(2):
        result = invoke(cli, ["-c", str(tiny_models.config), str(src), "-o", str(src / "out"), "--no-translate"])
        assert result.exit_code == 0
    assert outputs(src / "out") == ["a.json"]
    same = invoke(cli, ["-c", str(tiny_models.config), str(src), "-o", str(src)])
    assert same.exit_code == ExitStatus.USAGE
    # Nor when the output folder lies elsewhere and a link in the input folder leads to it.
    elsewhere = tmp_path / "results"
    (src / "results").symlink_to(elsewhere, target_is_directory=True)
    (src / "out").rename(tmp_path / "old-out")
    for _ in range(2):
        linked = invoke(cli, ["-c", str(tiny_models.config), str(src), "-o", str(elsewhere), "--no-translate"])
        assert linked.exit_code == 0, linked.stderr
    assert outputs(elsewhere) == ["a.json"]
    # A link to one article that lies below the output folder is an input like any other.
    (src / "results").unlink()
    (tmp_path / "results" / "mine.txt").write_text(PARAGRAPHS[1])
    (src / "mine.txt").symlink_to(tmp_path / "results" / "mine.txt")
    again = invoke(cli, ["-c", str(tiny_models.config), str(src), "-o", str(elsewhere), "--no-translate"])
    assert again.exit_code == 0, again.stderr
    assert outputs(elsewhere) == ["a.json", "mine.json"]


def test_jsonl_streams_one_line_per_input_for_a_folder(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    good = make_folder(tmp_path / "in", count=10)
    result = invoke(cli, ["-c", str(tiny_models.config), str(tmp_path / "in"), "-f", "jsonl", "-t", "ru"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(good) + 2
    assert sum(1 for r in rows if r["error"]) == 2
    assert [r["source"] for r in rows] == sorted(r["source"] for r in rows)


def test_without_a_terminal_each_finished_input_gets_a_line_unless_quiet(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    make_folder(tmp_path / "in", count=3)
    args = ["-c", str(tiny_models.config), str(tmp_path / "in"), "--no-translate"]
    result = invoke(cli, [*args, "-o", str(tmp_path / "o")])
    lines = result.stderr.splitlines()
    done = [line for line in lines if re.match(r"\d+/9 done: ", line)]
    assert len(done) == 7
    errors = [line for line in lines if line.startswith("summarize-cli: error: ")]
    assert len(errors) == 2 and any("empty.txt: is empty" in line for line in errors)
    rerun = invoke(cli, [*args, "-o", str(tmp_path / "o")])
    assert len([line for line in rerun.stderr.splitlines() if re.match(r"\d+/9 skipped: ", line)]) == 7
    quiet = invoke(cli, [*args, "-o", str(tmp_path / "o2"), "-q"])
    assert not [line for line in quiet.stderr.splitlines() if " done: " in line]
    assert len([line for line in quiet.stderr.splitlines() if "error:" in line]) == 2


def test_sigint_keeps_finished_outputs_and_a_rerun_completes(tiny_models: TinyModels, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    good = make_folder(src, count=60)
    cmd = [sys.executable, "-m", "summarize_cli", "-c", str(tiny_models.config), str(src), "-o", str(out)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(out.rglob("*.json")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == ExitStatus.INTERRUPTED, stderr.decode()
    assert not list(out.rglob("*.tmp"))
    finished = outputs(out)
    assert 0 < len(finished) < len(good) + 2
    kept = 0
    for name in finished:
        data = json.loads((out / name).read_text())  # complete, parseable
        if data["error"] is None:
            kept += 1
            assert all((out / name).with_suffix(f".{lang}.txt").exists() for lang in data["translations"])

    rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=300, check=False)
    assert rerun.returncode == ExitStatus.PARTIAL_FAILURE  # the empty and binary files
    assert outputs(out) == sorted([*expected_json(good), "desk0/empty.json", "desk1/binary.json"])
    counts = re.search(rb"^(\d+) done, (\d+) skipped, 2 failed", rerun.stderr, re.MULTILINE)
    assert counts is not None, rerun.stderr.decode()
    # Every good result of the interrupted run is skipped, and only the rest is done.
    assert (int(counts[1]), int(counts[2])) == (len(good) - kept, kept)


def test_hostile_names_stay_inside_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sneaky = InputRef("x", Path("in/../../../evil.txt"), Path("in"))
    layout = OutputLayout(out, [sneaky])
    paths = layout.paths(sneaky)
    assert paths.json.resolve().is_relative_to(out.resolve())

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    out.mkdir(exist_ok=True)
    (out / "desk").symlink_to(outside, target_is_directory=True)
    linked = InputRef("in/desk/a.txt", tmp_path / "in" / "desk" / "a.txt", tmp_path / "in")
    with pytest.raises(InputError, match="outside"):
        OutputLayout(out, [linked]).paths(linked)


def test_an_output_never_overwrites_an_input(tmp_path: Path) -> None:
    victim = tmp_path / "a.uk.txt"
    victim.write_text("an input that looks like an output")
    story = tmp_path / "a.txt"
    story.write_text("story")
    refs = [InputRef(str(victim), victim), InputRef(str(story), story)]
    layout = OutputLayout(tmp_path, refs, ("summary", "uk"))
    with pytest.raises(InputError, match="overwrite an input"):
        layout.paths(refs[1])


def test_atomic_write_leaves_nothing_behind_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.json"
    target.write_text("old")

    def broken_replace(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]
