"""Where configured models live: the Hugging Face cache or a local directory; listing and fetching."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, ModelUnavailableError
from .types import Config, ModelSpec

# What a checkpoint needs besides its weights: configs, tokenizer files and vocabularies.
SUPPORT_PATTERNS = ["*.json", "*.spm", "*.model", "*.txt"]


@dataclass(frozen=True)
class ModelStatus:
    """One configured model and whether it is on this machine."""

    spec: ModelSpec
    available: bool
    location: str | None
    size_bytes: int | None

    def as_dict(self) -> dict[str, object]:
        """The JSON form used by ``summarize-cli models --format json``."""
        return {
            "role": self.spec.role,
            "language": self.spec.language,
            "model": self.spec.model,
            "backend": self.spec.backend,
            "revision": self.spec.revision,
            "available": self.available,
            "location": self.location,
            "size_bytes": self.size_bytes,
        }


def configured(config: Config, selection: Iterable[str] = ()) -> list[ModelSpec]:
    """The configured models, or those named: ``summary``, and a language code for the models
    that translate into it and out of it."""
    names = list(selection)
    for name in names:
        if name != "summary" and name not in config.translators and name not in config.pivots:
            raise ConfigError(config.path, f"translation.models.{name}", f"no model is configured for '{name}'")
    everything = [
        ("summary", config.summarizer),
        *config.translators.items(),
        *config.pivots.items(),
    ]
    return [spec for name, spec in everything if not names or name in names]


def _folder_size(folder: Path) -> int:
    # Files in a Hub snapshot are links into a blob store; count what they point to.
    return sum(p.resolve().stat().st_size for p in folder.rglob("*") if p.is_file())


def cached_snapshot(spec: ModelSpec) -> Path | None:
    """The folder of the cached snapshot of a Hub model, or None when it is not cached."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(spec.model, "config.json", revision=spec.revision)
    if not isinstance(found, str):
        return None
    snapshot = Path(found).parent
    has_weights = any(snapshot.glob("*.safetensors")) or any(snapshot.glob("*.bin"))
    return snapshot if has_weights else None


def status(spec: ModelSpec) -> ModelStatus:
    """Whether ``spec`` can be loaded without the network, where from, and its size on disk."""
    if spec.is_local:
        folder = Path(spec.model)
        ok = (folder / "config.json").is_file()
        return ModelStatus(spec, ok, str(folder), _folder_size(folder) if ok else None)
    snapshot = cached_snapshot(spec)
    if snapshot is None:
        return ModelStatus(spec, False, None, None)
    return ModelStatus(spec, True, str(snapshot), _folder_size(snapshot))


def pull(spec: ModelSpec) -> Path:
    """Download a Hub model into the Hugging Face cache; files already there are not fetched again.

    safetensors weights are taken when the repository has them, PyTorch ones otherwise.
    """
    if spec.is_local:
        return Path(spec.model)
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        files = HfApi().list_repo_files(spec.model, revision=spec.revision)
        weights = ["*.safetensors"] if any(f.endswith(".safetensors") for f in files) else ["pytorch_model*.bin"]
        folder = snapshot_download(spec.model, revision=spec.revision, allow_patterns=SUPPORT_PATTERNS + weights)
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError, ValueError) as exc:
        raise ModelUnavailableError(f"could not download '{spec.model}': {exc}") from exc
    return Path(folder)
