"""The command line: click options become RunOptions, errors become exit codes. Nothing else.

``app`` holds the group and what its commands share; each other module adds commands to it.
"""

from . import models, run, tools
from .app import main

__all__ = ["main", "models", "run", "tools"]
