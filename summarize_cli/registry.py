"""Which backend serves which model; each model is loaded once per process and reused."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from .backends.base import Seq2SeqModel
from .types import ModelSpec

Loader = Callable[[ModelSpec, str, bool], Seq2SeqModel]


log = logging.getLogger("summarize_cli")


def ctranslate2_usable(device: str) -> bool:
    """Whether CTranslate2 is installed and can run on ``device``."""
    if device not in ("cpu", "cuda") or importlib.util.find_spec("ctranslate2") is None:
        return False
    if device == "cuda":
        from .backends.ct2 import cuda_usable

        return cuda_usable()
    return True


def choose_backend(spec: ModelSpec, device: str) -> str:
    """``auto`` means CTranslate2 where it can run, transformers elsewhere."""
    if spec.backend != "auto":
        return spec.backend
    return "ctranslate2" if ctranslate2_usable(device) else "transformers"


def default_loader(spec: ModelSpec, device: str, offline: bool) -> Seq2SeqModel:
    """Load ``spec`` with its backend; a model CTranslate2 cannot convert falls back to transformers."""
    from .backends.hf import TransformersModel, quiet_transformers

    quiet_transformers()
    if choose_backend(spec, device) == "ctranslate2":
        from .backends.ct2 import ConversionError, CTranslate2Model

        try:
            return CTranslate2Model(spec, device, offline)
        except ConversionError as exc:
            log.warning("%s; using transformers instead", exc)
    return TransformersModel(spec, device, offline)


@dataclass
class ModelRegistry:
    """Loads models on first use and keeps them for the rest of the process."""

    device: str = "auto"
    offline: bool = False
    loader: Loader = default_loader
    on_load: Callable[[ModelSpec], None] | None = None
    _loaded: dict[ModelSpec, Seq2SeqModel] = field(default_factory=dict)
    _device: str | None = None

    def resolved_device(self) -> str:
        """The concrete device, ``auto`` resolved once."""
        if self._device is None:
            from .backends.device import resolve_device

            self._device = resolve_device(self.device)
        return self._device

    def get(self, spec: ModelSpec) -> Seq2SeqModel:
        """The loaded model for ``spec``, loading it the first time."""
        model = self._loaded.get(spec)
        if model is None:
            if self.on_load is not None:
                self.on_load(spec)
            model = self.loader(spec, self.resolved_device(), self.offline)
            self._loaded[spec] = model
        return model

    @property
    def loaded(self) -> list[ModelSpec]:
        """The specs loaded so far, in load order."""
        return list(self._loaded)
