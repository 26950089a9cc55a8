"""Pick the device models run on, importing torch only where nothing lighter can tell."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from ..errors import DeviceUnavailableError

# Device nodes of the GPU drivers torch can use: NVIDIA, AMD's ROCm, and WSL's GPU bridge.
# Without any of them torch finds no GPU either, so there is no need to import it (2 s) to ask.
_GPU_NODES = ("/dev/nvidiactl", "/dev/kfd", "/dev/dxg")


def _ctranslate2_runs_on_cuda() -> bool:
    if importlib.util.find_spec("ctranslate2") is None:
        return False
    from .ct2 import cuda_usable

    return cuda_usable()


def _gpu_driver_possible() -> bool:
    if sys.platform == "darwin":
        return False  # no CUDA on macOS; Apple's GPU is MPS
    if sys.platform.startswith("linux"):
        return any(Path(node).exists() for node in _GPU_NODES)
    return True  # elsewhere only torch can tell


def cuda_available() -> bool:
    """Whether a CUDA GPU is usable: by CTranslate2 (no torch needed), else by torch."""
    if _ctranslate2_runs_on_cuda():
        return True
    if not _gpu_driver_possible():
        return False
    import torch

    return bool(torch.cuda.is_available())


def mps_available() -> bool:
    """Whether Apple's GPU is usable by torch; only macOS has one."""
    if sys.platform != "darwin":
        return False
    import torch

    mps = getattr(torch.backends, "mps", None)
    return mps is not None and bool(mps.is_available())


def available_devices() -> list[str]:
    """The devices usable here, best first."""
    found = []
    if cuda_available():
        found.append("cuda")
    if mps_available():
        found.append("mps")
    found.append("cpu")
    return found


def resolve_device(requested: str) -> str:
    """``auto`` becomes CUDA, then Apple MPS, then CPU; a named device must be present."""
    if requested == "cpu":
        return "cpu"
    if requested == "auto":
        return "cuda" if cuda_available() else "mps" if mps_available() else "cpu"
    found = available_devices()
    if requested not in found:
        raise DeviceUnavailableError(
            f"--device {requested} was asked for, but it is not available here; found: {', '.join(found)}"
        )
    return requested
