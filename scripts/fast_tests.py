"""A pytest plugin for mutation runs: leave out the tests that need the tiny models.

Those build and load real models, minutes per run; a mutant of a pure module is judged by the
tests that call it directly. Loaded with ``-p fast_tests`` (``scripts/`` on ``PYTHONPATH``).
"""

from __future__ import annotations

import pytest

# A test that asks for one of these fixtures (``cli`` asks for ``tiny_models``) builds models.
MODEL_FIXTURES = frozenset({"tiny_models"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect every test whose fixtures include the tiny models."""
    slow = [item for item in items if MODEL_FIXTURES & set(getattr(item, "fixturenames", ()))]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item not in slow]
