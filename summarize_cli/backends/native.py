"""Native library work in a background thread that the process must not exit in the middle of.

A model loads in the registry's background thread (a daemon) while the main thread reads the
inputs. When the run ends first (every input already done, an input that cannot be read,
Ctrl-C), Python's exit lets daemon threads run on, and ends any of them that then reaches for
the interpreter; a thread ended so inside C++ code (importing CTranslate2 or torch, building
CTranslate2's workers, reading weights) aborts the whole process ("terminate called without an
active exception", status 134) instead of exiting with the run's status. So a background load
is one step from start to end: at exit the process waits for it to finish, and a thread about
to start one waits for the exit instead. The stretches inside it that are safe to leave, and
long, are marked ``leavable``: a conversion in a child process (and downloads, which prefetching
never starts); waiting for them would hold Ctrl-C for minutes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

# Longest wait at exit for a native step: loading a converted model takes seconds.
EXIT_WAIT_SECONDS = 30.0


class NativeSteps:
    """Counts the threads in a native step, and holds back new ones once the process exits."""

    def __init__(self) -> None:
        self._idle = threading.Condition()
        self._running = 0
        self._exiting = False
        self._depth = threading.local()

    def _enter(self) -> None:
        """Count this thread in, or, when the process is exiting, hold it here for good."""
        with self._idle:
            exiting = self._exiting
            if not exiting:
                self._running += 1
        if exiting:
            threading.Event().wait()  # the process is exiting: this thread goes no further

    def _leave(self) -> None:
        with self._idle:
            self._running -= 1
            self._idle.notify_all()

    @contextmanager
    def step(self) -> Iterator[None]:
        """Mark a step that runs in a native library: the process does not exit in the middle of it.

        Steps nest: one inside another is part of it.
        """
        depth = getattr(self._depth, "value", 0)
        if depth == 0:
            self._enter()
        self._depth.value = depth + 1
        try:
            yield
        finally:
            self._depth.value = depth
            if depth == 0:
                self._leave()

    @contextmanager
    def leavable(self) -> Iterator[None]:
        """Inside a step, a stretch the process may exit in the middle of (waiting on a child process)."""
        depth = getattr(self._depth, "value", 0)
        if depth == 0:
            yield
            return
        self._depth.value = 0
        self._leave()
        try:
            yield
        finally:
            self._enter()
            self._depth.value = depth

    def settle(self, timeout: float = EXIT_WAIT_SECONDS) -> bool:
        """Let no step start, and wait up to ``timeout`` s for those under way; whether all ended."""
        with self._idle:
            self._exiting = True
            return self._idle.wait_for(lambda: self._running == 0, timeout)


# The process's own: the loaders mark their steps here, and exit settles it.
_steps = NativeSteps()


def native_step() -> AbstractContextManager[None]:
    """Mark a step that runs in a native library: the process does not exit in the middle of it."""
    return _steps.step()


def leavable() -> AbstractContextManager[None]:
    """Inside a native step, a stretch the process may exit in the middle of (waiting on a child process)."""
    return _steps.leavable()


def settle_at_exit(timeout: float = EXIT_WAIT_SECONDS) -> bool:
    """At exit: let no native step start, and wait up to ``timeout`` s for those under way; whether all ended."""
    return _steps.settle(timeout)
