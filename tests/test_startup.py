"""What a run pays before its first summary: no torch or transformers on the CTranslate2 path,
converted models that load from their folder alone, devices found without torch, and models
that load in the background while the inputs are read."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from summarize_cli.backends.ct2 import CTranslate2Model, converted_path
from summarize_cli.errors import DeviceUnavailableError, ModelUnavailableError
from summarize_cli.registry import ModelRegistry
from summarize_cli.types import GenerationSettings, ModelSpec

from conftest import ROOT, SEED, TinyModels, run_cli
from fakes import FakeModel

HEAVY = ("torch", "transformers")
SETTINGS = GenerationSettings(num_beams=2, max_new_tokens=12)
SENTENCES = ["The talks go on in Geneva.", "Officials confirmed 2,000 soldiers.", "Prices rose by 3.5% in March."]

RUN_MAIN = """
import json, sys
from summarize_cli.cli import main
try:
    main(sys.argv[2:], prog_name="summarize-cli")
except SystemExit as done:
    code = done.code
loaded = {name: name in sys.modules for name in ("torch", "transformers", "ctranslate2")}
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"code": code, "loaded": loaded}, out)
"""

# Importing torch or transformers fails outright here, so nothing can lean on them unnoticed.
LOAD_BLOCKED = """
import json, sys
for name in ("torch", "transformers"):
    sys.modules[name] = None
from summarize_cli.backends.ct2 import CTranslate2Model
from summarize_cli.types import GenerationSettings, ModelSpec
request = json.loads(sys.argv[1])
settings = GenerationSettings(**request["settings"])
outputs = {}
for name, spec in request["specs"].items():
    model = CTranslate2Model(ModelSpec(**spec), "cpu", offline=True)
    outputs[name] = {
        "generated": model.generate(request["texts"], settings, spec["target_token"]),
        "counts": model.count_tokens(request["texts"]),
        "limit": model.max_input_tokens,
    }
