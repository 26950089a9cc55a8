"""What the stages need from a sequence-to-sequence model, whatever runs it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..types import GenerationSettings


class Seq2SeqModel(Protocol):
    """A loaded model with its tokenizer; loaded once and reused for every input."""

    @property
    def name(self) -> str:
        """The model id or path, as configured."""
        ...

    @property
    def max_input_tokens(self) -> int:
        """The longest input, special tokens included, the model can read."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Token counts of ``texts`` as the model would read them, special tokens included."""
        ...

    def unknown_share(self, texts: Sequence[str]) -> float:
        """The share of input tokens that the vocabulary maps to its unknown token."""
        ...

    def generate(self, texts: Sequence[str], settings: GenerationSettings, prefix: str | None = None) -> list[str]:
        """Generate one output per input; ``prefix`` (a ``>>xxx<<`` token) goes before each input."""
        ...
