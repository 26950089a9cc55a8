"""The CTranslate2 backend: a converted copy of the Hugging Face model, cached with its tokenizer.

Conversion runs once per model, revision and quantization, in a child process (so the
full-precision weights it loads never weigh on the run), into a hidden folder that is renamed
into place only when complete. That folder holds everything a run needs: the weights, a
tokenizer that works without transformers, and the model's generation defaults and input
limit, so that a run imports neither torch nor transformers.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..errors import GenerationError, ModelUnavailableError
from ..types import GenerationSettings, ModelSpec
from .hf import TokenizedModel, hub_progress_bars, tidy_output, unavailable_message
from .native import leavable, native_step
from .tokenizer import Tokenizer, is_saved, load_tokenizer

log = logging.getLogger("summarize_cli")

CACHE_ENV = "SUMMARIZE_CLI_CACHE"
PARTIAL = ".partial-"
_MARKER = "model.bin"  # CTranslate2's weights
# What a run reads besides CTranslate2's own files: generation defaults and the input limit.
RUNTIME = "summarize-cli.json"
TOKENIZER = "tokenizer"
# Bumped whenever what a conversion saves changes; a folder from another version is redone.
LAYOUT = 2


class ConversionError(ModelUnavailableError):
    """The model could not be converted for CTranslate2."""


def cache_root() -> Path:
    """Where converted models are kept: $SUMMARIZE_CLI_CACHE, else the user cache folder."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "summarize-cli" / "ctranslate2"


def default_compute_type(device: str) -> str:
    """int8 on the CPU, float16 on a GPU."""
    return "float16" if device == "cuda" else "int8"


# CUDA 12's cuBLAS, which CTranslate2's CUDA build opens by these names; Lt first, cuBLAS needs it.
CUDA_LIBRARIES = ("libcublasLt.so.12", "libcublas.so.12")


def preload_cuda_libraries() -> list[str]:
    """Load CUDA 12's cuBLAS from the nvidia-cublas-cu12 wheel (the ``[gpu]`` extra), if installed.

    The wheel puts the libraries in ``site-packages/nvidia/cublas/lib``, where the dynamic
    loader does not look. Loaded once by path, with global symbols, they are found when
    CTranslate2 later asks for them by name. Returns the paths loaded; Linux only.
    """
    import ctypes
    import importlib.util

    if not sys.platform.startswith("linux"):
        return []
    try:
        found = importlib.util.find_spec("nvidia.cublas")
    except (ImportError, ValueError):
        return []
    folders = (found.submodule_search_locations or []) if found is not None else []
    loaded = []
    for folder in folders:
        for name in CUDA_LIBRARIES:
            path = Path(folder) / "lib" / name
            if path.is_file():
                ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
                loaded.append(str(path))
    return loaded


def cuda_problem() -> str | None:
    """Why the CTranslate2 wheel cannot run on a GPU here, or None when it can."""
    import ctypes

    import ctranslate2

    if ctranslate2.get_cuda_device_count() == 0:
        return "CTranslate2 sees no CUDA GPU"
    try:
        preload_cuda_libraries()
        ctypes.CDLL(CUDA_LIBRARIES[-1])
    except OSError:
        return "CTranslate2 needs CUDA 12's cuBLAS (libcublas.so.12), which is not installed"
    return None


def cuda_usable() -> bool:
    """Whether the CTranslate2 wheel can run on a GPU here (it needs CUDA 12's cuBLAS)."""
    return cuda_problem() is None


def _revision_of(spec: ModelSpec) -> str:
    from ..modelstore import model_identity

    return model_identity(spec)[0]


def converted_path(spec: ModelSpec, quantization: str) -> Path:
    """The cache folder for this model, revision and quantization."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "--", Path(spec.model).name if spec.is_local else spec.model)
    return cache_root() / f"{slug}--{_revision_of(spec)}--{quantization}"


def is_complete(folder: Path) -> bool:
    """A finished conversion by this version: the final name (never a partial one), the weights, and
    the tokenizer and defaults a run reads."""
    if PARTIAL in folder.name or not (folder / _MARKER).is_file():
        return False
    runtime = _read_json(folder / RUNTIME)
    return runtime.get("layout") == LAYOUT and is_saved(folder / TOKENIZER)


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; empty when the file is missing or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _remove_stale_partials(target: Path) -> None:
    for partial in target.parent.glob(f"{target.name}{PARTIAL}*"):
        pid = partial.name.rsplit("-", 1)[-1]
        if pid.isdigit() and _alive(int(pid)):
            continue
        shutil.rmtree(partial, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _source_folder(spec: ModelSpec, offline: bool) -> Path:
    """The folder holding the model's files; a Hub model is downloaded the first time."""
    if spec.is_local:
        from ..modelstore import local_folder

        folder = local_folder(spec)
    else:
        from ..modelstore import cached_snapshot, pull

        snapshot = cached_snapshot(spec)
        if snapshot is None:
            if offline:
                raise ModelUnavailableError(unavailable_message(spec, offline, FileNotFoundError("not cached")))
            hub_progress_bars()
            snapshot = pull(spec)
        folder = snapshot
    if not (folder / "config.json").is_file():
        missing = FileNotFoundError(f"no config.json in {folder}")
        raise ModelUnavailableError(unavailable_message(spec, offline, missing))
    return folder


