"""The Pipeline: holds the loaded models and turns a list of Articles into Results."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal, TypeVar

from . import checks
from .cleaning import clean
from .config import config_digest
from .errors import ConfigError, GenerationError
from .evidence import RoundTrip, find_evidence, low_roundtrip, score_roundtrip
from .glossary import load_glossary
from .registry import ModelRegistry
from .summarize import extractive_summary, summarize_abstractive
from .translate import Translated, Translator, default_batch_tokens
from .types import Article, Cleaned, Config, Evidence, GenerationSettings, ModelSpec, QualityWarning, Result

SummaryChoice = Literal["abstractive", "extractive", "none"]
T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class RunOptions:
    """What a run does, independent of how it was asked for."""

    targets: tuple[str, ...] | None = None
    translate: bool = True
    summary: SummaryChoice = "abstractive"
    sentences: int = 3
    device: str = "auto"
    offline: bool = False
    source_language: str | None = None
    # A glossary file that replaces the configuration's.
    glossary: str | None = None
    # Translate each translation back with its language's pivot model and score the round trip.
    verify: bool = False


@dataclass
class _Work:
    cleaned: Cleaned
    language: str = "en"
    english: str = ""
    pivot: str | None = None
    summary: str | None = None
    translations: dict[str, str] = field(default_factory=dict)
    # (source sentence, translated sentence) per language, for the round trip.
    pairs: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    roundtrip: dict[str, float] = field(default_factory=dict)
    warnings: list[QualityWarning] = field(default_factory=list)
    error: str | None = None

    @property
    def body(self) -> str:
        """What gets translated: the summary, or the English article without one."""
        return self.summary if self.summary is not None else self.english


def _isolated(items: Sequence[T], run: Callable[[Sequence[T]], Sequence[U]]) -> list[U | GenerationError]:
    """Run a batch; if it fails, run its items one by one so one bad item fails alone.

    A failure is returned in the item's place, never raised: a batch of one fails as its item.
    """
    try:
        return list(run(items))
    except GenerationError as exc:
        if len(items) == 1:
            return [exc]
    outcomes: list[U | GenerationError] = []
    for item in items:
        try:
            outcomes.extend(run([item]))
        except GenerationError as exc:
            outcomes.append(exc)
    return outcomes


Progress = Callable[[str, float], None]


class _Stages:
    """Turns each stage's own progress into the share of a whole run's model work that is done."""

    def __init__(self, labels: Sequence[str], report: Progress | None) -> None:
        self.labels = list(labels)
        self.report = report
        self.best = 0.0

    def at(self, label: str) -> Callable[[float], None]:
        """A callback for stage ``label`` taking the fraction of that stage that is done."""
        index = self.labels.index(label) if label in self.labels else len(self.labels) - 1
        count = max(1, len(self.labels))

        def step(fraction: float) -> None:
            # Map-reduce rounds can make a stage's own figure go back; the run's figure never does.
            self.best = max(self.best, (index + min(1.0, max(0.0, fraction))) / count)
            if self.report is not None:
                self.report(label, self.best)

        return step


class Pipeline:
    """Reads nothing and writes nothing: articles in, results out, models loaded once."""

    def __init__(self, config: Config, options: RunOptions | None = None, registry: ModelRegistry | None = None):
        self.config = config
        self.options = options or RunOptions()
        self.registry = registry or ModelRegistry(device=self.options.device, offline=self.options.offline)
        self.targets = self.options.targets if self.options.targets is not None else config.targets
        if not self.options.translate:
            self.targets = ()
        for lang in self.targets:
            if lang not in config.translators:
                raise ConfigError(config.path, f"translation.models.{lang}", f"target '{lang}' has no model")
            if self.options.verify and lang not in config.pivots:
                raise ConfigError(
                    config.path,
                    f"translation.pivot.{lang}",
                    f"--verify translates {lang} back into {config.source_language} and needs this model; "
                    f"add [translation.pivot.{lang}]",
                )
        glossary = self.options.glossary or config.glossary
        self.glossary = load_glossary(glossary, config.source_language) if glossary else None
        self._identities: dict[ModelSpec, str] = {}

    def specs(self) -> list[ModelSpec]:
        """Every model this run may use: the summarizer it asks for, its targets, the pivots."""
        used = [self.config.summarizer] if self.options.summary == "abstractive" else []
        used += [self.config.translators[lang] for lang in self.targets]
        return used + list(self.config.pivots.values())

    def fingerprint(self) -> str:
        """A hash of everything that shapes a result: the configuration, the options and the models themselves.

        A model's identity is the commit the Hugging Face cache resolved, or, for a local
        folder, its files' sizes and times: editing a model's generation_config.json makes
        every result out of date.
        """
        from .modelstore import model_identity

        options = asdict(self.options)
        for key in ("device", "offline", "targets", "translate", "glossary"):
            options.pop(key)
        if not self.options.verify:
            options.pop("verify")  # results made before --verify existed stay up to date
        if self.glossary is not None:
            options["glossary"] = self.glossary.sha256  # its terms matter, not where it lies
        models = {}
        for spec in self.specs():
            identity = self._identities.get(spec)
            if identity is None:
                identity, settled = model_identity(spec)
                if settled:  # a Hub model not cached yet is looked up again once it is
                    self._identities[spec] = identity
            models[f"{spec.role}:{spec.language}"] = identity
        payload = {"config": config_digest(self.config), "targets": self.targets, "options": options, "models": models}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def model_names(self) -> dict[str, str]:
        """The model used for each role of this run."""
        names: dict[str, str] = {}
        if self.options.summary == "abstractive":
            names["summary"] = self.config.summarizer.model
        elif self.options.summary == "extractive":
            names["summary"] = "extractive"
        for lang in self.targets:
            names[lang] = self.config.translators[lang].model
        return names

    def run(self, articles: Sequence[Article], progress: Progress | None = None) -> list[Result]:
        """Process articles together, batching model work across them.

        ``progress`` hears the stage in hand ("summarizing", "translating uk") and the share
        of the whole batch's model work done so far, as it goes.
        """
        work = [_Work(clean(article)) for article in articles]
        for item in work:
            if not item.cleaned.text:
                item.error = "no text left after cleaning"
        self._detect_languages([w for w in work if w.error is None])
        pivoted = sorted({w.language for w in work if w.error is None and w.language != self.config.source_language})
        labels = [f"translating from {lang}" for lang in pivoted]
        labels += ["summarizing"] if self.options.summary == "abstractive" else []
        labels += [f"translating {lang}" for lang in self.targets]
        labels += [f"verifying {lang}" for lang in self.targets] if self.options.verify else []
        stages = _Stages(labels, progress)
        self._to_english([w for w in work if w.error is None], stages)
        self._summarize([w for w in work if w.error is None], stages.at("summarizing"))
        for lang in self.targets:
            self._translate(lang, [w for w in work if w.error is None], stages.at(f"translating {lang}"))
        if self.options.verify:
            for lang in self.targets:
                self._verify(lang, [w for w in work if w.error is None], stages.at(f"verifying {lang}"))
        fingerprint = self.fingerprint()  # after loading: a model fetched just now has its commit
        return [self._result(item, fingerprint) for item in work]

    def _detect_languages(self, work: list[_Work]) -> None:
        for item in work:
            item.language = self.options.source_language or self._detect(item.cleaned.text)
            item.english = item.cleaned.text

    def _to_english(self, work: list[_Work], stages: _Stages) -> None:
        """Translate the articles not in the source language with their pivot model."""
        source = self.config.source_language
        by_language: dict[str, list[_Work]] = {}
        for item in work:
            if item.language == source:
                continue
            if item.language not in self.config.pivots:
                item.error = (
                    f"the article is in '{item.language}' and no model translates it into {source}: "
                    f"add [translation.pivot.{item.language}] to {self.config.path}"
                )
                continue
            by_language.setdefault(item.language, []).append(item)
        for language, items in by_language.items():
            spec = self.config.pivots[language]
            texts = [w.english for w in items]
            outcomes = self._translated(spec, texts, stages.at(f"translating from {language}"))
            for item, outcome in zip(items, outcomes, strict=True):
                if isinstance(outcome, GenerationError):
                    item.error = f"translation from {language} failed: {outcome}"
                else:
                    item.english = outcome.text
                    item.pivot = spec.model

    def _translated(
        self, spec: ModelSpec, texts: list[str], progress: Callable[[float], None] | None = None
    ) -> list[Translated | GenerationError]:
        """Translate texts with one model, batched together; a failing text fails alone."""
        budget = self.config.max_batch_tokens or default_batch_tokens(self.registry.resolved_device())
        translator = Translator(
            self.registry.get(spec), spec.generation, spec.target_token, self.config.batch_size, max_batch_tokens=budget
        )
        return _isolated(texts, lambda batch: translator.translate(batch, progress))

    def _detect(self, text: str) -> str:
        from .language import CANDIDATES, detect_language

        source = self.config.source_language
        return detect_language(text, {*CANDIDATES, source, *self.config.pivots}, default=source)

    def _summarize(self, work: list[_Work], progress: Callable[[float], None] | None = None) -> None:
        mode = self.options.summary
        if mode == "none" or not work:
            return
        if mode == "extractive":
            for item in work:
                item.summary = extractive_summary(item.english, self.options.sentences)
        else:
            self._summarize_abstractive(work, progress)
        for item in work:
            if item.summary is not None:
                # Against the English text the summary was made from: the pivot text for a
                # Ukrainian, Russian or Korean article.
                item.evidence = find_evidence(item.english, item.summary)
                item.warnings.extend(checks.check_summary(item.english, item.summary, item.evidence))

    def _summarize_abstractive(self, work: list[_Work], progress: Callable[[float], None] | None = None) -> None:
        spec = self.config.summarizer
        model = self.registry.get(spec)

        def run(items: Sequence[_Work], settings: GenerationSettings = spec.generation) -> list[str]:
            return summarize_abstractive(model, [w.english for w in items], settings, progress)

        for item, outcome in zip(work, _isolated(work, run), strict=True):
            if isinstance(outcome, GenerationError):
                item.error = f"summary failed: {outcome}"
            else:
                item.summary = outcome
        # A summary that loops gets one more try with settings that discourage repeats.
        looping = [w for w in work if w.summary is not None and checks.looping_span(w.summary) is not None]
        if looping:
            strict = spec.generation.merged(checks.RETRY_SETTINGS)
            for item, outcome in zip(looping, _isolated(looping, lambda items: run(items, strict)), strict=True):
                if not isinstance(outcome, GenerationError):
                    item.summary = outcome

    def _translate(self, lang: str, work: list[_Work], progress: Callable[[float], None] | None = None) -> None:
        if not work:
            return
        spec = self.config.translator(lang)
        for item, outcome in zip(work, self._translated(spec, [w.body for w in work], progress), strict=True):
            if isinstance(outcome, GenerationError):
                item.error = f"translation into {lang} failed: {outcome}"
            else:
                item.translations[lang] = outcome.text
                item.pairs[lang] = outcome.pairs
                item.warnings.extend(
                    checks.check_translation(item.body, outcome.text, lang, outcome.pairs, self.glossary)
                )

    def _verify(self, lang: str, work: list[_Work], progress: Callable[[float], None] | None = None) -> None:
        items = [w for w in work if lang in w.pairs]
        for item, trip in zip(items, self.roundtrips(lang, [w.pairs[lang] for w in items], progress), strict=True):
            if trip is not None:
                item.roundtrip[lang] = trip.score
                item.warnings.extend(low_roundtrip(trip))

    def roundtrips(
        self,
        language: str,
        translations: Sequence[Sequence[tuple[str, str]]],
        progress: Callable[[float], None] | None = None,
    ) -> list[RoundTrip | None]:
        """Round-trip chrF of each translation, given as (source sentence, translated sentence) pairs.

        Every translated sentence of every translation goes back into the source language with
        ``language``'s pivot model, batched together; a sentence whose trip back fails is left
        out of its translation's score, and a translation with none left scores None.
        """
        spec = self.config.pivots.get(language)
        if spec is None:
            raise ConfigError(self.config.path, f"translation.pivot.{language}", "no model translates it back")
        sentences = list(dict.fromkeys(out for pairs in translations for _, out in pairs if out.strip()))
        outcomes = self._translated(spec, sentences, progress) if sentences else []
        back = {s: o.text for s, o in zip(sentences, outcomes, strict=True) if not isinstance(o, GenerationError)}
        return [
            score_roundtrip(language, [(src, out, back[out]) for src, out in pairs if out in back])
            for pairs in translations
        ]

    def _result(self, item: _Work, fingerprint: str) -> Result:
        article = item.cleaned.article
        return Result(
            source=article.source,
            language=item.language,
            cleaning=item.cleaned.stats,
            summary=item.summary,
            translations=item.translations,
            models=self.model_names() | ({"pivot": item.pivot} if item.pivot else {}),
            warnings=tuple(item.warnings),
            error=item.error,
            input_sha256=article.sha256,
            config_sha256=fingerprint,
            evidence=item.evidence,
            roundtrip=dict(item.roundtrip) if self.options.verify else None,
        )