print(json.dumps(outputs))
"""


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False
    )


@pytest.mark.parametrize("extra", [["--no-translate"], []])
def test_a_ctranslate2_run_imports_neither_torch_nor_transformers(
    tiny_models: TinyModels, tmp_path: Path, extra: list[str]
) -> None:
    args = ["-c", str(tiny_models.config), "-f", "json", *extra, str(SEED)]
    first = run_cli(args)  # converts the models once, if no test did yet
    assert first.returncode == 0, first.stderr.decode()

    report = tmp_path / "report.json"
    run = _python(RUN_MAIN, str(report), *args)
    outcome = json.loads(report.read_text(encoding="utf-8"))
    assert outcome["code"] == 0, run.stderr
    assert outcome["loaded"] == {"torch": False, "transformers": False, "ctranslate2": True}
    result = json.loads(run.stdout)
    assert result["summary"]
    assert sorted(result["translations"]) == ([] if extra else ["ko", "ru", "uk"])
    assert all(result["translations"].values())


def _spec(path: Path, role: str, language: str, target_token: str | None = None) -> dict[str, Any]:
    return {"model": str(path), "role": role, "language": language, "target_token": target_token}


def test_a_converted_model_loads_from_its_folder_alone(tiny_models: TinyModels, tmp_path: Path) -> None:
    copies = {}
    for name, source in (("summary", tiny_models.summarizer), ("ru", tiny_models.translators["ru"])):
        copies[name] = shutil.copytree(source, tmp_path / name)  # keeps the times the cache key reads
    specs = {
        "summary": _spec(copies["summary"], "summary", "en"),
        "ru": _spec(copies["ru"], "translation", "ru", ">>rus<<"),
    }
    expected = {}
    for name, spec in specs.items():
        model = CTranslate2Model(ModelSpec(**spec), "cpu", offline=True)  # converts
        expected[name] = {
            "generated": model.generate(SENTENCES, SETTINGS, spec["target_token"]),
            "counts": model.count_tokens(SENTENCES),
            "limit": model.max_input_tokens,
        }
    assert expected["summary"]["limit"] == 1024 and expected["ru"]["limit"] == 512

    # Garble every file of the originals; names, sizes and times stay, and with them the cache key.
    for copy in copies.values():
        for item in copy.iterdir():
            stat = item.stat()
            item.write_bytes(b"\0" * stat.st_size)
            os.utime(item, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert converted_path(ModelSpec(**specs["ru"]), "int8").is_dir()

    request = {"specs": specs, "texts": SENTENCES, "settings": {"num_beams": 2, "max_new_tokens": 12}}
    run = _python(LOAD_BLOCKED, json.dumps(request))
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == expected


def test_a_folder_converted_by_an_older_version_is_converted_again(tiny_models: TinyModels, tmp_path: Path) -> None:
    spec = ModelSpec(
        model=str(shutil.copytree(tiny_models.translators["uk"], tmp_path / "uk")), role="t", language="uk"
    )
    CTranslate2Model(spec, "cpu", offline=True)
    folder = converted_path(spec, "int8")
    # What an older version left: the weights, without the tokenizer and defaults a run now reads.
    (folder / "summarize-cli.json").unlink()
    shutil.rmtree(folder / "tokenizer")
    model = CTranslate2Model(spec, "cpu", offline=True)
    assert (folder / "summarize-cli.json").is_file() and (folder / "tokenizer").is_dir()
    assert model.generate(SENTENCES, SETTINGS)[0]
    assert not [p.name for p in folder.parent.iterdir() if p.name.startswith(folder.name) and p != folder]


def test_auto_finds_the_cpu_without_torch() -> None:
    code = (
        "import sys\n"
        "from summarize_cli.backends import device\n"
        "print(device.resolve_device('auto'), device.resolve_device('cpu'), 'torch' in sys.modules)\n"
    )
    run = _python(code)
    assert run.returncode == 0, run.stderr
    found, cpu, torch_loaded = run.stdout.split()
    assert cpu == "cpu"
    if found == "cpu":  # on a machine with a GPU CTranslate2 runs on, that is found first, also without torch
        assert (torch_loaded, Path("/dev/nvidiactl").exists()) in {("False", False), ("True", True)}
    else:
        assert (found, torch_loaded) == ("cuda", "False")


def test_auto_takes_cuda_that_ctranslate2_can_use_without_asking_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    from summarize_cli.backends import device

    monkeypatch.setattr(device, "_ctranslate2_runs_on_cuda", lambda: True)
    monkeypatch.setitem(sys.modules, "torch", None)  # importing torch would fail
    assert device.resolve_device("auto") == "cuda"
    assert device.resolve_device("cuda") == "cuda"


def test_without_a_gpu_driver_auto_is_the_cpu_and_cuda_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from summarize_cli.backends import device

    monkeypatch.setattr(device, "_ctranslate2_runs_on_cuda", lambda: False)
    monkeypatch.setattr(device, "_gpu_driver_possible", lambda: False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setitem(sys.modules, "torch", None)
    assert device.resolve_device("auto") == "cpu"
    with pytest.raises(DeviceUnavailableError, match=r"--device cuda .* found: cpu"):
        device.resolve_device("cuda")


PRELOAD = """
import json, sys
from summarize_cli.backends.ct2 import preload_cuda_libraries
loaded = preload_cuda_libraries()
maps = open("/proc/self/maps").read()
print(json.dumps({"loaded": loaded, "mapped": [path in maps for path in loaded]}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the cuBLAS wheel is for Linux")
def test_cublas_from_the_gpu_extra_is_loaded_from_its_wheel_before_ctranslate2(tmp_path: Path) -> None:
    import _ctypes

    # The nvidia-cublas-cu12 layout: a namespace package with the libraries in nvidia/cublas/lib.
    # Any real shared object stands in for cuBLAS here (the wheel is 850 MB).
    lib = tmp_path / "site" / "nvidia" / "cublas" / "lib"
    lib.mkdir(parents=True)
    for name in ("libcublasLt.so.12", "libcublas.so.12"):
        shutil.copy(_ctypes.__file__, lib / name)

    def preload(pythonpath: str) -> dict[str, Any]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([pythonpath, str(ROOT)])}
        done = subprocess.run([sys.executable, "-c", PRELOAD], env=env, capture_output=True, text=True, check=True)
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    found = preload(str(tmp_path / "site"))
    assert found["loaded"] == [str(lib / "libcublasLt.so.12"), str(lib / "libcublas.so.12")]  # Lt first
    assert found["mapped"] == [True, True]
    assert preload(str(tmp_path / "empty")) == {"loaded": [], "mapped": []}


def test_a_gpu_run_without_cublas_uses_transformers_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from summarize_cli import registry
    from summarize_cli.backends import ct2

    monkeypatch.setattr(registry, "_gpu_fallback_noted", threading.Event())
    monkeypatch.setattr(ct2, "cuda_problem", lambda: "CTranslate2 needs CUDA 12's cuBLAS (libcublas.so.12)")
    spec = ModelSpec(model="Helsinki-NLP/opus-mt-en-uk", role="translation", language="uk")
    with caplog.at_level("WARNING", logger="summarize_cli"):
        assert registry.choose_backend(spec, "cpu") == "ctranslate2"
        assert [registry.choose_backend(spec, "cuda") for _ in range(3)] == ["transformers"] * 3
    [note] = [r.getMessage() for r in caplog.records]
    assert "libcublas.so.12" in note and "summarize-cli[gpu]" in note and "float16" in note

    monkeypatch.setattr(ct2, "cuda_problem", lambda: None)
    assert registry.choose_backend(spec, "cuda") == "ctranslate2"


def _local_spec(tmp_path: Path, role: str = "summary") -> ModelSpec:
    folder = tmp_path / role
    folder.mkdir(exist_ok=True)
    return ModelSpec(model=str(folder), role=role, language="en")


def test_prefetch_loads_in_the_background_and_get_waits_for_it(tmp_path: Path) -> None:
    released = threading.Event()
    threads: list[str] = []
    model = FakeModel()

    def load(spec: ModelSpec, device: str, offline: bool) -> FakeModel:
        threads.append(threading.current_thread().name)
        # The caller goes on while this loads: prefetch must return before the load is done.
        assert released.wait(timeout=30), "prefetch waited for the load"
        return model

    registry = ModelRegistry(device="cpu", loader=load)
    spec = _local_spec(tmp_path)
    registry.prefetch([spec])
    released.set()
    assert registry.get(spec) is model
    assert registry.get(spec) is model
    assert len(threads) == 1 and threads[0] != threading.current_thread().name
    assert registry.loaded == [spec]
    # The loading thread outlives its loads: CTranslate2 runs a model whose loading thread has
    # ended several times slower.
    assert any(t.name == threads[0] and t.is_alive() for t in threading.enumerate())


def test_errors_of_a_prefetched_load_surface_from_get_as_they_would_without_it(tmp_path: Path) -> None:
    calls: list[str] = []

    def broken(spec: ModelSpec, device: str, offline: bool) -> FakeModel:
        calls.append(threading.current_thread().name)
        raise ModelUnavailableError(f"{spec.model} is not a valid model directory")

    spec = _local_spec(tmp_path)
    plain = ModelRegistry(device="cpu", loader=broken)
    with pytest.raises(ModelUnavailableError) as direct:
        plain.get(spec)

    prefetching = ModelRegistry(device="cpu", loader=broken)
    prefetching.prefetch([spec])
    with pytest.raises(ModelUnavailableError) as surfaced:
        prefetching.get(spec)
    assert type(surfaced.value) is type(direct.value) and str(surfaced.value) == str(direct.value)
    with pytest.raises(ModelUnavailableError):
        prefetching.get(spec)  # tried again, as without prefetch
    assert len(calls) == 3 and prefetching.loaded == []


def test_a_device_error_in_the_background_surfaces_from_get(tmp_path: Path) -> None:
    registry = ModelRegistry(device="no-such-device", loader=lambda spec, device, offline: FakeModel())
    spec = _local_spec(tmp_path)
    registry.prefetch([spec])
    with pytest.raises(DeviceUnavailableError, match="no-such-device"):
        registry.get(spec)


def test_a_model_that_needs_a_download_is_left_to_get(tmp_path: Path) -> None:
    threads: list[str] = []

    def load(spec: ModelSpec, device: str, offline: bool) -> FakeModel:
        threads.append(threading.current_thread().name)
        return FakeModel()

    registry = ModelRegistry(device="cpu", loader=load)
    hub = ModelSpec(model="example/not-cached-anywhere", role="summary", language="en")
    local = _local_spec(tmp_path, "translation")
    registry.prefetch([hub, local])
    registry.get(local)  # the background thread is done once the second one is
    assert threads == ["summarize-cli-prefetch"]
    registry.get(hub)
    assert threads == ["summarize-cli-prefetch", threading.current_thread().name]
