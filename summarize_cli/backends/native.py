"""Native library work in a background thread that the process must not exit in the middle of.

A model loads in the registry's background thread (a daemon) while the main thread reads the
inputs. When the run ends first (an input that cannot be read, Ctrl-C), Python's exit lets
daemon threads run on, and ends any of them that then reaches for the interpreter; a thread
ended so inside C++ code (CTranslate2 building its workers, torch reading weights) aborts the
whole process ("terminate called without an active exception", status 134) instead of
exiting with the run's status. So the loaders mark their native steps; at exit the process
waits for a marked step to finish, and a thread about to start one waits for the exit instead.
Downloads and conversions (a child process) are not marked: leaving them is safe, and waiting
for them would hold Ctrl-C for minutes.
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

    @contextmanager
    def step(self) -> Iterator[None]:
        """Mark a step that runs in a native library: the process does not exit in the middle of it."""
        with self._idle:
            starting = not self._exiting
            if starting:
                self._running += 1
        if not starting:
            threading.Event().wait()  # the process is exiting: this thread goes no further
        try:
            yield
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

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


def settle_at_exit(timeout: float = EXIT_WAIT_SECONDS) -> bool:
    """At exit: let no native step start, and wait up to ``timeout`` s for those under way; whether all ended."""
    return _steps.settle(timeout)
