"""Dense QUBOs on a D-Wave QPU (or its offline stand-in) through a reused clique embedding."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from numbers import Real
from types import SimpleNamespace

import dimod
import numpy as np

from backends.errors import (
    BackendCapacityError,
    call_remote,
    require_credentials,
    require_dwave_system,
)
from backends.samplers.checks import check_sample_options
from backends.samplers.diagnostics import SolveDiagnostics, dwave_timing_seconds
from backends.samplers.interrupt import interruptible
from backends.samplers.parallel import (
    choose_copies,
    disjoint_cliques,
    embed_tiled,
    mean_chain_breaks,
    unembed_tiled,
)
from backends.samplers.qpu_noise import NoisyAnneal, QPUNoise, resolve_noise

__all__ = ["QPUSampler", "QPUSpec", "clique_capacity", "forget_embeddings"]

# Clique embeddings by (graph fingerprint, number of variables), shared by every
# QPUSampler in the process so that clones in a grid search never re-embed.
_EMBEDDINGS: dict[tuple[str, int], dict] = {}
_CAPACITY: dict[str, int] = {}
_LOCK = threading.RLock()
# Reverse-annealing options that MockDWaveSampler accepts but does not emulate.
_MOCK_IGNORED = frozenset({"initial_state", "anneal_schedule", "reinitialize_state"})

#: Seconds a client waits per QPU call beyond the access time it is billed,
#: queueing excluded: the round trip D-Wave's Leap clients see, about 0.2 s
#: or more per call (DESIGN: "The real QPU: analog noise, chains and round trips").
DEFAULT_LATENCY = 0.2

#: The sample parameters of an Advantage QPU solver, as dwave-system's
#: DWaveSampler lists them (and MockDWaveSampler mirrors). Asking a real
#: solver for its list opens a connection, and ``parameters`` must not.
QPU_SOLVER_PARAMETERS = (
    "anneal_offsets",
    "anneal_schedule",
    "annealing_time",
    "answer_mode",
    "auto_scale",
    "fast_anneal",
    "flux_biases",
    "flux_drift_compensation",
    "h_gain_schedule",
    "initial_state",
    "label",
    "num_reads",
    "programming_thermalization",
    "readout_thermalization",
    "reduce_intersample_correlation",
    "reinitialize_state",
)


@dataclass(frozen=True)
class QPUSpec:
    """How to reach the structured sampler. Holds no credentials.

    ``kind="qpu"`` is dwave-system's DWaveSampler (``solver`` picks one by
    name or feature filter); ``kind="mock"`` is its MockDWaveSampler on a
    Pegasus graph of ``topology_shape`` (16 is the Advantage size), whose
    stand-in for the quantum anneal is simulated annealing of the embedded,
    physical problem for ``num_sweeps`` sweeps, under the QPU's analog
    errors (``noise``: :func:`~backends.samplers.qpu_noise.resolve_noise`;
    by default D-Wave's published figures, since the mock is there to tell a
    user what a QPU will do; ``noise=0`` anneals the problem exactly as
    programmed) on the chip ``chip_seed`` (its per-qubit gains).
    ``copies`` is how many working sets of a decomposed fit share one call,
    each on its own clique of the chip (1; "auto": as many as fit).
    ``latency`` is what one call costs the client beyond its QPU access
    time (network, the solver's queue-free overhead): each call's estimated
    wall clock is its estimated access time plus ``latency``, to plan an
    allocation before spending it.
    """

    kind: str = "qpu"
    solver: str | None = None
    topology_shape: int = 16
    num_sweeps: int = 1000
    polling_timeout: float | None = None
    request_timeout: float | None = None
    noise: QPUNoise | float | None = None
    chip_seed: int = 0
    latency: float = DEFAULT_LATENCY
    copies: int | str = 1

    def __post_init__(self) -> None:
        copies = self.copies
        if copies != "auto" and (
            not isinstance(copies, (int, np.integer)) or isinstance(copies, bool) or copies < 1
        ):
            raise ValueError(f"copies must be a whole number >= 1 or 'auto'; got {copies!r}")
        latency = self.latency
        if (
            not isinstance(latency, Real)
            or isinstance(latency, bool)
            or not np.isfinite(latency)
            or latency < 0
        ):
            raise ValueError(
                f"latency must be the seconds a QPU call takes the client beyond its access "
                f"time, a finite number >= 0; got {latency!r}"
            )
        if self.kind != "mock" and self.noise is not None:
            raise ValueError(
                f"noise models a QPU's errors on the mock only; a real QPU has its own "
                f"(got noise={self.noise!r} for kind={self.kind!r})"
            )
        if self.kind == "mock":
            # Refused here, before any embedding or call, with the field named.
            object.__setattr__(self, "noise", resolve_noise(self.noise))

    def client_config(self) -> dict:
        """dwave-cloud-client's options of this spec: the solver and the two timeouts.

        ``polling_timeout`` bounds the seconds a call waits for the QPU's
        answer (a problem stuck in Leap's queue otherwise blocks for ever),
        ``request_timeout`` each HTTP request; both are the cloud client's own.
        """
        names = ("solver", "polling_timeout", "request_timeout")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


@lru_cache(maxsize=8)
def _child(spec: QPUSpec) -> dimod.Sampler:
    """One structured sampler per spec and process: connecting to a solver costs seconds."""
    system = require_dwave_system()
    if spec.kind == "mock":
        from dwave.samplers import SimulatedAnnealingSampler
        from dwave.system.testing import MockDWaveSampler

        if spec.noise.is_ideal:  # the problem annealed exactly as programmed
            return MockDWaveSampler(
                topology_type="pegasus",
                topology_shape=[spec.topology_shape],
                substitute_sampler=SimulatedAnnealingSampler(),
                substitute_kwargs={"num_sweeps": spec.num_sweeps},
            )
        return MockDWaveSampler(
            topology_type="pegasus",
            topology_shape=[spec.topology_shape],
            substitute_sampler=NoisyAnneal(
                spec.noise, num_sweeps=spec.num_sweeps, chip_seed=spec.chip_seed
            ),
            # No noise-free ground state slipped into the reads of small problems.
            exact_solver_cutoff=0,
        )
    require_credentials()
    config = spec.client_config()
    return call_remote(
        lambda: system.DWaveSampler(**config),
        f"could not reach a D-Wave QPU solver{f' {spec.solver!r}' if spec.solver else ''}",
    )


@lru_cache(maxsize=16)
def _fingerprint(sampler: dimod.Structured) -> str:
    """Identify a working graph by its qubits and couplers (dead qubits change it).

    Cached per sampler object: a fit asks twice (capacity and embedding), and
    sorting an Advantage's ~40,000 couplers each time is wasted work.
    """
    digest = hashlib.sha256()
    digest.update(np.sort(np.asarray(sampler.nodelist, dtype=np.int64)).tobytes())
    edges = np.sort(np.asarray(sampler.edgelist, dtype=np.int64), axis=1)
    digest.update(edges[np.lexsort(edges.T[::-1])].tobytes())
    return digest.hexdigest()[:20]


def forget_embeddings() -> None:
    """Drop every cached clique embedding: the next fit of each size embeds afresh.

    For measuring what finding an embedding costs (experiments/benchmarks/mock_qpu.py).
    """
    with _LOCK:
        _EMBEDDINGS.clear()


def clique_capacity(sampler: dimod.Structured) -> int:
    """Size of the largest clique that embeds on the sampler's working graph."""
    from minorminer import busclique

    key = _fingerprint(sampler)
    with _LOCK:
        if key not in _CAPACITY:
            graph = sampler.to_networkx_graph()
            _CAPACITY[key] = len(busclique.busgraph_cache(graph).largest_clique())
        return _CAPACITY[key]


class QPUSampler(dimod.Sampler):
    """A D-Wave QPU (or the mock) behind a clique embedding that is found once per size.

    The QSVR and QSVC QUBOs are dense, so the embedding is a clique
    embedding (minorminer's busclique, as DWaveCliqueSampler uses); it is
    cached per working graph and problem size and applied with
    FixedEmbeddingComposite. Before anything is submitted the number of
    logical variables is checked against the largest clique the graph
    holds. Chain strength defaults to uniform torque compensation.

    Credentials are never held here: the child sampler reads them from
    Ocean's configuration, and it is dropped when the sampler is pickled.

    Parameters
    ----------
    spec : QPUSpec
        Which sampler to reach.
    name : str
        Name used in messages ("qpu" or "mock-qpu").

    Examples
    --------
    >>> import dimod
    >>> sampler = QPUSampler(QPUSpec(kind="mock"), name="mock-qpu")
    >>> bqm = dimod.BinaryQuadraticModel({0: -1, 1: -1, 2: 1}, {(0, 1): 2, (1, 2): -1}, 0, "BINARY")
    >>> float(sampler.sample(bqm, num_reads=20).first.energy)
    -1.0
    """

    def __init__(self, spec: QPUSpec, *, name: str = "qpu") -> None:
        self.spec = spec
        self.name = name
        self._composites: dict[int, dimod.Sampler] = {}

    def __getstate__(self) -> dict:
        # The child holds a cloud client (and through it the token): never pickle it.
        return {"spec": self.spec, "name": self.name}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["spec"], name=state["name"])

    def __repr__(self) -> str:
        return f"QPUSampler({self.spec!r}, name={self.name!r})"

    @property
    def child(self) -> dimod.Sampler:
        return _child(self.spec)

    @property
    def parameters(self) -> dict:
        """The options of :meth:`sample`: hqml's own and the QPU solver's (no connection)."""
        own = {"num_reads": [], "chain_strength": [], "postprocess": []}
        if self.spec.kind == "mock":
            own["seed"] = []  # seeds the mock's substitute anneal: reproducible offline fits
        return {**own, **{name: [] for name in QPU_SOLVER_PARAMETERS}}

    @property
    def properties(self) -> dict:
        # Only what the spec says: no connection and no embedding search here
        # (the child's properties and ``capacity`` each cost one).
        return {
            "kind": self.spec.kind,
            "solver": self.spec.solver,
            "topology_shape": self.spec.topology_shape if self.spec.kind == "mock" else None,
        }

    @property
    def capacity(self) -> int:
        """Largest number of fully connected logical variables this sampler takes."""
        return clique_capacity(self.child)

    def _embedding(self, n: int) -> tuple[dict, bool, float]:
        from minorminer import busclique

        key = (_fingerprint(self.child), n)
        with _LOCK:
            if key in _EMBEDDINGS:
                return _EMBEDDINGS[key], True, 0.0
        start = time.perf_counter()
        embedding = busclique.find_clique_embedding(n, self.child.to_networkx_graph())
        seconds = time.perf_counter() - start
        if len(embedding) != n:
            raise BackendCapacityError(self._capacity_message(n))
        with _LOCK:
            _EMBEDDINGS[key] = embedding
        return embedding, False, seconds

    def _capacity_message(self, n: int) -> str:
        return (
            f"the QUBO has {n} logical variables, but the largest clique that embeds on "
            f"the {self.name} working graph holds {self.capacity}"
        )

    def diagnostics(self, sampleset: dimod.SampleSet) -> SolveDiagnostics:
        """Parse what :meth:`sample` wrote into ``info``: embedding, chain breaks, QPU time."""
        info = sampleset.info
        embedding = info.get("embedding", {})
        return SolveDiagnostics(
            qpu_access_seconds=dwave_timing_seconds(info),
            chain_break_fraction=info.get("chain_break_fraction"),
            physical_qubits=embedding.get("physical_qubits"),
            max_chain_length=embedding.get("max_chain_length"),
            embedding_seconds=embedding.get("embedding_seconds"),
            embedding_reused=embedding.get("reused"),
            estimated_qpu_access_seconds=info.get("estimated_qpu_access_seconds"),
            estimated_wall_seconds=info.get("estimated_wall_seconds"),
        )

    def _check_parameters(self, parameters: dict) -> None:
        check_sample_options(self, parameters, repr(self.name))

    def sample(
        self,
        bqm: dimod.BinaryQuadraticModel,
        *,
        num_reads: int = 100,
        chain_strength=None,
        postprocess: str | None = "steepest",
        seed: int | None = None,
        **parameters,
    ) -> dimod.SampleSet:
        """Embed ``bqm`` on the clique, sample it, unembed and post-process.

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel
            A dense problem of at most :attr:`capacity` variables.
        num_reads : int, default=100
            Anneals (reads) on the QPU.
        chain_strength : float or callable, optional
            A number, or ``f(bqm, embedding)`` as dwave-system takes (e.g. a
            multiple of uniform torque compensation).
            Default: uniform torque compensation.
        postprocess : {"steepest"} or None, default="steepest"
            Greedy descent of every unembedded sample on the logical problem.
        seed : int, optional
            Mock only: seed of the substitute anneal, so that an offline fit
            is reproducible. A QPU has no seed.
        **parameters
            Further options of the solver, e.g. ``annealing_time``, or
            reverse annealing's ``initial_state``, ``anneal_schedule`` and
            ``reinitialize_state`` (in the logical problem's labels).

        Returns
        -------
        dimod.SampleSet
            Logical samples; ``info`` holds ``embedding``,
            ``chain_break_fraction``, ``chain_strength`` and the timing.
        """
        if seed is not None and self.spec.kind != "mock":
            raise ValueError(f"a QPU takes no seed; got seed={seed!r} for {self.name}")
        self._check_parameters(parameters)
        if bqm.num_variables == 0:  # nothing to embed: the one empty sample, as dimod expects
            return dimod.SampleSet.from_samples_bqm((np.empty((1, 0), dtype=np.int8), []), bqm)
        if bqm.num_variables > self.capacity:
            raise BackendCapacityError(self._capacity_message(bqm.num_variables))
        system = require_dwave_system()

        embedding, reused, embed_seconds = self._embedding(bqm.num_variables)
        labels = list(bqm.variables)
        logical = {labels[i]: chain for i, chain in embedding.items()}
        composite = self._composite(system, bqm.num_variables, logical)
        chain_strength = _chain_strength(chain_strength, bqm, logical)

        def call() -> dimod.SampleSet:
            with self._mock_call(seed, parameters):
                answer = composite.sample(
                    bqm,
                    num_reads=num_reads,
                    chain_strength=chain_strength,
                    return_embedding=True,
                    **parameters,
                )
                answer.resolve()
                return answer

        sampleset = call_remote(
            call,
            f"the {self.name} call failed",
            "the network, the solver or its time limit may be at fault; retry",
        )
        sampleset.info.pop("embedding_context", None)  # the full embedding: too big for info
        sampleset.info["chain_strength"] = float(chain_strength)
        if self.spec.kind == "mock" and "initial_state" in parameters:
            sampleset.info["reverse_anneal"] = "sent; the mock's substitute anneal ignores it"
        sampleset = self._with_diagnostics(sampleset, logical, reused, embed_seconds)
        qubits = sampleset.info["embedding"]["physical_qubits"]
        estimate = self.estimate_access_seconds(qubits, num_reads, parameters)
        sampleset.info["estimated_qpu_access_seconds"] = estimate
        sampleset.info["estimated_wall_seconds"] = estimate + float(self.spec.latency)
        return _postprocess(bqm, sampleset, postprocess)

    def parallel_copies(self, n_variables: int) -> int:
        """Problems of ``n_variables`` one call takes, each on its own clique (``copies``).

        The sampler protocol's member for several working sets per call
        (:mod:`backends.samplers.protocol`); 1 unless the sampler was built with
        ``copies`` ("auto": every disjoint clique the chip holds). Refuses more
        than the chip holds before any call.
        """
        if self.spec.copies == 1 or n_variables > self.capacity:
            return 1
        found = self._cliques(n_variables)
        qubits = len(self.child.nodelist)
        return choose_copies(self.spec.copies, found, qubits, n_variables, self.name)

    def _cliques(self, n: int) -> list[dict]:
        child = self.child
        return disjoint_cliques(_fingerprint(child), child.to_networkx_graph, n)

    def sample_multiple(
        self,
        bqms: list[dimod.BinaryQuadraticModel],
        *,
        num_reads: int = 100,
        chain_strength=None,
        postprocess: str | None = "steepest",
        seed: int | None = None,
        initial_states: list | None = None,
        **parameters,
    ) -> list[dimod.SampleSet]:
        """Several problems of one size in one call, each on its own clique embedding.

        One programming, one set of reads, one round trip; each problem gets
        its own chain strength (uniform torque compensation) and, under
        ``auto_scale``, its own normalisation into the QPU's ranges. With
        ``initial_states`` (one bit vector per problem, in its variables'
        order) the call reverse-anneals every copy from its state. Returns
        one SampleSet per problem; each ``info`` describes the whole call.
        """
        cliques = self._check_multiple(bqms, seed, parameters, initial_states)
        require_dwave_system()

        logical = [
            {list(bqm.variables)[i]: chain for i, chain in clique.items()}
            for bqm, clique in zip(bqms, cliques, strict=False)
        ]
        strengths = [
            _chain_strength(chain_strength, bqm, emb)
            for bqm, emb in zip(bqms, logical, strict=True)
        ]
        properties = self.child.properties
        scaled = parameters.get("auto_scale", True)
        tiled = embed_tiled(
            bqms, logical, strengths, self.child.adjacency,
            h_range=properties["h_range"] if scaled else None,
            j_range=properties["j_range"] if scaled else None,
        )  # fmt: skip
        if initial_states:
            parameters["initial_state"] = _physical_state(bqms, logical, initial_states)
        answer = self._tiled_call(tiled, num_reads, seed, parameters)
        answers = unembed_tiled(answer, bqms, logical)
        info = self._call_info(answer, logical, answers, strengths, num_reads, parameters)
        for a in answers:
            a.info.update(info)
        return [_postprocess(b, a, postprocess) for b, a in zip(bqms, answers, strict=True)]

    def _check_multiple(self, bqms, seed, parameters: dict, initial_states) -> list[dict]:
        """Refuse a tiled call before it is built; the cliques it will use."""
        if seed is not None and self.spec.kind != "mock":
            raise ValueError(f"a QPU takes no seed; got seed={seed!r} for {self.name}")
        self._check_parameters({**parameters, **({"initial_state": 1} if initial_states else {})})
        n = bqms[0].num_variables
        if any(b.num_variables != n for b in bqms) or n > self.capacity:
            raise BackendCapacityError(
                f"sample_multiple takes problems of one size, each at most {self.capacity} "
                f"variables; got sizes {sorted({b.num_variables for b in bqms})}"
            )
        cliques = self._cliques(n)
        if len(bqms) > len(cliques):
            raise BackendCapacityError(
                f"{len(bqms)} problems of {n} variables need as many disjoint cliques; the "
                f"{self.name} working graph holds {len(cliques)}"
            )
        return cliques

    def _tiled_call(self, tiled, num_reads: int, seed, parameters: dict) -> dimod.SampleSet:
        def call() -> dimod.SampleSet:
            with self._mock_call(seed, parameters):
                answer = self.child.sample(tiled, num_reads=num_reads, **parameters)
                answer.resolve()
                return answer

        return call_remote(
            call,
            f"the {self.name} call failed",
            "the network, the solver or its time limit may be at fault; retry",
        )

    def _call_info(self, answer, logical, answers, strengths, num_reads, parameters) -> dict:
        """What one tiled call reports, the same on each problem's answer."""
        chains = [len(chain) for emb in logical for chain in emb.values()]
        qubits = int(sum(chains))
        estimate = self.estimate_access_seconds(qubits, num_reads, parameters)
        return {
            "timing": answer.info.get("timing", {}),
            "embedding": {
                "physical_qubits": qubits,
                "max_chain_length": int(max(chains)),
                "reused": True,
                "embedding_seconds": 0.0,
                "copies": len(logical),
            },
            "chain_break_fraction": mean_chain_breaks(answers),
            "chain_strength": float(np.mean(strengths)),
            "estimated_qpu_access_seconds": estimate,
            "estimated_wall_seconds": estimate + float(self.spec.latency),
        }

    def estimate_access_seconds(self, qubits: int, num_reads: int, parameters: dict) -> float:
        """The QPU access time D-Wave's published timing model gives for one call, in seconds.

        Programming (with its thermalisation), then per read the anneal,
        the readout (a function of the qubits used) and the delay, with the
        reverse-annealing deltas where ``initial_state`` is sent: dwave-cloud-
        client's ``estimate_qpu_access_time``, fed with the solver's own
        ``problem_timing_data``. The mock has none, so it is given the timing
        data of an Advantage system that the cloud client ships for its mocks
        (Advantage_system4.1, August 2022): an offline fit then reports what a
        real Advantage would bill for it.
        """
        from dwave.cloud.solver import StructuredSolver

        keys = (
            "annealing_time",
            "anneal_schedule",
            "initial_state",
            "reinitialize_state",
            "programming_thermalization",
            "readout_thermalization",
            "reduce_intersample_correlation",
        )
        options = {k: parameters[k] for k in keys if k in parameters}
        solver = getattr(self.child, "solver", None)
        if self.spec.kind != "mock" and solver is not None:
            return solver.estimate_qpu_access_time(qubits, num_reads=num_reads, **options) / 1e6
        from dwave.cloud.testing.mocks import qpu_problem_timing_data

        timing = SimpleNamespace(properties={"problem_timing_data": qpu_problem_timing_data()})
        micro = StructuredSolver.estimate_qpu_access_time(
            timing, qubits, num_reads=num_reads, **options
        )
        return float(micro) / 1e6

    def _composite(self, system, size: int, logical: dict) -> dimod.Sampler:
        """The FixedEmbeddingComposite of this size's clique, built once."""
        composite = self._composites.get(size)
        if composite is None or composite.embedding != logical:
            composite = system.FixedEmbeddingComposite(self.child, logical)
            self._composites[size] = composite
        return composite

    @contextlib.contextmanager
    def _mock_call(self, seed: int | None, parameters: dict):
        """Seed the mock's substitute anneal for one call; silence what it cannot mock.

        The mock stands in for the QPU's interface, not its physics: reverse
        annealing's options reach it along the real code path (embedded by
        FixedEmbeddingComposite), and it warns that it ignores them. That is
        known and recorded in the info, so the warning is not repeated per
        round. Its substitute sampler and defaults are left as they are;
        only the seed and the Ctrl-C check are set, under the lock, since the
        child is shared. The substitute anneal runs its reads in C++: without
        the check, Ctrl-C waited for the whole call.
        """
        if self.spec.kind != "mock":
            yield
            return
        child = self.child
        with _LOCK, warnings.catch_warnings(), interruptible() as stop:
            for name in _MOCK_IGNORED & set(parameters):
                warnings.filterwarnings("ignore", message=f"'{name}' parameter is valid")
            saved = dict(child.substitute_kwargs)
            child.substitute_kwargs = {**saved, "interrupt_function": stop}
            if seed is not None:
                child.substitute_kwargs["seed"] = seed
            try:
                yield
            finally:
                child.substitute_kwargs = saved

    @staticmethod
    def _with_diagnostics(sampleset, embedding, reused, embed_seconds) -> dimod.SampleSet:
        chains = [len(chain) for chain in embedding.values()]
        record = sampleset.record
        breaks = getattr(record, "chain_break_fraction", np.zeros(len(record)))
        sampleset.info["embedding"] = {
            "physical_qubits": int(sum(chains)),
            "max_chain_length": int(max(chains)),
            "reused": reused,
            "embedding_seconds": embed_seconds,
        }
        sampleset.info["chain_break_fraction"] = float(
            np.average(breaks, weights=record.num_occurrences)
        )
        return sampleset


def _physical_state(bqms, embeddings: list[dict], states: list) -> dict:
    """The qubits' start state of a tiled reverse anneal: each problem's bits on its chains."""
    return {
        q: int(state[i])
        for bqm, embedding, state in zip(bqms, embeddings, states, strict=True)
        for i, v in enumerate(bqm.variables)
        for q in embedding[v]
    }


def _chain_strength(given, bqm: dimod.BinaryQuadraticModel, embedding: dict) -> float:
    """The chain strength of one problem: given, computed by a given rule, or D-Wave's default."""
    from dwave.embedding.chain_strength import uniform_torque_compensation

    if given is None:
        return float(uniform_torque_compensation(bqm, embedding))
    return float(given(bqm, embedding) if callable(given) else given)


def _postprocess(
    bqm: dimod.BinaryQuadraticModel, sampleset: dimod.SampleSet, method: str | None
) -> dimod.SampleSet:
    """Greedy descent of every unembedded sample on the logical problem.

    Chain breaks and the analogue noise of a QPU leave samples a few flips
    above a local minimum; steepest descent (dwave-samplers) removes exactly
    that and can only lower each sample's energy. ``None`` keeps raw samples.
    """
    if method is None:
        return sampleset
    if method != "steepest":
        raise ValueError(f"postprocess must be 'steepest' or None; got {method!r}")
    from dwave.samplers import SteepestDescentSolver

    polished = SteepestDescentSolver().sample(bqm, initial_states=sampleset)
    info = dict(sampleset.info)
    info["postprocess"] = "steepest"
    info["raw_best_energy"] = float(sampleset.first.energy)
    vectors = {"chain_break_fraction": sampleset.record.chain_break_fraction}
    return dimod.SampleSet.from_samples(
        (polished.record.sample, polished.variables),
        vartype=bqm.vartype,
        energy=polished.record.energy,
        info=info,
        num_occurrences=sampleset.record.num_occurrences,
        **vectors,
    )
