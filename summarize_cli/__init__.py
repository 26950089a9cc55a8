"""summarize_cli: summarize news articles and translate the summaries with MarianMT.

The library needs neither click nor rich::

    from summarize_cli import Pipeline, RunOptions, load_config, Article

    pipeline = Pipeline(load_config(), RunOptions(targets=("uk",)))
    [result] = pipeline.run([Article(source="story", text=open("story.txt").read())])
    print(result.summary, result.translations["uk"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Cleaned",
    "CleaningStats",
    "Config",
    "ConfigError",
    "GenerationSettings",
    "InputError",
    "ModelSpec",
    "ModelUnavailableError",
    "Pipeline",
    "QualityWarning",
    "Result",
    "RunOptions",
    "SummarizeError",
    "__version__",
    "load_config",
]

if TYPE_CHECKING:
    from .config import load_config
    from .errors import ConfigError, InputError, ModelUnavailableError, SummarizeError
    from .pipeline import Pipeline, RunOptions
    from .types import Article, Cleaned, CleaningStats, Config, GenerationSettings, ModelSpec, QualityWarning, Result

_HOMES = {
    "load_config": "config",
    "Pipeline": "pipeline",
    "RunOptions": "pipeline",
    "ConfigError": "errors",
    "InputError": "errors",
    "ModelUnavailableError": "errors",
    "SummarizeError": "errors",
}


def __getattr__(name: str) -> Any:
    """Import the public names on first use, so ``import summarize_cli`` stays instant."""
    if name in __all__ and name != "__version__":
        from importlib import import_module

        module = import_module(f".{_HOMES.get(name, 'types')}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
