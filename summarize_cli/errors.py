"""Typed errors raised by the library; only the command line turns them into exit codes."""

from __future__ import annotations


class SummarizeError(Exception):
    """Base of every error the library raises on purpose."""


class InputError(SummarizeError):
    """An input could not be read or holds no usable text."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class ConfigError(SummarizeError):
    """The configuration file is invalid; the message names the file, the key and the problem."""

    def __init__(self, path: str, key: str, problem: str) -> None:
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.key = key
        self.problem = problem


class ModelUnavailableError(SummarizeError):
    """A model cannot be loaded: not cached while offline, download failed, or not a model."""


class DeviceUnavailableError(ModelUnavailableError):
    """The requested device (cuda, mps) is not present."""


class OutputError(SummarizeError):
    """Results cannot be kept: the output folder is not writable, full, or in use by another run."""


class GenerationError(SummarizeError):
    """A model failed while generating text for one article."""


class Stopped(KeyboardInterrupt):
    """A stop signal (SIGTERM, SIGHUP) arrived: the run ends as it does on Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
