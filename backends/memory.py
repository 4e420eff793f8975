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
import resource

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
    """Bytes hqml may allocate for one QUBO or statevector batch.

    ``HQML_MEMORY_LIMIT``, by default half of this machine's memory, and never
    more than the process may still take: the room left under its address-
    space limit (``RLIMIT_AS``, as ``ulimit -v`` or a Slurm memory limit sets
    it), and its cgroup's memory limit (Slurm's ``--mem`` on a cgroup node).
    Without them a guarded allocation died with numpy's MemoryError.
    """
    return min([_configured_limit(), *_process_room()])


def _process_room() -> list[int]:
    """What the process's own limits still allow, where it has such limits."""
    room = []
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        room.append(max(0, soft - _mapped_bytes()))
    cgroup = _cgroup_limit()
    if cgroup is not None:
        room.append(cgroup)
    return room


def _mapped_bytes() -> int:
    """The process's virtual size (what RLIMIT_AS counts), from /proc; 0 where unknown."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _cgroup_limit() -> int | None:
    """The cgroup's memory limit (v2 ``memory.max``, else v1), or None where there is none.

    The limit itself, not the room under it: the cgroup's usage counts page
    cache the kernel reclaims on demand, so limit minus usage would refuse
    arrays that fit.
    """
    for limit_file in (
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ):
        try:
            with open(limit_file) as handle:
                text = handle.read().strip()
        except OSError:
            continue
        if not text.isdigit() or int(text) >= 2**60:  # "max", or v1's "no limit"
            return None
        return int(text)
    return None


def _configured_limit() -> int:
    """``HQML_MEMORY_LIMIT``, or half of the machine's physical memory."""
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
            f"memory, and at most what the process's own limits leave). Remedies: "
            f"{remedies}. If the machine has the memory, raise the limit, "
            f"e.g. HQML_MEMORY_LIMIT={max(1, int(required / 2**30) + 1)}G."
        )
