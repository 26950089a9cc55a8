"""Where configured models live: the Hugging Face cache or a local directory; listing and fetching."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, ModelUnavailableError
from .types import Config, ModelSpec
from .units import format_bytes

log = logging.getLogger("summarize_cli")

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
    if any(snapshot.glob("*.safetensors")):
        index = snapshot / "model.safetensors.index.json"
    elif any(snapshot.glob("*.bin")):
        index = snapshot / "pytorch_model.bin.index.json"
    else:
        return None
    return snapshot if _shards_present(index) else None


def _shards_present(index: Path) -> bool:
    """Whether every weights file a sharded checkpoint's index names is there: one shard is not the model.

    A download stopped between shards leaves a snapshot with some of them; it must not pass for
    cached, or the next run would never fetch the rest. Without an index the weights are one file.
    """
    if not index.is_file():
        return True
    try:
        weight_map = json.loads(index.read_text(encoding="utf-8")).get("weight_map", {})
    except (OSError, ValueError, AttributeError):
        return False
    return all((index.parent / name).is_file() for name in set(weight_map.values()))


def local_folder(spec: ModelSpec) -> Path:
    """The folder of a model configured as a path; ModelUnavailableError, saying where to fix it, when it is not there."""
    folder = Path(spec.model).expanduser()
    if not folder.is_dir():
        from .hub import config_key, describe_model

        raise ModelUnavailableError(
            f"{describe_model(spec)} names a folder that {'is a file' if folder.exists() else 'does not exist'}; "
            f"set model under {config_key(spec)} in models.toml to a folder that holds the model's files, "
            "or to a Hugging Face id"
        )
    return folder


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


@dataclass(frozen=True)
class Download:
    """What fetching one Hub model brings: its files, their size, what is not cached yet, and where it goes."""

    spec: ModelSpec
    files: list[str]
    size_bytes: int | None
    missing_bytes: int | None
    cache_dir: str


def human_size(size: int | None) -> str:
    """1.2 GB, 300.5 MB, 812 bytes; '-' when unknown."""
    return "-" if size is None else format_bytes(size)


def plan(spec: ModelSpec) -> Download:
    """The files ``pull`` would fetch for a Hub model, their size and how much of it is not cached.

    safetensors weights are taken when the repository has them, PyTorch ones otherwise. One
    request, the model's file list with sizes; failing, a ModelUnavailableError that says why.
    """
    import fnmatch

    from huggingface_hub import HfApi, constants, try_to_load_from_cache

    from . import hub

    hub.prepare()
    try:
        info = HfApi().model_info(spec.model, revision=spec.revision, files_metadata=True)
    except hub.ERRORS as exc:
        raise hub.download_error(spec, exc) from exc
    sizes = {s.rfilename: s.size for s in info.siblings or []}
    hashes = {s.rfilename: s.lfs.sha256 for s in info.siblings or [] if s.lfs is not None}
    weights = ["*.safetensors"] if any(f.endswith(".safetensors") for f in sizes) else ["pytorch_model*.bin"]
    files = [f for f in sizes if any(fnmatch.fnmatch(f, p) for p in [*SUPPORT_PATTERNS, *weights])]
    # Weights last: a snapshot with weights counts as cached (cached_snapshot), so a pull stopped
    # after them must not leave the tokenizer behind, where no later run would fetch it.
    files.sort(key=lambda f: any(fnmatch.fnmatch(f, p) for p in weights))
    missing = [f for f in files if not isinstance(try_to_load_from_cache(spec.model, f, revision=info.sha), str)]
    cache = Path(constants.HF_HUB_CACHE)

    def started(name: str) -> int:
        """Bytes of ``name`` an interrupted download left, which the next one does not fetch again."""
        if name not in hashes:
            return 0
        partial = hub.partial_path(cache, spec.model, hashes[name])
        return partial.stat().st_size if partial.is_file() else 0

    def total(names: list[str], less: Callable[[str], int] = lambda name: 0) -> int | None:
        known = [sizes[f] for f in names]
        return None if None in known else sum(max((sizes[f] or 0) - less(f), 0) for f in names)

    return Download(spec, files, total(files), total(missing, started), str(cache))


def note_first_download(download: Download) -> None:
    """On a terminal, say what is about to be fetched, how big it is, where it goes, and how to do it ahead."""
    if download.missing_bytes == 0 or sys.stderr is None or not sys.stderr.isatty():
        return
    size = f"about {human_size(download.missing_bytes)}" if download.missing_bytes else "size unknown"
    log.info(
        "downloading %s (%s) into %s, once; `summarize-cli models pull` fetches every model ahead of time",
        download.spec.model,
        size,
        download.cache_dir,
    )


def pull(spec: ModelSpec, announce: Callable[[Download], None] = note_first_download) -> Path:
    """Download a Hub model into the Hugging Face cache; files already there are not fetched again.

    ``announce`` hears what will be fetched first. Files come one after another in this thread,
    so that Ctrl-C stops at once (download threads would hold the exit until their file is
    done); complete files are kept, and so are the bytes of the one being fetched: the next
    pull resumes it (:func:`hub.fetch_file`). Any failure is a ModelUnavailableError that names
    the model, says why in words and what to do.
    """
    if spec.is_local:
        return local_folder(spec)
    from . import hub

    download = plan(spec)
    if not download.files:
        raise ModelUnavailableError(f"{spec.model} on the Hub has no configuration, tokenizer or weights to fetch")
    announce(download)
    try:
        paths = [(name, hub.fetch_file(spec.model, name, spec.revision)) for name in download.files]
    except hub.ERRORS as exc:
        raise hub.download_error(spec, exc) from exc
    hub.remove_stale_partials(spec.model)  # the model is whole: no partial file of it is needed
    name, path = paths[0]
    return path.parents[len(Path(name).parts) - 1]  # the snapshot folder the files were linked into


def model_identity(spec: ModelSpec) -> tuple[str, bool]:
    """What names this exact model, and whether that is settled.

    A local folder is named by its files' sizes and times, so a model changed in place is a
    new model; a Hub model by the commit its cache resolved. A Hub model not cached yet has
    only its revision, which is not settled until it is downloaded.
    """
    import hashlib

    if spec.is_local:
        folder = Path(spec.model)
        if not folder.is_dir():
            return "local-missing", False  # loading it says what is wrong
        stamp = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sorted(folder.iterdir()) if p.is_file()]
        return "local-" + hashlib.sha256("\n".join([str(folder.resolve()), *stamp]).encode()).hexdigest()[:16], True
    snapshot = cached_snapshot(spec)
    if snapshot is not None:
        return snapshot.name, True  # the commit the cache resolved the revision to
    return spec.revision or "main", False
