"""What the machine has: physical memory, and memory available now (for budgets and refusals)."""

from __future__ import annotations

import os

__all__ = ["physical_memory", "available_memory"]


def physical_memory() -> int:
    """Bytes of physical memory (8 GiB when the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def available_memory() -> int | None:
    """Bytes the kernel reports as available without swapping (``MemAvailable``); None where it does not say.

    Examples
    --------
    >>> m = available_memory()
    >>> m is None or 0 < m <= physical_memory()
    True
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None
