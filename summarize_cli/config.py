"""Find, parse and validate models.toml into a typed :class:`Config`."""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any, cast

from .errors import ConfigError
from .types import Backend, Config, GenerationSettings, ModelSpec

ENV_VAR = "SUMMARIZE_CLI_CONFIG"
FILE_NAME = "models.toml"
PACKAGED = "<packaged default>"

_GENERATION_TYPES: dict[str, type] = {
    "num_beams": int,
    "max_length": int,
    "min_length": int,
    "max_new_tokens": int,
    "no_repeat_ngram_size": int,
    "length_penalty": float,
    "repetition_penalty": float,
}
# The least value of the generation settings that have one. A penalty has its own rule:
# repetition_penalty divides scores and must be above 0 (1.0 is no penalty), while
# length_penalty is an exponent on the output's length in transformers and CTranslate2
# alike, where a negative value (favouring shorter outputs) is legitimate.
_GENERATION_LEAST = {"num_beams": 1, "max_length": 1, "max_new_tokens": 1, "min_length": 0, "no_repeat_ngram_size": 0}
_MODEL_KEYS = {"model", "revision", "backend", "compute_type"}
_BACKENDS = ("auto", "ctranslate2", "transformers")
# CTranslate2's compute types: its quantizations, and "default"/"auto" to let it choose.
COMPUTE_TYPES = (
    "default",
    "auto",
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float16",
    "bfloat16",
    "float32",
)


def user_config_path() -> Path:
    """Where a user's own models.toml lives (XDG on Unix, APPDATA on Windows)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "summarize-cli" / FILE_NAME


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The file to use: ``explicit``, $SUMMARIZE_CLI_CONFIG, ./models.toml, the user's; else None.

    ``None`` means the packaged default.
    """
    for candidate in (explicit, os.environ.get(ENV_VAR) or None):
        if candidate is not None:
            path = Path(candidate)
            if path.is_dir():
                raise ConfigError(str(path), "", f"is a folder; give the {FILE_NAME} file itself")
            if not path.is_file():
                raise ConfigError(str(path), "", "no such file")
            return path
    for path in (Path.cwd() / FILE_NAME, user_config_path()):
        if path.is_file():
            return path
    return None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load and validate the configuration, following the lookup order when ``path`` is None."""
    found = find_config(path)
    if found is None:
        text = resources.files(__package__).joinpath(FILE_NAME).read_text(encoding="utf-8")
        return parse_config(text, PACKAGED, base_dir=None)
    try:
        text = found.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(found), "", f"cannot be read: {exc}") from exc
    return parse_config(text, str(found), base_dir=found.parent)


def parse_config(text: str, name: str, base_dir: Path | None) -> Config:
    """Validate the TOML ``text``; ``name`` is used in messages, ``base_dir`` anchors relative paths."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(name, "", f"not valid TOML: {exc}") from exc
    return _Validator(name, base_dir).config(data)


