"""What a sample call reports back, in one vocabulary and one unit (seconds).

Samplers write their own, differently shaped ``SampleSet.info``: D-Wave's
QPU reports ``timing`` in microseconds, Leap's hybrid solver a flat
``qpu_access_time`` in microseconds, hqml's QPU sampler adds its embedding
and chain breaks. The sampler that wrote an info parses it (a
``diagnostics(sampleset)`` method); :func:`read_diagnostics` asks it, or
reads D-Wave's common keys for a sampler that has no such method.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import dimod


@dataclass(frozen=True)
class SolveDiagnostics:
    """Diagnostics of one sample call; ``None`` where the sampler does not report it.

    Attributes
    ----------
    qpu_access_seconds : float or None
        QPU access time of the call.
    chain_break_fraction : float or None
        Mean fraction of broken chains over the samples (embedded QPU calls).
    physical_qubits : int or None
        Qubits of the embedding.
    max_chain_length : int or None
        Longest chain of the embedding.
    embedding_seconds : float or None
        Time spent finding the embedding (0 when a cached one was reused).
    embedding_reused : bool or None
        Whether a cached embedding was reused.
    estimated_qpu_access_seconds : float or None
        The QPU access time D-Wave's published timing model gives for the
        call (programming, then per read anneal, readout and delay): what a
        real Advantage system would bill. QPU backends only, the mock included.
    estimated_wall_seconds : float or None
        The call's estimated wall clock: its estimated access time plus the
        sampler's per-call latency (``latency``). QPU backends only.
    """

    qpu_access_seconds: float | None = None
    chain_break_fraction: float | None = None
    physical_qubits: int | None = None
    max_chain_length: int | None = None
    embedding_seconds: float | None = None
    embedding_reused: bool | None = None
    estimated_qpu_access_seconds: float | None = None
    estimated_wall_seconds: float | None = None


def dwave_timing_seconds(info: Mapping) -> float | None:
    """QPU access time in seconds from D-Wave's keys (``timing.qpu_access_time`` or flat, in µs)."""
    timing = info.get("timing")
    access = timing.get("qpu_access_time") if isinstance(timing, Mapping) else None
    if access is None:
        access = info.get("qpu_access_time")
    return None if access is None else float(access) / 1e6


def read_diagnostics(sampler: dimod.Sampler, sampleset: dimod.SampleSet) -> SolveDiagnostics:
    """The diagnostics of ``sampleset``, parsed by the sampler that returned it.

    Examples
    --------
    >>> import dimod
    >>> info = {"qpu_access_time": 15}  # Leap's hybrid solver: flat, in microseconds
    >>> sampleset = dimod.SampleSet.from_samples([[0]], "BINARY", [0.0], info=info)
    >>> read_diagnostics(dimod.ExactSolver(), sampleset).qpu_access_seconds
    1.5e-05
    """
    parse = getattr(sampler, "diagnostics", None)
    if callable(parse):
        return parse(sampleset)
    return SolveDiagnostics(qpu_access_seconds=dwave_timing_seconds(sampleset.info))