def _check_shared_vocabulary(spec: ModelSpec, folder: Path) -> None:
    """Refuse a model with separate source and target vocabularies, from its JSON files alone."""
    config = _read_json(folder / "config.json")
    tokenizer_config = _read_json(folder / "tokenizer_config.json")
    if tokenizer_config.get("separate_vocabs") or config.get("share_encoder_decoder_embeddings") is False:
        # CTranslate2's converter takes one vocabulary for both sides; such a model would
        # convert with the wrong target vocabulary.
        raise ConversionError(f"{spec.model} has separate source and target vocabularies")


def ensure_converted(spec: ModelSpec, quantization: str, offline: bool) -> Path:
    """The converted model folder, converting in a child process the first time.

    A Hub model is downloaded here first (with its progress shown), so that the conversion
    reads the cached snapshot and the cache key names the commit it came from.
    """
    folder = _source_folder(spec, offline)
    source = spec.model if spec.is_local else str(folder)
    target = converted_path(spec, quantization)
    if is_complete(target):
        return target
    _check_shared_vocabulary(spec, folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(target)
    log.info("converting %s for CTranslate2 (%s), once", spec.model, quantization)
    env = {**os.environ, **({"HF_HUB_OFFLINE": "1"} if offline else {})}
    command = [sys.executable, "-m", "summarize_cli.backends.ct2", source, str(target), quantization]
    if spec.revision and source == spec.model:
        command += ["--revision", spec.revision]
    with leavable():  # a child process: the run may end while it works, and it ends with the run
        proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0 or not is_complete(target):
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        if "[Errno 28]" in detail or "No space left on device" in detail:
            detail = (
                f"the disk holding its cache ({cache_root()}) is full; free some space there, "
                f"or set {CACHE_ENV} to a folder on a larger disk"
            )
        raise ConversionError(f"{spec.model} could not be converted for CTranslate2: {detail}")
    return target


def convert(model: str, target: Path, quantization: str, revision: str | None = None) -> None:
    """Convert into ``target`` atomically: a partial folder first, renamed when complete."""
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):  # type: ignore[misc]
        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            # transformers 5 dropped this attribute from BartConfig; its BART is post-norm.
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            return model

    partial = target.with_name(f"{target.name}{PARTIAL}{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        converter = Converter(model, revision=revision, trust_remote_code=False)
        converter.convert(str(partial), quantization=quantization, force=True)
        _save_runtime(model, partial, revision)
        _put_in_place(partial, target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _save_runtime(model: str, folder: Path, revision: str | None) -> None:
    """Save what a run reads besides the weights, taken from transformers once, at conversion."""
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    from .hf import input_limit
    from .tokenizer import save_tokenizer

    kwargs: dict[str, Any] = {"revision": revision, "trust_remote_code": False}
    tokenizer = AutoTokenizer.from_pretrained(model, **kwargs)
    config = AutoConfig.from_pretrained(model, **kwargs)
    try:
        defaults = GenerationConfig.from_pretrained(model, **kwargs)
    except OSError:
        defaults = GenerationConfig.from_model_config(config)
    save_tokenizer(tokenizer, folder / TOKENIZER)
    runtime = {
        "layout": LAYOUT,
        "input_limit": input_limit(tokenizer, config),
        "generation": json.loads(defaults.to_json_string(use_diff=False)),
    }
    (folder / RUNTIME).write_text(json.dumps(runtime, indent=1), encoding="utf-8")


def _put_in_place(partial: Path, target: Path) -> None:
    """Rename the finished ``partial`` folder to ``target``, replacing one an older version left."""
    try:
        partial.rename(target)
        return
    except OSError:
        if is_complete(target):  # another process finished first
            return
    stale = target.with_name(f"{target.name}{PARTIAL}stale-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        target.rename(stale)
    shutil.rmtree(stale, ignore_errors=True)
    try:
        partial.rename(target)
    except OSError:
        if not is_complete(target):
            raise


class CTranslate2Model(TokenizedModel):
    """A seq2seq model run by CTranslate2, tokenized exactly as its Hugging Face tokenizer does.

    Everything comes from the converted folder: neither torch nor transformers is imported.
    """

    tokenizer: Tokenizer

    def __init__(self, spec: ModelSpec, device: str, offline: bool) -> None:
        import ctranslate2

        self.spec = spec
        self.compute_type = spec.compute_type or default_compute_type(device)
        path = ensure_converted(spec, self.compute_type, offline)
        runtime = _read_json(path / RUNTIME)
        # Read as transformers' GenerationConfig is: one attribute per setting.
        self.defaults = SimpleNamespace(**runtime["generation"])
        self._limit = int(runtime["input_limit"])
        with native_step():
            self.tokenizer = load_tokenizer(path / TOKENIZER)
            try:
                self.translator = ctranslate2.Translator(
                    str(path), device=device, compute_type=self.compute_type, intra_threads=os.cpu_count() or 0
                )
            except (RuntimeError, ValueError) as exc:
                raise ConversionError(f"{spec.model}: the converted model could not be loaded: {exc}") from exc
        self._suppress = self._suppressed_tokens()

    def encode(self, texts: Sequence[str], special_tokens: bool = True) -> list[list[int]]:
        """Token ids of each text, as the model reads them."""
        return self.tokenizer.encode(texts, special_tokens)

    @property
    def unknown_id(self) -> int | None:
        """The id of the unknown token."""
        return self.tokenizer.unknown_id

    def _suppressed_tokens(self) -> list[list[str]]:
        pad = self.tokenizer.pad_id
        sequences = []
        for ids in getattr(self.defaults, "bad_words_ids", None) or []:
            # CTranslate2 drops Marian's <pad> from the vocabulary: it can never be generated there.
            if list(ids) != [pad]:
                sequences.append(self.tokenizer.to_tokens(list(ids)))
        return sequences

    def decoding_options(self, settings: GenerationSettings) -> dict[str, Any]:
        """Hugging Face generation settings translated to CTranslate2's, with the model's defaults.

        Beam search then keeps the same beams and finishes the same hypotheses as transformers'
        does; ``generate`` picks among them as transformers would. transformers' default stopping
        rule is approximated (see ``_patience``), and two settings are defined differently, which no
        option maps (top beams alike for 24 varied sentences on the test models, float32):

        - a token banned by ``no_repeat_ngram_size``, ``min_length`` or a suppressed sequence:
          CTranslate2 renormalizes the other tokens' probabilities, transformers only with
          ``renormalize_logits`` (OPUS-MT sets it, distilbart-cnn does not). Under the shipped
          summarizer settings: 24 of 24 alike on the test summarizer, 21 of 24 on a less trained one.
        - ``repetition_penalty``: transformers' beam search scales log-probabilities, CTranslate2
          scales logits before the softmax. At 1.2: 10 of 24 alike (summarizer), 8 of 24 (translator).
        """
        d = self.defaults

        def pick(name: str) -> Any:
            value = getattr(settings, name)
            return value if value is not None else getattr(d, name, None)

        forced_eos = getattr(d, "forced_eos_token_id", None) is not None
        # Hugging Face counts the decoder start token in max_length and min_length.
        limit = settings.max_new_tokens if settings.max_new_tokens is not None else (pick("max_length") or 20) - 1
        # With a forced end token, Hugging Face keeps the last place for it.
        longest = max(1, limit - 1 if forced_eos else limit)
        beams = pick("num_beams") or 1
        options: dict[str, Any] = {
            "beam_size": beams,
            "max_decoding_length": longest,
            # A minimum above the maximum simply ends at the maximum, as in transformers.
            "min_decoding_length": min(longest, max(0, (pick("min_length") or 0) - 1)),
            "length_penalty": pick("length_penalty") if pick("length_penalty") is not None else 1.0,
            "repetition_penalty": pick("repetition_penalty") or 1.0,
            "no_repeat_ngram_size": pick("no_repeat_ngram_size") or 0,
            "max_input_length": 0,
            # The end token tells ``generate`` which hypotheses ended and which were cut at the limit.
            "return_end_token": True,
        }
        if beams > 1 and options["length_penalty"] != 0:
            # Without a length penalty both keep the best score and stop as soon as no beam can beat it.
            options["patience"] = _patience(getattr(d, "early_stopping", False), longest)
            # Every finished hypothesis comes back with its score, for ``generate`` to rank.
            options["num_hypotheses"] = round(beams * options["patience"])
            options["return_scores"] = True
        if self._suppress:
            options["suppress_sequences"] = self._suppress
        return options

    def generate(self, texts: Sequence[str], settings: GenerationSettings, prefix: str | None = None) -> list[str]:
        """Generate for a batch; inputs over the limit are an error, never truncated."""
        if not texts:
            return []
        inputs = [f"{prefix} {t}" if prefix else t for t in texts]
        encoded = self.tokenizer.encode(inputs)
        self.check_fits([len(ids) for ids in encoded])
        source = [self.tokenizer.to_tokens(ids) for ids in encoded]
        forced_bos = getattr(self.defaults, "forced_bos_token_id", None)
        target_prefix = None
        if forced_bos is not None:
            target_prefix = [self.tokenizer.to_tokens([forced_bos]) for _ in source]
        # Both count a forced first token in the length, so the limits carry over as they are.
        options = self.decoding_options(settings)
        try:
            results = self.translator.translate_batch(source, target_prefix, max_batch_size=len(source), **options)
        except (RuntimeError, ValueError) as exc:
            raise GenerationError(f"{self.name}: generation failed: {exc}") from exc
        end_ids = _ids(getattr(self.defaults, "eos_token_id", None))
        cut_one_short = getattr(self.defaults, "forced_eos_token_id", None) is not None
        outputs = []
        for result in results:
            ids = [self.tokenizer.to_ids(tokens) for tokens in result.hypotheses]
            best = _best_as_transformers(ids, result.scores, options["length_penalty"], end_ids, cut_one_short)
            while best and best[-1] in end_ids:
                best = best[:-1]
            outputs.append(tidy_output(self.tokenizer.decode(best)))
        return outputs


def _ids(value: int | list[int] | None) -> set[int]:
    """A token id setting of a generation config (one id, a list or none) as a set."""
    if value is None:
        return set()
    return {value} if isinstance(value, int) else set(value)


# For transformers' default stopping rule: on the test translators (uk, ru) under four beams and
# no_repeat_ngram_size 3, patience 1 gave the same top beam for 14 of 24 sentences, 2 for 21-22,
# 3 for 24 of 24, at about a third more decoding steps than patience 1.
_HEURISTIC_PATIENCE = 3.0


def _patience(early_stopping: bool | str, longest: int) -> float:
    """CTranslate2's patience (it stops after beam size x patience finished hypotheses) for
    transformers' ``early_stopping``.

    ``True`` stops once as many hypotheses finished as there are beams: patience 1, exactly.
    ``"never"`` searches until no beam can do better, which with a positive length penalty means
    until the length limit: a patience no search reaches. ``False`` (the default, and OPUS-MT's)
    stops once the best running beam, scored at its current length, falls below the worst of the
    best finished ones; CTranslate2 has no such rule, and searching a little longer comes closest.
    """
    if early_stopping is True:
        return 1.0
    if early_stopping == "never":
        return float(longest)
    return _HEURISTIC_PATIENCE


def transformers_score(
    tokens: Sequence[int], score: float, penalty: float, end_ids: set[int], cut_one_short: bool
) -> float:
    """A finished CTranslate2 hypothesis' score as transformers' beam search gives it.

    Both divide the log-probability by ``length ** penalty``, counting a forced first token and
    the end token. A hypothesis cut at the length limit has no end token here, while transformers
    forces one into the last place (``cut_one_short``), adding nothing to the log-probability but
    one to the length.
    """
    if cut_one_short and tokens and tokens[-1] not in end_ids:
        return float(score * len(tokens) ** penalty / (len(tokens) + 1) ** penalty)
    return score


def _best_as_transformers(
    hypotheses: list[list[int]], scores: list[float], penalty: float, end_ids: set[int], cut_one_short: bool
) -> list[int]:
    """The hypothesis transformers would return among CTranslate2's finished ones."""
    if not scores or not end_ids:
        return hypotheses[0]

    def as_transformers(index: int) -> float:
        return transformers_score(hypotheses[index], scores[index], penalty, end_ids, cut_one_short)

    return hypotheses[max(range(len(hypotheses)), key=as_transformers)]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m summarize_cli.backends.ct2 MODEL TARGET QUANTIZATION [--revision R]``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model")
    parser.add_argument("target", type=Path)
    parser.add_argument("quantization")
    parser.add_argument("--revision")
    args = parser.parse_args(argv)
    try:
        convert(args.model, args.target, args.quantization, args.revision)
    except Exception as exc:  # a child process: report any failure as one line and a status
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
