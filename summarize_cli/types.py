"""Plain data passed between the stages: frozen dataclasses, no behaviour beyond conversion."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

Backend = Literal["auto", "ctranslate2", "transformers"]


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding settings passed to ``generate``; ``None`` leaves the model's own default."""

    num_beams: int | None = None
    max_length: int | None = None
    min_length: int | None = None
    max_new_tokens: int | None = None
    no_repeat_ngram_size: int | None = None
    length_penalty: float | None = None
    repetition_penalty: float | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """The settings that are set, as keyword arguments for ``generate``."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def merged(self, override: GenerationSettings) -> GenerationSettings:
        """These settings with every field that ``override`` sets replaced."""
        values = self.as_kwargs() | override.as_kwargs()
        return GenerationSettings(**values)


@dataclass(frozen=True)
class ModelSpec:
    """One configured model: where it comes from and how to run it."""

    model: str
    role: str
    language: str
    revision: str | None = None
    backend: Backend = "auto"
    compute_type: str | None = None
    target_token: str | None = None
    generation: GenerationSettings = field(default_factory=GenerationSettings)

    @property
    def is_local(self) -> bool:
        """Whether ``model`` names a folder on disk rather than a Hub id, whether the folder is there or not.

        A Hub id is ``name`` or ``owner/name``; a path is absolute (the configuration makes
        relative ones so), starts with ``.`` or ``~``, or is a folder that exists.
        """
        return self.model.startswith((".", "~")) or Path(self.model).is_absolute() or Path(self.model).is_dir()


@dataclass(frozen=True)
class Config:
    """A validated models.toml."""

    path: str
    summarizer: ModelSpec
    source_language: str
    targets: tuple[str, ...]
    translators: dict[str, ModelSpec]
    batch_size: int = 16
    # Tokens per translation batch, padding included; None: the device's default.
    max_batch_tokens: int | None = None
    pivots: dict[str, ModelSpec] = field(default_factory=dict)
    # The style glossary's path (absolute when the configuration is a file), if it names one.
    glossary: str | None = None

    def translator(self, language: str) -> ModelSpec:
        """The translation model for ``language``."""
        return self.translators[language]


@dataclass(frozen=True)
class Article:
    """Raw text of one input, with the name the user knows it by."""

    source: str
    text: str
    path: Path | None = None

    @property
    def sha256(self) -> str:
        """Hash of the text, to tell whether an input changed since its outputs were made."""
        return hashlib.sha256(self.text.encode()).hexdigest()


@dataclass(frozen=True)
class CleaningStats:
    """What cleaning did to an article."""

    lines_in: int
    lines_out: int
    duplicates_removed: int


@dataclass(frozen=True)
class Cleaned:
    """An article after whitespace clean-up and removal of repeated lines."""

    article: Article
    text: str
    stats: CleaningStats


@dataclass(frozen=True)
class QualityWarning:
    """A problem a check found in an output."""

    code: str
    message: str
    language: str | None = None
    span: str | None = None

    def as_dict(self) -> dict[str, str]:
        """The JSON form: ``code`` and ``message``, plus ``language`` and ``span`` when set."""
        out = {"code": self.code, "message": self.message}
        if self.language is not None:
            out["language"] = self.language
        if self.span is not None:
            out["span"] = self.span
        return out


@dataclass(frozen=True)
class Evidence:
    """The source sentence that best supports one summary sentence, and how well (0..1)."""

    summary: str
    source: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ``summary``, ``source`` and ``score`` (three decimals)."""
        return {"summary": self.summary, "source": self.source, "score": round(self.score, 3)}


@dataclass(frozen=True)
class Result:
    """Everything produced for one input; ``error`` is set when it failed part-way."""

    source: str
    # None when the language is not known (the input could not be read).
    language: str | None = None
    cleaning: CleaningStats | None = None
    summary: str | None = None
    translations: dict[str, str] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    warnings: tuple[QualityWarning, ...] = ()
    error: str | None = None
    input_sha256: str | None = None
    config_sha256: str | None = None
    # One entry per summary sentence; empty without a summary.
    evidence: tuple[Evidence, ...] = ()
    # Round-trip chrF (0..100) per target language; None when the run did not verify.
    roundtrip: dict[str, float] | None = None

    @property
    def ok(self) -> bool:
        """Whether the input was processed without error."""
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        """The contract's JSON object."""
        cleaning = None
        if self.cleaning is not None:
            cleaning = {
                "lines_in": self.cleaning.lines_in,
                "lines_out": self.cleaning.lines_out,
                "duplicates_removed": self.cleaning.duplicates_removed,
            }
        return {
            "source": self.source,
            "language": self.language,
            "cleaning": cleaning,
            "summary": self.summary,
            "translations": dict(self.translations),
            "models": dict(self.models),
            "warnings": [w.as_dict() for w in self.warnings],
            "error": self.error,
            "input_sha256": self.input_sha256,
            "config_sha256": self.config_sha256,
            "evidence": [e.as_dict() for e in self.evidence],
            "roundtrip": None if self.roundtrip is None else {k: round(v, 1) for k, v in self.roundtrip.items()},
        }
