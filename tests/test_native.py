"""A process never exits in the middle of a native library's work in the background loader."""

from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import cast

import pytest

from summarize_cli.backends import native
from summarize_cli.registry import default_loader
from summarize_cli.types import Backend, ModelSpec

from conftest import TinyModels


@pytest.fixture
def steps() -> native.NativeSteps:
    """A tracker of its own: the process's is shared with the loaders of other tests."""
    return native.NativeSteps()


def test_exit_waits_for_a_native_step_under_way(steps: native.NativeSteps) -> None:
    inside, finished = threading.Event(), []

    def load() -> None:
        with steps.step():
            inside.set()
            time.sleep(0.5)
            finished.append(True)

    threading.Thread(target=load, daemon=True).start()
    assert inside.wait(5)
    started = time.monotonic()
    assert steps.settle(timeout=10)
    assert finished == [True] and time.monotonic() - started >= 0.4


def test_no_native_step_starts_once_exit_has_begun(steps: native.NativeSteps) -> None:
    assert steps.settle(timeout=1)  # nothing under way: at once
    entered = []

    def load() -> None:
        with steps.step():
            entered.append(True)

    late = threading.Thread(target=load, daemon=True)
    late.start()
    late.join(timeout=1)
    assert late.is_alive() and entered == []  # held before the native code, until the process ends


def test_a_step_inside_a_step_goes_on_while_exit_waits_for_the_outer_one(steps: native.NativeSteps) -> None:
    inside, go_on, finished = threading.Event(), threading.Event(), []

    def load() -> None:
        with steps.step():
            inside.set()
            go_on.wait(5)
            with steps.step():  # begun after exit began: part of the outer step, so not held
                finished.append(True)

    threading.Thread(target=load, daemon=True).start()
    assert inside.wait(5)
    threading.Timer(0.2, go_on.set).start()
    assert steps.settle(timeout=5) and finished == [True]


def test_exit_does_not_wait_for_a_leavable_stretch_and_holds_the_thread_after_it(steps: native.NativeSteps) -> None:
    converting, release, after = threading.Event(), threading.Event(), []

    def load() -> None:
        with steps.step():
            with steps.leavable():  # a conversion in a child process, say
                converting.set()
                release.wait(10)
            after.append(True)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    assert converting.wait(5)
    started = time.monotonic()
    assert steps.settle(timeout=5) and time.monotonic() - started < 1
    release.set()
    worker.join(timeout=0.5)
    assert worker.is_alive() and after == []  # held where the native work would go on


def test_exit_waits_only_so_long(steps: native.NativeSteps) -> None:
    release = threading.Event()

    def stuck() -> None:
        with steps.step():
            release.wait(10)

    threading.Thread(target=stuck, daemon=True).start()
    time.sleep(0.1)
    assert steps.settle(timeout=0.2) is False
    release.set()


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_both_backends_load_their_models_inside_a_native_step(
    tiny_models: TinyModels, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarize_cli.backends import ct2, hf

    seen: list[str] = []
    real = native.native_step

    def recording() -> AbstractContextManager[None]:
        seen.append(backend)
        return real()

    monkeypatch.setattr(ct2, "native_step", recording)
    monkeypatch.setattr(hf, "native_step", recording)
    spec = ModelSpec(
        model=str(tiny_models.translators["uk"]), role="translation", language="uk", backend=cast(Backend, backend)
    )
    model = default_loader(spec, "cpu", offline=True)
    assert model.count_tokens(["The talks continue."])[0] > 0
    assert seen == [backend]  # one step, around the tokenizer and the model


def test_the_process_exits_only_after_a_background_job_has_let_go_of_what_it_loaded(tmp_path: Path) -> None:
    # A model freed by the loading thread while the process exits aborted it (status 134): the
    # job, up to the release of its last reference, is one step that exit waits for.
    import subprocess
    import sys

    marker = tmp_path / "released"
    script = (
        "import sys, threading, time\n"
        "from summarize_cli import registry\n"
        "started = threading.Event()\n"
        "def job():\n"
        "    started.set()\n"
        "    time.sleep(0.5)  # pure Python, after any native step of its own\n"
        "    open(sys.argv[1], 'w').write('released')\n"
        "registry._in_background(job)\n"
        "started.wait(10)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(marker)], capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert marker.read_text() == "released"
