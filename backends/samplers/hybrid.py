"""Leap's hybrid BQM solver, reached with Ocean's own credentials."""

from __future__ import annotations

import dimod

from backends.errors import call_remote, require_credentials, require_dwave_system
from backends.samplers.checks import check_sample_options

__all__ = ["HybridSampler"]


class HybridSampler(dimod.Sampler):
    """dwave-system's LeapHybridSampler, created on first use and never pickled.

    It takes QUBOs far beyond a QPU's clique capacity. Parameters are those
    of ``LeapHybridSampler.sample`` (``time_limit`` in seconds).

    Parameters
    ----------
    solver : str, optional
        Name of the hybrid solver; the default picks Leap's BQM solver.
    """

    #: Leap's hybrid solver takes QUBOs far beyond a QPU's: a whole dual is one call.
    solves_whole_duals = True

    def __init__(self, *, solver: str | None = None) -> None:
        self.solver = solver
        self._child = None

    def __getstate__(self) -> dict:
        return {"solver": self.solver}  # the client (and its token) stays behind

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def __repr__(self) -> str:
        return f"HybridSampler(solver={self.solver!r})"

    @property
    def child(self) -> dimod.Sampler:
        if self._child is None:
            system = require_dwave_system()
            require_credentials()
            config = {"solver": self.solver} if self.solver else {}
            self._child = call_remote(
                lambda: system.LeapHybridSampler(**config), "could not reach Leap's hybrid solver"
            )
        return self._child

    @property
    def parameters(self) -> dict:
        """``time_limit`` (seconds), known without a connection."""
        return {"time_limit": []}

    @property
    def properties(self) -> dict:
        """The solver asked for; the solver's own properties would cost a connection."""
        return {"solver": self.solver}

    def sample(self, bqm: dimod.BinaryQuadraticModel, **parameters) -> dimod.SampleSet:
        """Solve ``bqm`` on Leap's hybrid BQM solver.

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel
            Any size the solver accepts.
        **parameters
            ``time_limit`` in seconds (Leap's minimum applies when omitted).

        Returns
        -------
        dimod.SampleSet
            The solver's answer, resolved; ``info`` holds Leap's timing in
            microseconds (``qpu_access_time``, ``run_time``).
        """
        check_sample_options(self, parameters, "'hybrid'")
        child = self.child

        def call() -> dimod.SampleSet:
            answer = child.sample(bqm, **parameters)
            answer.resolve()
            return answer

        return call_remote(
            call,
            "the hybrid solver call failed",
            "the network, the solver or its time limit may be at fault; retry",
        )
