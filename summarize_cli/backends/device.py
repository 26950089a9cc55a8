"""Pick the device models run on."""

from __future__ import annotations

from ..errors import DeviceUnavailableError


def available_devices() -> list[str]:
    """The devices torch can use here, best first."""
    import torch

    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    found.append("cpu")
    return found


def resolve_device(requested: str) -> str:
    """``auto`` becomes CUDA, then Apple MPS, then CPU; a named device must be present."""
    found = available_devices()
    if requested == "auto":
        return found[0]
    if requested not in found:
        raise DeviceUnavailableError(
            f"--device {requested} was asked for, but it is not available here; found: {', '.join(found)}"
        )
    return requested
