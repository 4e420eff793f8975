"""Refuse, before allocating, what would not fit in memory: dense QUBOs and statevector batches.

A dense QUBO of ``n`` variables is ``8 n**2`` bytes, and a fit holds a few
working copies of it (the builder's matrix, dimod's couplings, the sampler's
vectors); a batch of statevectors is ``16 * 2**qubits`` bytes per point.
Both grow fast enough that a plausible call (QSVR on 3,000 points, a
22-qubit kernel on 400) asks for tens of GiB: better a clear refusal with
the remedies than a machine that swaps or a job the kernel kills.

The limit is ``HQML_MEMORY_LIMIT`` (``"16G"``, ``"512M"`` or bytes), by
default half of this machine's physical memory.
"""

from __future__ import annotations

import os
import re

__all__ = ["MemoryLimitError", "check_memory", "format_bytes", "memory_limit"]

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


class MemoryLimitError(ValueError):
    """A computation would need more memory than hqml's limit allows."""


def format_bytes(size: float) -> str:
    """``1.5 GiB`` and the like."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def memory_limit() -> int:
    """Bytes hqml may allocate for one QUBO or statevector batch."""
    text = os.environ.get("HQML_MEMORY_LIMIT", "").strip().upper()
    if not text:
        pages, page = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return pages * page // 2
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)I?B?", text)
    if not match:
        raise ValueError(
            f"HQML_MEMORY_LIMIT must be a size such as 16G, 512M or a number of bytes; "
            f"got {os.environ['HQML_MEMORY_LIMIT']!r}"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def check_memory(required: int, what: str, remedies: str) -> None:
    """Raise :class:`MemoryLimitError` if ``required`` bytes exceed :func:`memory_limit`.

    Examples
    --------
    >>> check_memory(1024, "a tiny array", "none needed")
    """
    limit = memory_limit()
    if required > limit:
        raise MemoryLimitError(
            f"{what} needs about {format_bytes(required)}, more than hqml's limit of "
            f"{format_bytes(limit)} (HQML_MEMORY_LIMIT, by default half of this machine's "
            f"memory). Remedies: {remedies}. If the machine has the memory, raise the limit, "
            f"e.g. HQML_MEMORY_LIMIT={max(1, int(required / 2**30) + 1)}G."
        )
