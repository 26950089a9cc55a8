"""A stand-in model for unit tests of orchestration: deterministic, counts its calls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from summarize_cli.types import GenerationSettings, ModelSpec


@dataclass
class FakeModel:
    """Tokens are words plus one end-of-sequence token; output is ``transform`` of the input."""

    name: str = "fake"
    max_input_tokens: int = 64
    transform: Callable[[str], str] = lambda text: text.upper()
    calls: list[list[str]] = field(default_factory=list)
    prefixes: list[str | None] = field(default_factory=list)
    settings: list[GenerationSettings] = field(default_factory=list)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def unknown_share(self, texts: Sequence[str]) -> float:
        return 0.0

    def generate(self, texts: Sequence[str], settings: GenerationSettings, prefix: str | None = None) -> list[str]:
        for text in texts:
            assert self.count_tokens([f"{prefix} {text}" if prefix else text])[0] <= self.max_input_tokens
        self.calls.append(list(texts))
        self.prefixes.append(prefix)
        self.settings.append(settings)
        return [self.transform(t) for t in texts]


def fake_loader(models: dict[str, FakeModel]) -> Callable[[ModelSpec, str, bool], FakeModel]:
    """A registry loader that hands out fakes by language (``en`` for the summarizer)."""

    def load(spec: ModelSpec, device: str, offline: bool) -> FakeModel:
        return models[spec.language]

    return load
