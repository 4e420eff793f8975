"""Several QUBOs in one QPU call, each on its own clique embedding of the same chip.

A full Advantage (Pegasus P16) holds one clique of 176 variables, or 4
disjoint cliques of 88-90 (chains of 9) or 9 of 60 (chains of 7): several
working sets of a decomposed fit can share one programming, one set of
reads and one round trip. The disjoint embeddings are found greedily
(minorminer's busclique, then the next on the qubits left), once per chip
and size, and cached as the single clique is.

The tiled call follows dwave-system's ``ParallelEmbeddingComposite.sample_multiple``
(embed each problem on its copy with its own chain strength, normalise
each into the QPU's ranges under ``auto_scale``, one child call, unembed
each) but is written here because that method drops the chain-break
fractions the fit reports and takes no reverse-anneal schedule per call.
"""

from __future__ import annotations

import threading
import warnings

import dimod
import numpy as np

from backends.errors import BackendCapacityError

__all__ = [
    "ParallelCopiesWarning",
    "choose_copies",
    "disjoint_cliques",
    "embed_tiled",
    "mean_chain_breaks",
    "unembed_tiled",
]

_CLIQUES: dict[tuple[str, int], list[dict]] = {}
_LOCK = threading.RLock()


class ParallelCopiesWarning(UserWarning):
    """Fewer disjoint clique embeddings were found than asked for; the call uses those found."""


def disjoint_cliques(graph_key: str, graph_factory, n: int) -> list[dict]:
    """Disjoint clique embeddings of ``n`` variables on the chip, as many as greedy placement finds.

    ``graph_key`` identifies the working graph (its fingerprint) and
    ``graph_factory()`` returns it as a networkx graph with its topology
    attributes; the list is cached per (graph, n).
    """
    from minorminer import busclique

    key = (graph_key, n)
    with _LOCK:
        if key in _CLIQUES:
            return _CLIQUES[key]
    graph, found = graph_factory(), []
    while True:
        embedding = busclique.find_clique_embedding(n, graph)
        if len(embedding) != n:
            break
        found.append(embedding)
        graph.remove_nodes_from([q for chain in embedding.values() for q in chain])
    with _LOCK:
        _CLIQUES[key] = found
    return found


def choose_copies(asked: int | str, found: list[dict], qubits: int, n: int, name: str) -> int:
    """How many copies a call of ``n`` variables takes: ``asked`` ("auto": all found).

    More than the chip's qubits could hold is refused (with the number that
    fits); more than the greedy placement found, within that bound, falls
    back to those found, with a warning that says how many.
    """
    if asked == "auto":
        return max(1, len(found))
    asked = int(asked)
    per_copy = sum(len(chain) for chain in found[0].values()) if found else qubits + 1
    bound = qubits // per_copy
    if asked > bound:
        raise BackendCapacityError(
            f"copies={asked} of a {n}-variable clique need {asked * per_copy} qubits; the "
            f"{name} working graph has {qubits}, which hold at most {bound} copies; use "
            f"copies <= {bound}, copies='auto', or smaller working sets"
        )
    if asked > len(found):
        warnings.warn(
            f"found {len(found)} disjoint embeddings of a {n}-variable clique on the {name} "
            f"working graph, not the {asked} asked for; each call takes {len(found)}",
            ParallelCopiesWarning,
            stacklevel=3,
        )
        return max(1, len(found))
    return asked


def embed_tiled(
    bqms: list[dimod.BinaryQuadraticModel],
    embeddings: list[dict],
    chain_strengths: list[float],
    target_adjacency,
    *,
    h_range: tuple[float, float] | None,
    j_range: tuple[float, float] | None,
) -> dimod.BinaryQuadraticModel:
    """Every problem on its own copy, in one physical problem (each normalised under auto_scale)."""
    from dwave.embedding import embed_bqm

    tiled = dimod.BinaryQuadraticModel.empty(bqms[0].vartype)
    for bqm, embedding, strength in zip(bqms, embeddings, chain_strengths, strict=True):
        embedded = embed_bqm(bqm, embedding, target_adjacency, chain_strength=strength)
        if h_range is not None:
            embedded.normalize(bias_range=h_range, quadratic_range=j_range)
        tiled.update(embedded)
    return tiled


def unembed_tiled(
    answer: dimod.SampleSet, bqms: list[dimod.BinaryQuadraticModel], embeddings: list[dict]
) -> list[dimod.SampleSet]:
    """Each problem's logical samples (majority vote over broken chains), with its chain breaks."""
    from dwave.embedding import unembed_sampleset

    return [
        unembed_sampleset(answer, embedding, bqm, chain_break_fraction=True)
        for bqm, embedding in zip(bqms, embeddings, strict=True)
    ]


def mean_chain_breaks(answers: list[dimod.SampleSet]) -> float:
    """The mean chain-break fraction over every read of every problem."""
    fractions = [
        np.average(a.record.chain_break_fraction, weights=a.record.num_occurrences) for a in answers
    ]
    return float(np.mean(fractions))
