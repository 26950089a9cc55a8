"""Which backend serves which model; each model is loaded once per process and reused."""

from __future__ import annotations

import atexit
import importlib.util
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field

from .backends.base import Seq2SeqModel
from .backends.native import native_step, settle_at_exit
from .errors import ModelUnavailableError, SummarizeError
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
    if ctranslate2_usable(device):
        return "ctranslate2"
    if device == "cuda" and importlib.util.find_spec("ctranslate2") is not None:
        _note_gpu_fallback()
    return "transformers"


_gpu_fallback_noted = threading.Event()


def _note_gpu_fallback() -> None:
    """Say once per process why a GPU run uses transformers, and how to get the faster path."""
    if _gpu_fallback_noted.is_set():
        return
    _gpu_fallback_noted.set()
    from .backends.ct2 import cuda_problem

    log.warning(
        "%s; running the models with transformers in float16 instead "
        "(`pip install 'summarize-cli[gpu]'` brings CTranslate2's faster GPU path)",
        cuda_problem(),
    )


def default_loader(spec: ModelSpec, device: str, offline: bool) -> Seq2SeqModel:
    """Load ``spec`` with its backend; a model CTranslate2 cannot convert falls back to transformers.

    A converted model loads without importing torch or transformers.
    """
    if choose_backend(spec, device) == "ctranslate2":
        from .backends.ct2 import ConversionError, CTranslate2Model

        try:
            return CTranslate2Model(spec, device, offline)
        except ConversionError as exc:
            log.warning("%s; using transformers instead", exc)
    from .backends.hf import TransformersModel, quiet_transformers

    quiet_transformers()
    return TransformersModel(spec, device, offline)


def _on_this_machine(spec: ModelSpec) -> bool:
    """Whether ``spec`` loads without a download: a local folder, or a Hub model in the cache."""
    if spec.is_local:
        return True
    from .modelstore import cached_snapshot

    return cached_snapshot(spec) is not None


_jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def _in_background(job: Callable[[], None]) -> None:
    """Run ``job`` in this process's one background loading thread, started on first use."""
    global _worker
    with _worker_lock:
        if _worker is None:
            # A daemon, so that Ctrl-C during a first conversion ends the run without waiting for it;
            # but never in the middle of a native library's work, which would abort the process.
            atexit.register(settle_at_exit)
            _worker = threading.Thread(target=_work_forever, name="summarize-cli-prefetch", daemon=True)
            _worker.start()
    _jobs.put(job)


def _work_forever() -> None:
    # The thread never ends: a CTranslate2 model loaded by a thread that has ended generates
    # several times slower (its OpenMP threads are left behind): 45 s against 5 s for one
    # summary on two cores.
    while True:
        job = _jobs.get()
        # A job is one native step from its imports to the release of what it loaded: a model
        # freed here while the process exits would abort it (CTranslate2's destructor lets go of
        # the interpreter, and Python ends a daemon thread that asks for it back).
        with native_step():
            job()
            del job  # the registry it loaded for is not kept alive by this thread


@dataclass
class ModelRegistry:
    """Loads models on first use and keeps them for the rest of the process."""

    device: str = "auto"
    offline: bool = False
    loader: Loader = default_loader
    on_load: Callable[[ModelSpec], None] | None = None
    _loaded: dict[ModelSpec, Seq2SeqModel] = field(default_factory=dict)
    _pending: dict[ModelSpec, Future[Seq2SeqModel | None]] = field(default_factory=dict)
    _device: str | None = None
    _device_lock: threading.Lock = field(default_factory=threading.Lock)

    def resolved_device(self) -> str:
        """The concrete device, ``auto`` resolved once."""
        with self._device_lock:
            if self._device is None:
                from .backends.device import resolve_device

                self._device = resolve_device(self.device)
            return self._device

    def prefetch(self, specs: Iterable[ModelSpec]) -> None:
        """Start loading ``specs``, one after another, in a background thread; ``get`` waits for them.

        A run then reads and cleans its articles while the first model loads. Whatever loading
        raises is raised by ``get``, as if it had loaded the model itself. A model that would
        have to be downloaded is left to ``get``: its progress needs the terminal to itself.
        """
        todo = [s for s in dict.fromkeys(specs) if s not in self._loaded and s not in self._pending]
        if not todo:
            return
        futures: dict[ModelSpec, Future[Seq2SeqModel | None]] = {spec: Future() for spec in todo}
        self._pending.update(futures)

        def load_all() -> None:
            for spec, future in futures.items():
                future.set_running_or_notify_cancel()
                try:
                    future.set_result(self._load(spec) if _on_this_machine(spec) else None)
                except BaseException as exc:  # handed over whole: `get` raises it in the caller's thread
                    future.set_exception(exc)

        _in_background(load_all)

    def get(self, spec: ModelSpec) -> Seq2SeqModel:
        """The loaded model for ``spec``, loading it the first time."""
        model = self._loaded.get(spec)
        if model is None:
            pending = self._pending.pop(spec, None)
            model = pending.result() if pending is not None else None
            if model is None:
                model = self._load(spec)
            self._loaded[spec] = model
        return model

    def _load(self, spec: ModelSpec) -> Seq2SeqModel:
        if self.on_load is not None:
            self.on_load(spec)
        try:
            return self.loader(spec, self.resolved_device(), self.offline)
        except SummarizeError:
            raise
        # Each library fails on bad model files its own way; to a user it is one model that cannot be used.
        except Exception as exc:
            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelUnavailableError(
                f"model '{spec.model}' ({spec.role}, {spec.language}) could not be loaded: {detail}"
            ) from exc

    @property
    def loaded(self) -> list[ModelSpec]:
        """The specs loaded so far, in load order."""
        return list(self._loaded)
