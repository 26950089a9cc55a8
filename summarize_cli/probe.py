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

# One short news text per language a model may read: a name and numbers to carry over.
PROBES = {
    "en": (
        "Ukraine and Russia exchanged 150 prisoners of war on Monday. "
        "President Volodymyr Zelensky said 2,000 soldiers were still held in Russia. "
        "The talks in Geneva will continue next week."
    ),
    "uk": (
        "Україна та Росія в понеділок обмінялися 150 військовополоненими. "
        "Президент Володимир Зеленський заявив, що в Росії досі утримують 2000 військових. "
        "Переговори в Женеві продовжаться наступного тижня."
    ),
    "ru": (
        "Украина и Россия в понедельник обменялись 150 военнопленными. "
        "Президент Владимир Зеленский заявил, что в России до сих пор удерживают 2000 военных. "
        "Переговоры в Женеве продолжатся на следующей неделе."
    ),
    "ko": (
        "우크라이나와 러시아는 월요일 전쟁 포로 150명을 교환했다. "
        "볼로디미르 젤렌스키 대통령은 아직 2,000명의 군인이 러시아에 억류돼 있다고 말했다. "
        "제네바 회담은 다음 주에 계속된다."
    ),
}
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
    note: str | None = None

    @property
    def ok(self) -> bool:
        """Loaded and, where there is a probe text in the language it reads, answered it in the right language."""
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
            "note": self.note,
        }


def directions(spec: ModelSpec) -> tuple[str, str]:
    """The language a model reads and the one it writes: a pivot reads its own language."""
    if spec.role == "summary":
        return "en", "en"
    if spec.role == "pivot":
        return spec.language, "en"
    return "en", spec.language


def check_model(
    spec: ModelSpec, load: Callable[[ModelSpec], Seq2SeqModel], clock: Callable[[], float] = time.perf_counter
) -> ProbeReport:
    """Load ``spec``, translate or summarize the probe in the language it reads, and collect the problems."""
    started = clock()
    try:
        model = load(spec)
    except SummarizeError as exc:
        return ProbeReport(spec, loaded=False, error=str(exc), problems=[f"not loaded: {exc}"])
    seconds = clock() - started
    backend = type(model).__name__
    source, target = directions(spec)
    probe = PROBES.get(source)
    if probe is None:
        note = f"not probed: there is no probe text in '{source}' (only in {', '.join(sorted(PROBES))})"
        return ProbeReport(spec, True, seconds, backend, note=note)
    problems: list[str] = []
    unknown = model.unknown_share([probe])
    if unknown > MAX_UNKNOWN_SHARE:
        problems.append(
            f"{unknown:.0%} of the probe's tokens are unknown to the vocabulary: tokenizer and model do not match"
        )
    try:
        if spec.role == "summary":
            from .summarize import summarize_abstractive

            [output] = summarize_abstractive(model, [probe], spec.generation)
            warnings = checks.check_summary(probe, output) + checks.wrong_language(output, target)
        else:
            translator = Translator(model, spec.generation, spec.target_token)
            [translated] = translator.translate([probe])
            output = translated.text
            warnings = checks.check_translation(probe, output, target, translated.pairs)
    except SummarizeError as exc:
        return ProbeReport(spec, True, seconds, backend, unknown, error=str(exc), problems=[*problems, str(exc)])
    problems.extend(f"{w.code}: {w.message}" for w in warnings if w.code in FAILING)
    return ProbeReport(spec, True, seconds, backend, unknown, output, tuple(warnings), problems=problems)
