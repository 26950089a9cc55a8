"""The exit codes of the command line, one place for all of them."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Exit status of ``summarize-cli``, as the user-facing contract fixes it."""

    OK = 0
    PARTIAL_FAILURE = 1
    USAGE = 2
    NO_INPUT = 3
    CONFIG = 4
    MODEL_UNAVAILABLE = 5
    QUALITY = 6
    INTERRUPTED = 130
    TERMINATED = 143
    HUNG_UP = 129
