"""One sampler for a whole fit: every QUBO call of every round and working set goes through it.

It holds the backend, the warm-start options, the fallback to simulated
annealing (only when asked for) and what each call reported: diagnostics,
the number of calls and the seconds spent in the sampler.
"""

from __future__ import annotations

import time

import dimod
import numpy as np

from backends import (
    BackendUnavailableError,
    SamplerTraits,
    SolveDiagnostics,
    check_memory,
    check_sample_options,
    check_sampleset,
    get_sampler,
    read_diagnostics,
    sampler_traits,
    split_backend_options,
    warm_start_options,
)
from training._warnings import warn_at_caller
from training.settings import SolveSettings

__all__ = ["BackendFallbackWarning", "SamplerSession"]

#: Copies of a call's samples alive at once (8-byte states): the sampler's
#: states, the sample set, the decoded and ranked coefficients. Measured: 200,000
#: reads of 40 variables grew the resident set by 188 MiB, 3.1 such copies.
_READ_COPIES = 4


class BackendFallbackWarning(UserWarning):
    """The requested backend failed and, as asked by ``fallback``, another one was used."""


class SamplerSession:
    """One sample call per refinement round, warm-started where the sampler allows it.

    Holds the sampler for the whole fit; when the backend cannot be reached
    and ``fallback="sa"`` asks for it, switches to simulated annealing for
    this and every later round and remembers that it did. Collects each
    round's diagnostics as the sampler parsed them.
    """

    def __init__(self, settings: SolveSettings, rng: np.random.RandomState) -> None:
        self.backend = settings.backend
        self.num_reads = settings.num_reads
        self.fallback = settings.fallback
        self.rng = rng
        self.fell_back = False
        self.diagnostics: list[SolveDiagnostics] = []
        #: Sample calls made, and the seconds spent inside them.
        self.calls = 0
        self.seconds = 0.0
        self._reads_checked: set[int] = set()
        self.name = (
            repr(self.backend) if isinstance(self.backend, str) else type(self.backend).__name__
        )
        init, self.options = split_backend_options(self.backend, settings.backend_options)
        if "num_reads" in self.options:
            # The estimator's own parameter: a second value here would win in silence.
            given = self.options["num_reads"]
            raise ValueError(
                f"backend_options sets num_reads={given!r}, but num_reads is the estimator's "
                f"own parameter (now {self.num_reads}); set num_reads={given!r} on the "
                "estimator and leave it out of backend_options"
            )
        failure = None
        try:
            self.sampler = get_sampler(self.backend, **init)
        except BackendUnavailableError as error:
            failure = error
        # Handled after the except block, so that no raised error chains to it.
        if failure is not None:
            self._fall_back(failure)
            return
        check_sample_options(self.sampler, self.options, self.name)

    @property
    def traits(self) -> SamplerTraits:
        """What the sampler declares of hqml's sampler protocol (capacity, warm starts, ...)."""
        return sampler_traits(self.sampler)

    def _fall_back(self, error: BackendUnavailableError) -> None:
        if self.fallback != "sa":
            # The backend said what failed; the estimator says what the user may do.
            raise BackendUnavailableError(
                f"{error}; or pass fallback='sa' to fall back to simulated annealing on purpose"
            )
        warn_at_caller(
            f"backend {self.backend!r} failed ({error}); using simulated "
            "annealing because fallback='sa' was given",
            BackendFallbackWarning,
        )
        self.sampler, self.options, self.fell_back = get_sampler("sa"), {}, True
        self.name = "'sa'"

    def __call__(
        self, bqm: dimod.BinaryQuadraticModel, warm_bits, effort: int = 1
    ) -> tuple[dimod.SampleSet, bool]:
        seed = int(self.rng.randint(np.iinfo(np.int32).max))
        started = time.perf_counter()
        failure = None
        try:
            sampleset, warm = self._call(bqm, warm_bits, seed, effort)
        except BackendUnavailableError as error:
            if self.fell_back:
                raise
            failure = error
        if failure is not None:  # outside the except block: nothing chains to the failure
            self._fall_back(failure)
            sampleset, warm = self._call(bqm, warm_bits, seed, effort)
        self._record(sampleset, started)
        return sampleset, warm

    def _record(self, sampleset: dimod.SampleSet, started: float) -> None:
        """One call's diagnostics, its count and its seconds (a tiled call counts once)."""
        self.diagnostics.append(read_diagnostics(self.sampler, sampleset))
        self.calls += 1
        self.seconds += time.perf_counter() - started

    def _check_reads(self, n_variables: int) -> None:
        """Refuse, before the sampler allocates them, reads that memory cannot hold.

        A sample set holds every read's states (8 bytes a variable in
        dwave-samplers' arrays), and the rounds decode and rank a copy of it:
        ``num_reads=10**9`` on 20 variables asked numpy for 149 GiB. Checked
        once per QUBO size: a fit makes thousands of calls of one or two sizes.
        """
        if n_variables in self._reads_checked:
            return
        check_memory(
            _READ_COPIES * 8 * self.num_reads * n_variables,
            f"the sample set of num_reads={self.num_reads} on a QUBO of {n_variables} variables",
            "fewer reads (num_reads): refinement rounds need few, 5 by default",
        )
        self._reads_checked.add(n_variables)

    def copies(self, n_variables: int) -> int:
        """QUBOs of ``n_variables`` one call takes (the protocol's ``parallel_copies``; else 1)."""
        declared = getattr(self.sampler, "parallel_copies", None)
        return max(1, int(declared(n_variables))) if callable(declared) else 1

    def sample_many(self, requests: list[tuple]) -> list[tuple[dimod.SampleSet, bool]]:
        """Several rounds' QUBOs (``(bqm, warm_bits, effort)`` each) in one call, where it can.

        A sampler with ``sample_multiple`` (the protocol's several problems per
        call: a QPU's disjoint cliques) takes them at once, one programming
        and one round trip, warm-started (reverse anneal) only when every one
        of them has a start; any other sampler, or a single request, takes
        them one call each.
        """
        multiple = getattr(self.sampler, "sample_multiple", None)
        if len(requests) == 1 or not callable(multiple) or self.fell_back:
            return [self(*request) for request in requests]
        started = time.perf_counter()
        bqms = [request[0] for request in requests]
        self._check_reads(sum(bqm.num_variables for bqm in bqms))
        options = {"num_reads": self.num_reads, **self.options}
        if "seed" in self.sampler.parameters:
            options["seed"] = int(self.rng.randint(np.iinfo(np.int32).max))
        warm = all(request[1] is not None for request in requests)
        reverse = (
            warm_start_options(self.sampler, bqms[0], requests[0][1], num_reads=1) if warm else None
        )
        warm = reverse is not None and "anneal_schedule" in reverse
        if warm:
            options.pop("annealing_time", None)  # the reverse anneal's schedule sets it
            options.update(
                initial_states=[request[1] for request in requests],
                anneal_schedule=reverse["anneal_schedule"],
                reinitialize_state=True,
            )
        answers = multiple(bqms, **options)
        checked = [check_sampleset(a, b, self.name) for a, b in zip(answers, bqms, strict=True)]
        self._record(checked[0], started)
        return [(answer, warm) for answer in checked]

    def _call(self, bqm, warm_bits, seed: int, effort: int) -> tuple[dimod.SampleSet, bool]:
        parameters = self.sampler.parameters
        defaults = {}
        if "num_reads" in parameters:
            defaults["num_reads"] = self.num_reads
            self._check_reads(bqm.num_variables)
        if "seed" in parameters:
            defaults["seed"] = seed
        warm = None
        if warm_bits is not None:
            reads = defaults.get("num_reads", 1)
            warm = warm_start_options(self.sampler, bqm, warm_bits, num_reads=reads, effort=effort)
        options = {**defaults, **(warm or {}), **self.options}
        if warm and "anneal_schedule" in warm:
            # A QPU refuses annealing_time next to anneal_schedule: the reverse
            # anneal's schedule sets its own duration; cold rounds keep the user's.
            options.pop("annealing_time", None)
            options["anneal_schedule"] = warm["anneal_schedule"]
        answer = self.sampler.sample(bqm, **options)
        return check_sampleset(answer, bqm, self.name), warm is not None
