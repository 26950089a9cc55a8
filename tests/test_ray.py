"""Folder runs on Ray Data: the same files as a local run, resume before scheduling, failures, stops."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarize_cli import batch, ray_engine
from summarize_cli.errors import DeviceUnavailableError
from summarize_cli.ray_engine import plan
from summarize_cli.status import ExitStatus

from conftest import ROOT, SEED, TinyModels, invoke
from test_s3 import BUCKET, objects, put, s3_server  # noqa: F401 - s3_server is a fixture used by name

PARAGRAPHS = [p for p in SEED.read_text(encoding="utf-8").splitlines() if len(p) > 200]
RUSSIAN = (
    "Президент Украины Владимир Зеленский заявил, что готов передать двух северокорейских солдат.\n"
    "Служба безопасности сообщила, что солдат захватили девятого января и сейчас они находятся в Киеве.\n"
)


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """One small local Ray for the whole module: starting one takes seconds."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def make_folder(root: Path, count: int) -> list[str]:
    """``count`` articles in two folders, an empty file and a Russian one (no pivot model takes it)."""
    names = []
    for i in range(count):
        rel = f"desk{i % 2}/story{i:02d}.txt"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"Story {i} of the day.\n{PARAGRAPHS[i % len(PARAGRAPHS)]}\n", encoding="utf-8")
        names.append(rel)
    (root / "desk0" / "empty.txt").write_bytes(b"")
    (root / "desk1" / "russian.txt").write_text(RUSSIAN, encoding="utf-8")
    return names


