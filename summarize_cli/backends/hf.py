"""The transformers backend: AutoTokenizer + AutoModelForSeq2SeqLM and ``generate``."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import GenerationError, ModelUnavailableError
from ..types import GenerationSettings, ModelSpec
from .native import native_step

# A tokenizer with no limit reports a huge sentinel instead of None.
_NO_LIMIT = 1_000_000


def quiet_transformers() -> None:
    """Keep transformers' own progress bars and advice off the user's terminal.

    Download progress stays on where stderr is a terminal: a first run fetches about 1.5 GB.
    Requests to the Hub are bounded and their retries silent (see ``hub.prepare``).
    """
    from transformers.utils import logging

    from .. import hub

    logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    hub.prepare()
    hub_progress_bars()


def hub_progress_bars() -> None:
    """Show download progress only where stderr is a terminal and nobody turned it off."""
    from huggingface_hub.utils.tqdm import disable_progress_bars, enable_progress_bars

    if sys.stderr is not None and sys.stderr.isatty() and not os.environ.get("HF_HUB_DISABLE_PROGRESS_BARS"):
        enable_progress_bars()
    else:
        disable_progress_bars()


def unavailable_message(spec: ModelSpec, offline: bool, exc: Exception) -> str:
    """Say why a model could not be loaded and how to get it."""
    if spec.is_local:
        return f"{spec.model} is not a valid model directory for {spec.role} ({spec.language}): {exc}"
    if offline:
        return (
            f"model '{spec.model}' ({spec.role}, {spec.language}) is not in the local cache and the run is "
            "offline; fetch it first with `summarize-cli models pull` while online"
        )
    from .. import hub

    if hub.is_network_error(exc):
        return str(hub.download_error(spec, exc))
    return f"model '{spec.model}' ({spec.role}, {spec.language}) could not be loaded: {exc}"


def load_pretrained(spec: ModelSpec, offline: bool) -> tuple[Any, Any]:
    """Load tokenizer and model from a Hub id (into the normal cache) or a local directory.

    No code from the model repository runs (``trust_remote_code`` stays off) and
    safetensors weights are preferred where the repository has them.
    """
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from .. import hub
    from ..modelstore import cached_snapshot, local_folder, pull

    hub.prepare()
    if spec.is_local:
        local_folder(spec)
    elif not offline and cached_snapshot(spec) is None:
        pull(spec)  # a first download in the open: its size, its progress, and a clear message when it fails
    kwargs: dict[str, Any] = {"revision": spec.revision, "local_files_only": offline, "trust_remote_code": False}
    try:
        with native_step():
            tokenizer = AutoTokenizer.from_pretrained(spec.model, **kwargs)
            model = AutoModelForSeq2SeqLM.from_pretrained(spec.model, **kwargs)
    except (*hub.ERRORS, KeyError, ImportError) as exc:
        raise ModelUnavailableError(unavailable_message(spec, offline, exc)) from exc
    return tokenizer, model


def input_limit(tokenizer: Any, model_config: Any) -> int:
    """The longest input the model reads: the tokenizer's limit and the model's positions, whichever is less."""
    limits = [getattr(model_config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None)]
    usable = [int(x) for x in limits if isinstance(x, int) and 0 < x < _NO_LIMIT]
    return min(usable) if usable else 512


def tidy_output(text: str) -> str:
    """Generated text with control characters dropped and whitespace collapsed."""
    return " ".join("".join(ch for ch in text if ch.isprintable() or ch.isspace()).split())


class TokenizedModel:
    """What every backend that reads through a Hugging Face tokenizer shares."""

    spec: ModelSpec
    tokenizer: Any
    _limit: int

    @property
    def name(self) -> str:
        """The configured model id or path."""
        return self.spec.model

    @property
    def max_input_tokens(self) -> int:
        """The model's input limit in tokens."""
        return self._limit

    def check_fits(self, lengths: Sequence[int]) -> None:
        """Inputs over the limit are an error: they are never truncated."""
        longest = max(lengths, default=0)
        if longest > self._limit:
            raise GenerationError(f"{self.name}: an input of {longest} tokens exceeds the limit of {self._limit}")

    def encode(self, texts: Sequence[str], special_tokens: bool = True) -> list[list[int]]:
        """Token ids of each text; with ``special_tokens``, the ones the model expects around it."""
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=special_tokens, truncation=False, verbose=False)
        return [list(ids) for ids in encoded["input_ids"]]

    @property
    def unknown_id(self) -> int | None:
        """The id of the unknown token."""
        unk: int | None = self.tokenizer.unk_token_id
        return unk

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Token counts including the special tokens the tokenizer adds."""
        return [len(ids) for ids in self.encode(texts)]

    def unknown_share(self, texts: Sequence[str]) -> float:
        """Share of the tokens of ``texts`` that map to the unknown token."""
        unk = self.unknown_id
        ids = [i for row in self.encode(texts, special_tokens=False) for i in row]
        if not ids or unk is None:
            return 0.0
        return sum(1 for i in ids if i == unk) / len(ids)


class TransformersModel(TokenizedModel):
    """A seq2seq model run by transformers on one device."""

    def __init__(self, spec: ModelSpec, device: str, offline: bool) -> None:
        import torch

        self.spec = spec
        self.device = device
        self.tokenizer, model = load_pretrained(spec, offline)
        if device == "cuda":
            model = model.half()
        self.model = model.to(device).eval()
        self.torch = torch
        self._limit = input_limit(self.tokenizer, self.model.config)

    def generate(self, texts: Sequence[str], settings: GenerationSettings, prefix: str | None = None) -> list[str]:
        """Generate for a batch; inputs over the limit are an error, never truncated."""
        if not texts:
            return []
        inputs = [f"{prefix} {t}" if prefix else t for t in texts]
        encoded = self.tokenizer(inputs, return_tensors="pt", padding=True, truncation=False, verbose=False)
        self.check_fits([int(mask.sum()) for mask in encoded["attention_mask"]])
        kwargs = settings.as_kwargs()
        if "max_new_tokens" in kwargs:
            kwargs.pop("max_length", None)
        try:
            with self.torch.inference_mode():
                output = self.model.generate(**encoded.to(self.device), **kwargs)
        except (RuntimeError, ValueError, IndexError) as exc:
            raise GenerationError(f"{self.name}: generation failed: {exc}") from exc
        decoded: list[str] = self.tokenizer.batch_decode(output, skip_special_tokens=True)
        return [tidy_output(text) for text in decoded]