def config_digest(config: Config) -> str:
    """A hash of everything in the configuration that changes the output."""
    payload = asdict(config)
    payload.pop("path")
    payload.pop("batch_size")
    payload.pop("max_batch_tokens")
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class _Validator:
    def __init__(self, name: str, base_dir: Path | None) -> None:
        self.name = name
        self.base_dir = base_dir

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.name, key, problem)

    def table(self, data: Mapping[str, Any], key: str, allowed: set[str], *, required: bool = True) -> dict[str, Any]:
        leaf = key.rpartition(".")[2]
        value = data.get(leaf)
        if value is None:
            if required:
                raise self.fail(key, "missing table")
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, not {_type_name(value)}")
        for unknown in sorted(set(value) - allowed):
            raise self.fail(f"{key}.{unknown}", "unknown key")
        return value

    def typed(self, data: Mapping[str, Any], key: str, kind: type) -> Any:
        leaf = key.rpartition(".")[2]
        value = data.get(leaf)
        if value is None:
            return None
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.fail(key, f"must be {_type_name_of(kind)}, not {_type_name(value)}")
        if isinstance(value, int) and value < 0:
            raise self.fail(key, "must not be negative")
        return value

    def config(self, data: dict[str, Any]) -> Config:
        for unknown in sorted(set(data) - {"summarizer", "translation"}):
            raise self.fail(unknown, "unknown key")
        summarizer = self.model(data, "summarizer", role="summary", language="en", target_token=False)
        translation = self.table(
            data, "translation", {"source", "targets", "models", "batch_size", "max_batch_tokens", "pivot", "glossary"}
        )
        source = self.typed(translation, "translation.source", str) or "en"
        targets_raw = translation.get("targets", [])
        if not isinstance(targets_raw, list) or not all(isinstance(t, str) for t in targets_raw):
            raise self.fail("translation.targets", "must be a list of language codes")
        models = self.table(translation, "translation.models", set(translation.get("models") or {}), required=False)
        translators = {
            lang: self.model(models, f"translation.models.{lang}", role="translation", language=lang, target_token=True)
            for lang in models
        }
        pivot_tables = self.table(translation, "translation.pivot", set(translation.get("pivot") or {}), required=False)
        pivots = {
            lang: self.model(pivot_tables, f"translation.pivot.{lang}", role="pivot", language=lang, target_token=True)
            for lang in pivot_tables
        }
        for lang in targets_raw:
            if lang not in translators:
                raise self.fail(f"translation.models.{lang}", f"target '{lang}' has no model")
        batch_size = self.typed(translation, "translation.batch_size", int)
        if batch_size == 0:
            raise self.fail("translation.batch_size", "must be at least 1, not 0")
        max_batch_tokens = self.typed(translation, "translation.max_batch_tokens", int)
        if max_batch_tokens == 0:
            raise self.fail("translation.max_batch_tokens", "must be a positive number of tokens, not 0")
        glossary = self.typed(translation, "translation.glossary", str)
        if glossary == "":
            raise self.fail("translation.glossary", "must name a file (TSV or CSV)")
        return Config(
            path=self.name,
            summarizer=summarizer,
            source_language=source,
            targets=tuple(dict.fromkeys(targets_raw)),
            translators=translators,
            batch_size=batch_size or 16,
            max_batch_tokens=max_batch_tokens,
            pivots=pivots,
            glossary=self.file(glossary) if glossary else None,
        )

    def model(self, data: Mapping[str, Any], key: str, *, role: str, language: str, target_token: bool) -> ModelSpec:
        allowed = _MODEL_KEYS | set(_GENERATION_TYPES) | ({"target_token"} if target_token else set())
        table = self.table(data, key, allowed)
        model = self.typed(table, f"{key}.model", str)
        if not model:
            raise self.fail(f"{key}.model", "missing (a Hugging Face id or a local directory)")
        backend = self.typed(table, f"{key}.backend", str) or "auto"
        if backend not in _BACKENDS:
            raise self.fail(f"{key}.backend", f"must be one of {', '.join(_BACKENDS)}, not '{backend}'")
        compute_type = self.typed(table, f"{key}.compute_type", str)
        if compute_type is not None and compute_type not in COMPUTE_TYPES:
            raise self.fail(f"{key}.compute_type", f"must be one of {', '.join(COMPUTE_TYPES)}, not '{compute_type}'")
        return ModelSpec(
            model=self.resolve(model),
            role=role,
            language=language,
            revision=self.typed(table, f"{key}.revision", str),
            backend=cast(Backend, backend),
            compute_type=compute_type,
            target_token=self.typed(table, f"{key}.target_token", str) if target_token else None,
            generation=self.generation(table, key),
        )

    def generation(self, table: Mapping[str, Any], key: str) -> GenerationSettings:
        """The generation settings of one model table, each in its range."""
        values = {name: self.typed(table, f"{key}.{name}", kind) for name, kind in _GENERATION_TYPES.items()}
        for name, value in values.items():
            where = f"{key}.{name}"
            if value is None:
                continue
            if not math.isfinite(value):
                raise self.fail(where, f"must be a finite number, not {value}")
            least = _GENERATION_LEAST.get(name)
            if least is not None and value < least:
                raise self.fail(where, f"must be at least {least}, not {value}")
            if name == "repetition_penalty" and value <= 0:
                raise self.fail(where, f"must be greater than 0 (1.0 is no penalty), not {value}")
        return GenerationSettings(**values)

    def file(self, name: str) -> str:
        """A file named in the configuration: relative to the configuration's folder."""
        path = Path(name).expanduser()
        if path.is_absolute() or self.base_dir is None:
            return str(path)
        return str((self.base_dir / path).resolve())

    def resolve(self, model: str) -> str:
        """A path-like model relative to the config file becomes absolute; a Hub id stays."""
        path = Path(model).expanduser()
        if path.is_absolute():
            return str(path)
        looks_local = model.startswith((".", "~")) or model.count("/") > 1
        if self.base_dir is not None and (looks_local or (self.base_dir / path).is_dir()):
            return str((self.base_dir / path).resolve())
        return model


_TYPE_NAMES: dict[type, str] = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _type_name_of(kind: type) -> str:
    return _TYPE_NAMES.get(kind, kind.__name__)


def _type_name(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return _type_name_of(type(value))
