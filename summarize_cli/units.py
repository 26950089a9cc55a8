"""Byte counts as people read them, in one style everywhere.

Decimal units (1 MB = 1,000,000 bytes), as the Hugging Face Hub's pages and the download bars
(tqdm's ``unit_scale``) show them, so that a size the tool announces matches the bar that follows.
"""

from __future__ import annotations


def format_bytes(size: int) -> str:
    """``512 bytes``, ``1.5 MB``, ``1.2 GB``."""
    if size < 1000:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1000
        if round(value, 1) < 1000 or unit == "GB":  # 999,999 bytes is 1.0 MB, not 1000.0 KB
            break
    return f"{value:.1f} {unit}"
