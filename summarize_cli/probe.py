"""``models check``: load each model, run a short probe, and say whether it can be trusted."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import checks
from .backends.base import Seq2SeqModel
from .errors import SummarizeError
from .translate import Translator
from .types import ModelSpec, QualityWarning

PROBE = (
    "Ukraine and Russia exchanged 150 prisoners of war on Monday. "
    "President Volodymyr Zelensky said 2,000 soldiers were still held in Russia. "
    "The talks in Geneva will continue next week."
)
# Above this share of unknown tokens the tokenizer and the vocabulary do not belong together.
MAX_UNKNOWN_SHARE = 0.03
# Warnings that mean the model cannot be trusted; the others (a number written out) are only shown.
FAILING = ("wrong_language", "untranslated", "repetition")


@dataclass(frozen=True)
class ProbeReport:
    """What ``models check`` found for one model."""

    spec: ModelSpec
    loaded: bool
    load_seconds: float | None = None
    backend: str | None = None
    unknown_share: float | None = None
    output: str | None = None
    warnings: tuple[QualityWarning, ...] = ()
    error: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Loaded, tokenized the probe and answered in the right language."""
        return self.loaded and not self.problems

    def as_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "role": self.spec.role,
            "language": self.spec.language,
            "model": self.spec.model,
            "ok": self.ok,
            "loaded": self.loaded,
            "load_seconds": self.load_seconds,
            "backend": self.backend,
            "unknown_share": self.unknown_share,
            "output": self.output,
            "warnings": [w.as_dict() for w in self.warnings],
            "problems": self.problems,
            "error": self.error,
        }


def check_model(
    spec: ModelSpec, load: Callable[[ModelSpec], Seq2SeqModel], clock: Callable[[], float] = time.perf_counter
) -> ProbeReport:
    """Load ``spec``, translate or summarize the probe, and collect the problems."""
    started = clock()
    try:
        model = load(spec)
    except SummarizeError as exc:
        return ProbeReport(spec, loaded=False, error=str(exc), problems=[f"not loaded: {exc}"])
    seconds = clock() - started
    problems: list[str] = []
    unknown = model.unknown_share([PROBE])
    if unknown > MAX_UNKNOWN_SHARE:
        problems.append(
            f"{unknown:.0%} of the probe's tokens are unknown to the vocabulary: tokenizer and model do not match"
        )
    try:
        if spec.role == "summary":
            from .summarize import summarize_abstractive

            [output] = summarize_abstractive(model, [PROBE], spec.generation)
            warnings = checks.check_summary(PROBE, output) + checks.wrong_language(output, "en")
        else:
            translator = Translator(model, spec.generation, spec.target_token)
            [translated] = translator.translate([PROBE])
            output = translated.text
            warnings = checks.check_translation(PROBE, output, spec.language, translated.pairs)
    except SummarizeError as exc:
        return ProbeReport(
            spec, True, seconds, type(model).__name__, unknown, error=str(exc), problems=[*problems, str(exc)]
        )
    problems.extend(f"{w.code}: {w.message}" for w in warnings if w.code in FAILING)
    return ProbeReport(spec, True, seconds, type(model).__name__, unknown, output, tuple(warnings), problems=problems)
