"""Translation: sentences of many texts in length-sorted batches, paragraph breaks kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .backends.base import Seq2SeqModel
from .checks import RETRY_SETTINGS, is_runaway
from .chunking import split_long_sentence
from .sentences import split_paragraphs, split_sentences
from .types import GenerationSettings

# Tokens per generate call, padding included, when the configuration sets no max_batch_tokens:
# a CPU gains little from wider batches and pays for the padding; a GPU needs wide batches to
# be busy, and 16k tokens of a Marian model's activations fit any card CTranslate2 runs on.
DEFAULT_MAX_BATCH_TOKENS = {"cpu": 4096, "cuda": 16384}


def default_batch_tokens(device: str) -> int:
    """The token budget of one batch on ``device`` (cpu, cuda, mps)."""
    return DEFAULT_MAX_BATCH_TOKENS.get(device, DEFAULT_MAX_BATCH_TOKENS["cpu"])


@dataclass(frozen=True)
class Translated:
    """A translated text with the sentence pairs it was made from."""

    text: str
    pairs: tuple[tuple[str, str], ...] = ()


class Translator:
    """Translates texts with one model, batching every sentence of every text together."""

    def __init__(
        self,
        model: Seq2SeqModel,
        settings: GenerationSettings | None = None,
        target_token: str | None = None,
        batch_size: int = 16,
        retry_runaway: bool = True,
        max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS["cpu"],
    ) -> None:
        self.model = model
        self.settings = settings or GenerationSettings()
        self.target_token = target_token
        self.batch_size = max(1, batch_size)
        self.retry_runaway = retry_runaway
        self.max_batch_tokens = max(1, max_batch_tokens)

    def count(self, texts: Sequence[str]) -> list[int]:
        """Token counts as the model reads them, the target token included."""
        prefix = f"{self.target_token} " if self.target_token else ""
        return self.model.count_tokens([prefix + t for t in texts])

    def _pieces(self, sentence: str, size: int) -> list[str]:
        if size <= self.model.max_input_tokens:
            return [sentence]
        return split_long_sentence(sentence, self.count, self.model.max_input_tokens)

    def translate(self, texts: Sequence[str], progress: Callable[[float], None] | None = None) -> list[Translated]:
        """Translate each text; its lines stay lines and its sentences are translated in batches.

        ``progress`` hears the share of the sentences translated so far.
        """
        layout: list[list[list[str]]] = []
        sentences: list[str] = []
        for text in texts:
            lines = [split_sentences(line) for line in split_paragraphs(text)]
            layout.append(lines)
            sentences.extend(s for line in lines for s in line)
        unique = list(dict.fromkeys(sentences))
        pieces_of = {s: self._pieces(s, size) for s, size in zip(unique, self.count(unique), strict=True)}
        pieces = list(dict.fromkeys(p for s in unique for p in pieces_of[s]))
        done = self.translate_units(pieces, progress)
        results = []
        for lines in layout:
            out_lines = []
            pairs = []
            for line in lines:
                out = []
                for sentence in line:
                    translated = " ".join(done[p] for p in pieces_of[sentence])
                    out.append(translated)
                    pairs.append((sentence, translated))
                out_lines.append(" ".join(out))
            results.append(Translated(text="\n".join(out_lines), pairs=tuple(pairs)))
        return results

    def translate_units(self, units: Sequence[str], progress: Callable[[float], None] | None = None) -> dict[str, str]:
        """Translate unique units in length-sorted batches; runaway outputs are retried once."""
        done = self._batched(units, self.settings, progress)
        runaway = [u for u in units if is_runaway(u, done[u])] if self.retry_runaway else []
        if runaway:
            done.update(self._batched(runaway, self.settings.merged(RETRY_SETTINGS)))
        return done

    def batches(self, units: Sequence[str]) -> list[list[str]]:
        """``units`` sorted by token count and cut into batches of at most ``max_batch_tokens``, padding included.

        A batch costs its width times its longest input, since every input is padded to the
        longest; sorting puts inputs of one length together, so that little of a batch is
        padding. No batch holds more than ``batch_size`` units; a unit longer than the whole
        budget goes alone.
        """
        # Among inputs of one token count, the shorter text first: the order is the same every run.
        sized = sorted(zip(self.count(units), units, strict=True), key=lambda pair: (pair[0], len(pair[1]), pair[1]))
        batches: list[list[str]] = []
        batch: list[str] = []
        for size, unit in sized:
            # Sorted: this unit is the longest so far, and the batch's width sets its cost.
            if batch and (len(batch) >= self.batch_size or (len(batch) + 1) * size > self.max_batch_tokens):
                batches.append(batch)
                batch = []
            batch.append(unit)
        if batch:
            batches.append(batch)
        return batches

    def _batched(
        self, units: Sequence[str], settings: GenerationSettings, progress: Callable[[float], None] | None = None
    ) -> dict[str, str]:
        out: dict[str, str] = {}
        for batch in self.batches(units):
            out.update(zip(batch, self.model.generate(batch, settings, prefix=self.target_token), strict=True))
            if progress is not None:
                progress(len(out) / len(units))
        return out
