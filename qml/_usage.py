"""What the solves of one fit cost, as fitted attributes: calls, seconds, QPU time, chains."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from training import DualSolution


def usage_attributes(solutions: list[DualSolution]) -> dict:
    """QUBO calls, sampler seconds and QPU access time summed over every call of every dual;
    chain breaks averaged; the embedding's size at its largest.
    """
    calls = [d for s in solutions for d in s.diagnostics]
    qubits = [r.physical_qubits for r in calls if r.physical_qubits is not None]
    chains = [r.max_chain_length for r in calls if r.max_chain_length is not None]
    return {
        "qubo_calls_": int(sum(s.qubo_calls for s in solutions)),
        "sampler_seconds_": float(sum(s.sampler_seconds for s in solutions)),
        "chain_break_fraction_": _mean_of(r.chain_break_fraction for r in calls),
        "qpu_access_time_": _sum_of(r.qpu_access_seconds for r in calls),
        "estimated_qpu_access_time_": _sum_of(r.estimated_qpu_access_seconds for r in calls),
        "estimated_wall_clock_": _sum_of(r.estimated_wall_seconds for r in calls),
        "embedding_size_": (
            {"physical_qubits": max(qubits), "max_chain_length": max(chains)} if qubits else None
        ),
    }


def _mean_of(values: Iterable[float | None]) -> float | None:
    reported = [v for v in values if v is not None]
    return float(np.mean(reported)) if reported else None


def _sum_of(values: Iterable[float | None]) -> float | None:
    reported = [v for v in values if v is not None]
    return float(sum(reported)) if reported else None
