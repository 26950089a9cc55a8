"""Summaries: abstractive with map-reduce over chunks, and extractive from the article's own sentences."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

from .backends.base import Seq2SeqModel
from .chunking import chunk_sentences
from .errors import GenerationError
from .sentences import sentences_of, split_paragraphs, split_sentences
from .types import GenerationSettings

SUMMARY_BATCH_SIZE = 4
# Rounds of summarizing joined chunk summaries before giving up on a text that will not shrink.
MAX_ROUNDS = 6


def _generate_batched(
    model: Seq2SeqModel,
    texts: list[str],
    settings: GenerationSettings,
    progress: Callable[[float], None] | None = None,
) -> list[str]:
    # Similar lengths in a batch waste less padding.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = [""] * len(texts)
    for start in range(0, len(order), SUMMARY_BATCH_SIZE):
        batch = order[start : start + SUMMARY_BATCH_SIZE]
        for index, summary in zip(batch, model.generate([texts[i] for i in batch], settings), strict=True):
            out[index] = summary
        if progress is not None:
            progress(min(len(order), start + SUMMARY_BATCH_SIZE) / len(order))
    return out


def _scaled(progress: Callable[[float], None], done: int, in_round: int, total: int) -> Callable[[float], None]:
    """A round's own progress as the share of all texts summarized."""
    return lambda fraction: progress((done + fraction * in_round) / total)


def summarize_abstractive(
    model: Seq2SeqModel,
    texts: Sequence[str],
    settings: GenerationSettings,
    progress: Callable[[float], None] | None = None,
) -> list[str]:
    """One summary per text, batched across texts.

    A text that fits the model's input is summarized directly. A longer one is split at
    sentence boundaries into chunks that fit, each chunk is summarized, and the joined
    chunk summaries go round again until they fit; then they are summarized once more.
    Nothing is truncated. ``progress`` hears the share of the texts summarized so far.
    """
    limit = model.max_input_tokens
    pending = dict(enumerate(texts))
    results: dict[int, str] = {}
    total = max(1, len(texts))
    for _ in range(MAX_ROUNDS):
        if not pending:
            break
        jobs: list[tuple[int, str]] = []
        final: set[int] = set()
        sizes = model.count_tokens(list(pending.values()))
        for (index, text), size in zip(pending.items(), sizes, strict=True):
            if size <= limit:
                final.add(index)
                jobs.append((index, text))
            else:
                chunks = chunk_sentences(sentences_of(text), model.count_tokens, limit)
                jobs.extend((index, " ".join(chunk)) for chunk in chunks)
        step = _scaled(progress, len(results), len(pending), total) if progress is not None else None
        outputs = _generate_batched(model, [text for _, text in jobs], settings, step)
        joined: dict[int, list[str]] = {}
        for (index, _), output in zip(jobs, outputs, strict=True):
            joined.setdefault(index, []).append(output)
        next_pending: dict[int, str] = {}
        for index, parts in joined.items():
            if index in final:
                results[index] = parts[0]
            else:
                next_pending[index] = " ".join(p for p in parts if p)
        shrunk = model.count_tokens(list(next_pending.values()))
        before = dict(zip(pending, sizes, strict=True))
        if any(size >= before[i] for i, size in zip(next_pending, shrunk, strict=True)):
            raise GenerationError("the chunk summaries did not shrink below the model's input limit")
        pending = next_pending
    if pending:
        raise GenerationError("the chunk summaries did not shrink below the model's input limit")
    return [results[i] for i in range(len(texts))]


_WORD = re.compile(r"\w+", re.UNICODE)


def extractive_summary(text: str, count: int) -> str:
    """The ``count`` most central sentences of ``text``, verbatim and in source order.

    Centrality is a sentence's summed TF-IDF cosine similarity to every other sentence:
    sentences that share the most content with the rest of the article carry its gist.
    """
    located = [(line, s) for line, para in enumerate(split_paragraphs(text)) for s in split_sentences(para)]
    sentences = [s for _, s in located]
    if len(sentences) <= count:
        return _join_lines(located)
    bags = [Counter(w.lower() for w in _WORD.findall(s)) for s in sentences]
    documents = Counter(word for bag in bags for word in bag)
    total = len(sentences)
    vectors = []
    for bag in bags:
        vector = {w: tf * math.log(1 + total / documents[w]) for w, tf in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})
    scores = []
    for i, vi in enumerate(vectors):
        score = sum(sum(v * vj.get(w, 0.0) for w, v in vi.items()) for j, vj in enumerate(vectors) if j != i)
        scores.append(score)
    chosen = sorted(sorted(range(total), key=lambda i: (-scores[i], i))[:count])
    return _join_lines([located[i] for i in chosen])


def _join_lines(located: Sequence[tuple[int, str]]) -> str:
    """Sentences of one source line share a line; each source line starts a new one."""
    lines: dict[int, list[str]] = {}
    for line, sentence in located:
        lines.setdefault(line, []).append(sentence)
    return "\n".join(" ".join(group) for group in lines.values())
