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
from contextlib import contextmanager

# Longest wait at exit for a native step: loading a converted model takes seconds.
EXIT_WAIT_SECONDS = 30.0

_idle = threading.Condition()
_running = 0
_exiting = False


@contextmanager
def native_step() -> Iterator[None]:
    """Mark a step that runs in a native library: the process does not exit in the middle of it."""
    global _running
    with _idle:
        starting = not _exiting
        if starting:
            _running += 1
    if not starting:
        threading.Event().wait()  # the process is exiting: this thread goes no further
    try:
        yield
    finally:
        with _idle:
            _running -= 1
            _idle.notify_all()


def settle_at_exit(timeout: float = EXIT_WAIT_SECONDS) -> bool:
    """At exit: let no native step start, and wait up to ``timeout`` s for those under way; whether all ended."""
    global _exiting
    with _idle:
        _exiting = True
        return _idle.wait_for(lambda: _running == 0, timeout)