def files(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*")) if p.is_file()}


def texts(record: dict[str, Any]) -> list[str | None]:
    return [record["summary"], *record["translations"].values()]


def run(cli: CliRunner, tiny: TinyModels, *args: str) -> Any:
    return invoke(cli, ["-c", str(tiny.config), *args])


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.usefixtures("local_ray")
def test_a_ray_run_writes_what_a_local_run_writes_and_a_rerun_schedules_nothing(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in"
    good = make_folder(src, 10)
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    first = run(cli, tiny_models, str(src), "-o", str(local), "-t", "uk,ru")
    result = run(cli, tiny_models, str(src), "-o", str(on_ray), "-t", "uk,ru", "--engine", "ray", "--workers", "1")
    assert result.exit_code == first.exit_code == ExitStatus.PARTIAL_FAILURE, result.stderr
    assert f"{len(good)} done, 0 skipped, 2 failed" in result.stderr

    made, expected = files(on_ray), files(local)
    assert sorted(made) == sorted(expected)
    assert len([name for name in made if name.endswith(".json")]) == len(good) + 2
    failures = [json.loads(line) for line in made["failures.jsonl"].splitlines()]
    assert sorted(f["source"].rsplit("/", 1)[-1] for f in failures) == ["empty.txt", "russian.txt"]
    assert "no model translates it" in json.loads(made["desk1/russian.json"])["error"]  # failed inside an actor
    # The same groups run with the same models: the same summaries and translations.
    records = [(json.loads(made[n]), json.loads(expected[n])) for n in made if n.endswith(".json")]
    records = [(r, e) for r, e in records if r["error"] is None]
    pairs = [(a, b) for r, e in records for a, b in zip(texts(r), texts(e), strict=True)]
    assert len(pairs) == len(good) * 3 and all(pairs)
    assert sum(a == b for a, b in pairs) / len(pairs) >= 0.9
    assert all(r["config_sha256"] == e["config_sha256"] for r, e in records)

    def no_scheduling(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("work was scheduled on Ray")

    again_local = run(cli, tiny_models, str(src), "-o", str(on_ray), "-t", "uk,ru")
    assert f"0 done, {len(good)} skipped, 2 failed" in again_local.stderr  # either engine resumes the other's run
    # Failed inputs are tried again; with them gone, a rerun of the finished job schedules nothing.
    (src / "desk0" / "empty.txt").unlink()
    (src / "desk1" / "russian.txt").unlink()
    monkeypatch.setattr("ray.data.from_items", no_scheduling)
    again = run(cli, tiny_models, str(src), "-o", str(on_ray), "-t", "uk,ru", "--engine", "ray")
    assert again.exit_code == 0, again.stderr
    assert f"0 done, {len(good)} skipped, 0 failed" in again.stderr


@pytest.mark.ray
@pytest.mark.usefixtures("local_ray")
def test_a_stop_keeps_the_finished_results_and_a_rerun_completes(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    good = make_folder(src, 12)
    original = batch.BatchRunner._finish
    finished = 0

    def stop_after_the_first_group(self: batch.BatchRunner, *args: Any) -> None:
        nonlocal finished
        original(self, *args)
        finished += 1
        if finished == 2 + batch.GROUP_SIZE:  # the empty and the Russian file, then one group
            raise KeyboardInterrupt

    monkeypatch.setattr(batch.BatchRunner, "_finish", stop_after_the_first_group)
    args = [str(src), "-o", str(out), "--summary", "extractive", "-t", "uk", "--engine", "ray", "--workers", "1"]
    stopped = run(cli, tiny_models, *args)
    assert stopped.exit_code == ExitStatus.INTERRUPTED
    assert "finished results are kept" in stopped.stderr
    kept = [n for n in files(out) if n.endswith(".json")]
    assert len(kept) == 2 + batch.GROUP_SIZE
    assert not (out / batch.LOCK_NAME).exists()
    good_kept = sum(1 for n in kept if json.loads((out / n).read_text())["error"] is None)

    monkeypatch.setattr(batch.BatchRunner, "_finish", original)
    rerun = run(cli, tiny_models, *args)
    # Every good result of the stopped run is skipped, and only the rest is done.
    assert f"{len(good) - good_kept} done, {good_kept} skipped, 2 failed" in rerun.stderr


@pytest.mark.ray
@pytest.mark.usefixtures("local_ray")
def test_a_model_that_cannot_load_in_an_actor_stops_the_run_with_exit_5(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    broken = tmp_path / "not-a-model"
    broken.mkdir()
    (broken / "README").write_text("no weights here")
    config = tmp_path / "models.toml"
    config.write_text(tiny_models.config.read_text().replace(str(tiny_models.summarizer), str(broken)))
    src, out = tmp_path / "in", tmp_path / "out"
    make_folder(src, 3)
    result = invoke(cli, ["-c", str(config), str(src), "-o", str(out), "-t", "uk", "--engine", "ray"])
    assert result.exit_code == ExitStatus.MODEL_UNAVAILABLE, result.stderr
    assert "not-a-model" in result.stderr
    assert not (out / batch.LOCK_NAME).exists()


@pytest.mark.ray
@pytest.mark.s3
@pytest.mark.usefixtures("local_ray", "s3_server")
def test_a_ray_run_reads_and_writes_object_storage(cli: CliRunner, tiny_models: TinyModels) -> None:
    prefix = f"s3://{BUCKET}/ray"
    for i in range(3):
        put(f"{prefix}/in/desk{i % 2}/story{i}.txt", f"Story {i}.\n{PARAGRAPHS[i]}\n")
    args = [f"{prefix}/in", "-o", f"{prefix}/out", "--summary", "extractive", "-t", "uk", "--engine", "ray"]
    result = run(cli, tiny_models, *args)
    assert result.exit_code == 0, result.stderr
    stored = objects(f"{prefix}/out")
    assert sorted(stored) == sorted(
        f"desk{i % 2}/story{i}.{part}" for i in range(3) for part in ("json", "summary.txt", "uk.txt")
    )
    assert "0 done, 3 skipped" in run(cli, tiny_models, *args).stderr


@pytest.mark.ray
@pytest.mark.usefixtures("local_ray")
@pytest.mark.parametrize("fmt", ["jsonl", "json", "markdown"])  # text leaves failed inputs out
def test_results_on_stdout_come_in_input_order_as_a_local_run_gives_them(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, fmt: str
) -> None:
    src = tmp_path / "in"
    make_folder(src, 4)
    (src / "desk1" / "binary.txt").write_bytes(b"\x00\x01\x02 not text \xff" * 20)
    args = [str(src), "-f", fmt, "--summary", "extractive", "-t", "uk"]
    local = run(cli, tiny_models, *args)
    on_ray = run(cli, tiny_models, *args, "--engine", "ray", "--workers", "1")
    assert on_ray.exit_code == local.exit_code == ExitStatus.PARTIAL_FAILURE, on_ray.stderr

    def sources(stdout: str) -> list[str]:
        if fmt == "jsonl":
            return [json.loads(line)["source"] for line in stdout.splitlines()]
        if fmt == "json":
            return [record["source"] for record in json.loads(stdout)]
        return [line for line in stdout.splitlines() if line.startswith("# ")]

    # Inputs that could not be read (empty, binary) are in their place, not first.
    assert len(sources(local.stdout)) == 7
    assert sources(on_ray.stdout) == sources(local.stdout)


def _session(leader: int) -> dict[int, str]:
    """The processes in ``leader``'s session other than ``leader``, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == leader:
            continue
        try:
            stat = (entry / "stat").read_text()
            session = int(stat[stat.rindex(")") + 2 :].split()[3])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            continue  # it ended while we looked
        if session == leader:
            found[int(entry.name)] = command
    return found


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds Ray's processes through /proc")
@pytest.mark.parametrize(
    ("signame", "status", "started"),
    [
        ("SIGTERM", ExitStatus.TERMINATED, "raylet"),  # Ray's processes half started
        ("SIGHUP", ExitStatus.HUNG_UP, "raylet"),
        ("SIGINT", ExitStatus.INTERRUPTED, "raylet"),
        ("SIGHUP", ExitStatus.HUNG_UP, "default_worker"),  # the run connecting to its workers
    ],
)
def test_a_stop_signal_while_ray_starts_ends_the_run_with_its_status_and_leaves_no_ray_process(
    tiny_models: TinyModels, tmp_path: Path, signame: str, status: int, started: str
) -> None:
    pytest.importorskip("ray")
    src, out = tmp_path / "in", tmp_path / "out"
    make_folder(src, 3)
    cmd = [sys.executable, "-m", "summarize_cli", "-c", str(tiny_models.config), str(src), "-o", str(out)]
    cmd += ["--summary", "extractive", "-t", "uk", "--engine", "ray"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAY_ADDRESS": "local"}  # a Ray of its own, never this module's
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while (
            proc.poll() is None
            and time.monotonic() < deadline
            and not any(started in c for c in _session(proc.pid).values())
        ):
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before Ray started"
        proc.send_signal(getattr(signal, signame))
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == status, stderr.decode()
        assert b"(interrupted; finished results are kept" in stderr
        # Ray's processes go with the run, not a minute later.
        deadline = time.monotonic() + 15
        while _session(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert list(_session(proc.pid).values()) == []
    finally:
        for pid in [proc.pid, *_session(proc.pid)]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()


def test_without_ray_the_ray_engine_is_a_usage_error_naming_the_extra(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ray_engine, "ray_installed", lambda: False)
    (tmp_path / "a.txt").write_text(PARAGRAPHS[0])
    result = run(cli, tiny_models, str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "--engine", "ray")
    assert result.exit_code == ExitStatus.USAGE
    assert "pip install 'summarize-cli[ray]'" in result.stderr
    workers = run(cli, tiny_models, str(tmp_path / "a.txt"), "--workers", "2")
    assert workers.exit_code == ExitStatus.USAGE and "--engine ray" in workers.stderr


def test_actors_get_one_gpu_each_on_cuda_and_one_machine_each_on_cpus() -> None:
    two_gpu_nodes = [{"CPU": 16.0, "GPU": 2.0}, {"CPU": 16.0, "GPU": 2.0}]
    assert plan("cuda", None, two_gpu_nodes) == ray_engine.Placement(actors=4, num_cpus=1, num_gpus=1)
    assert plan("auto", 2, two_gpu_nodes).actors == 2
    assert plan("cpu", None, two_gpu_nodes) == ray_engine.Placement(actors=2, num_cpus=16, num_gpus=0)
    assert plan("auto", None, [{"CPU": 8.0}]) == ray_engine.Placement(actors=1, num_cpus=8, num_gpus=0)
    assert plan("cpu", 4, [{"CPU": 8.0}]) == ray_engine.Placement(actors=4, num_cpus=2, num_gpus=0)
    with pytest.raises(DeviceUnavailableError, match="no GPU"):
        plan("cuda", None, [{"CPU": 8.0}])


def test_the_package_and_its_help_import_neither_ray_nor_a_storage_library() -> None:
    code = (
        "import sys\n"
        "import summarize_cli, summarize_cli.cli\n"
        "try:\n"
        "    summarize_cli.cli.main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'ray', 's3fs', 'pyarrow', 'fsspec', 'pandas'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "Usage:" in done.stdout
    assert done.stdout.splitlines()[-1] == "[]"
