"""What a reader can check an output against: each summary sentence's best source sentence, and
round-trip scores of translations (pure functions; the back-translation itself is the pipeline's).

Evidence needs no model. A summary sentence's support by a source sentence is the share of the
summary sentence's words that the source sentence contains, each word weighted by its inverse
document frequency over the article's sentences: "the" counts for little, "Kyiv" for much, and
a word the article never uses weighs most of all. Words are compared lower-cased on their first
:data:`STEM_LENGTH` letters, so "captured"/"capture" and "soldiers"/"soldier" match. A summary
sentence found verbatim in the article (always so for ``--summary extractive``) scores 1.0 with
itself as its source.

Round-trip scores are chrF (character n-gram F-score, 0..100) of each sentence translated back
into the source language against the source sentence it was translated from. They screen for
translations that lost or changed content; they are not a measure of quality: a fluent, faithful
translation can come back worded differently and score low, and a word-for-word calque can come
back intact and score high.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .sentences import sentences_of
from .types import Evidence, QualityWarning

# A summary sentence whose best source sentence holds less than this share of its (weighted)
# words has weak support. Measured on fourteen hand-written summary sentences about the seed
# article: those restating one source sentence score 0.5-0.95, close paraphrases and sentences
# fusing two source sentences 0.34-0.45, invented claims 0.15-0.30 ("Putin rejected the offer."
# 0.30, "Beijing condemned the exchange and threatened sanctions." 0.26), though one invented
# claim worded from the article's own words scored 0.41. Word overlap cannot tell a paraphrase
# from a fabrication made of the article's words; this is a screen, not a verdict.
WEAK_EVIDENCE = 0.35
# Letters of a word that are compared: a crude stemmer that costs nothing and needs no data.
STEM_LENGTH = 6
# A language whose sentences come back with a mean chrF under this is worth a look. chrF of a
# sound round trip through OPUS-MT models is typically 50-70 on news sentences; under 35 most of
# a sentence's content did not survive the trip (or the trip's own model failed).
LOW_ROUNDTRIP = 35.0

_WORD = re.compile(r"\w+", re.UNICODE)


def _stem(word: str) -> str:
    # A plural "s" goes first, or "offers" and "offer" would differ within the first six letters.
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:STEM_LENGTH]


def _terms(sentence: str) -> set[str]:
    words = _WORD.findall(re.sub(r"['’]s\b", "", sentence.lower()))
    return {_stem(w) for w in words}


def find_evidence(source: str, summary: str) -> tuple[Evidence, ...]:
    """For each summary sentence, the source sentence that best supports it, and how well (0..1)."""
    candidates = sentences_of(source)
    bags = [_terms(s) for s in candidates]
    frequency = Counter(term for bag in bags for term in bag)
    count = len(bags)

    def weight(term: str) -> float:
        # A term the article never uses weighs as much as its rarest: new, and as informative.
        return math.log(1 + count / max(frequency[term], 1))

    verbatim = set(candidates)
    found = []
    for sentence in sentences_of(summary):
        if sentence in verbatim:
            found.append(Evidence(summary=sentence, source=sentence, score=1.0))
            continue
        terms = _terms(sentence)
        total = sum(weight(t) for t in terms)
        if not candidates or total == 0:
            found.append(Evidence(summary=sentence, source="", score=0.0))
            continue
        # Recall first; among equals, the source sentence with the least besides.
        scores = []
        for bag in bags:
            shared = sum(weight(t) for t in terms & bag)
            scores.append((shared / total, shared / (sum(weight(t) for t in bag) or 1.0)))
        best = max(range(len(candidates)), key=scores.__getitem__)
        found.append(Evidence(summary=sentence, source=candidates[best], score=scores[best][0]))
    return tuple(found)


def weak_evidence(evidence: Sequence[Evidence], limit: float = WEAK_EVIDENCE) -> list[QualityWarning]:
    """A ``weak_evidence`` warning for each summary sentence whose best support is under ``limit``."""
    warnings = []
    for item in evidence:
        if item.score < limit and _WORD.search(item.summary):
            message = f"'{item.summary}' has weak support in the source (best match {item.score:.2f})."
            warnings.append(QualityWarning(code="weak_evidence", message=message, span=item.summary))
    return warnings


@dataclass(frozen=True)
class RoundTripSentence:
    """One sentence's trip: its source, its translation, the translation back, and their chrF."""

    source: str
    translation: str
    back: str
    score: float


@dataclass(frozen=True)
class RoundTrip:
    """Round-trip chrF of one translation: the mean over its sentences, and each sentence."""

    language: str
    score: float
    sentences: tuple[RoundTripSentence, ...]

    @property
    def worst(self) -> RoundTripSentence:
        """The sentence that came back least like its source."""
        return min(self.sentences, key=lambda s: s.score)


def chrf(hypothesis: str, reference: str) -> float:
    """Sentence-level chrF (0..100) of ``hypothesis`` against ``reference``, as sacrebleu computes it."""
    from sacrebleu.metrics.chrf import CHRF

    return float(CHRF().sentence_score(hypothesis, [reference]).score)


def score_roundtrip(language: str, trips: Sequence[tuple[str, str, str]]) -> RoundTrip | None:
    """Score (source, translation, back-translation) triples; None when there is none."""
    scored = tuple(RoundTripSentence(src, out, back, chrf(back, src)) for src, out, back in trips)
    if not scored:
        return None
    return RoundTrip(language=language, score=sum(s.score for s in scored) / len(scored), sentences=scored)


def low_roundtrip(trip: RoundTrip, limit: float = LOW_ROUNDTRIP) -> list[QualityWarning]:
    """A ``low_roundtrip`` warning naming the worst sentence when the language's score is under ``limit``."""
    if trip.score >= limit:
        return []
    worst = trip.worst
    message = (
        f"round-trip chrF {trip.score:.1f} is under {limit:.0f}; worst sentence ({worst.score:.1f}): "
        f"'{worst.source}' came back as '{worst.back}'."
    )
    return [QualityWarning(code="low_roundtrip", language=trip.language, message=message, span=worst.translation)]
