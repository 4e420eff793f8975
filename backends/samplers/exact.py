"""Brute-force solver, guarded against sizes it cannot enumerate."""

from __future__ import annotations

import dimod

__all__ = ["BoundedExactSolver", "MAX_EXACT_VARIABLES"]

MAX_EXACT_VARIABLES = 24


class BoundedExactSolver(dimod.ExactSolver):
    """dimod's ExactSolver, refusing problems of more than 24 variables.

    ExactSolver enumerates all ``2**n`` states in memory; beyond 24 variables
    that is gigabytes and minutes, so the size is checked before it starts.

    Examples
    --------
    >>> import dimod
    >>> bqm = dimod.BinaryQuadraticModel({0: -1}, {}, 0, "BINARY")
    >>> float(BoundedExactSolver().sample(bqm).first.energy)
    -1.0
    """

    #: A check of small problems by brute force: a whole dual goes to it as
    #: one QUBO (enumerating 24 variables for each of thousands of working
    #: sets would take hours), and it refuses one beyond its capacity.
    solves_whole_duals = True

    @property
    def capacity(self) -> int:
        """Variables one call takes (as a QPU sampler's ``capacity``)."""
        return MAX_EXACT_VARIABLES

    def sample(self, bqm: dimod.BinaryQuadraticModel, **kwargs) -> dimod.SampleSet:
        """Every state of ``bqm`` with its energy, after checking that they fit.

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel
            At most 24 variables.
        **kwargs
            Options of ``dimod.ExactSolver.sample`` (none are used).

        Returns
        -------
        dimod.SampleSet
            All ``2**n`` states.
        """
        if bqm.num_variables > MAX_EXACT_VARIABLES:
            raise ValueError(
                f"the 'exact' backend enumerates 2**n states and accepts at most "
                f"{MAX_EXACT_VARIABLES} variables; this QUBO has {bqm.num_variables}. "
                "Use a smaller problem, or the 'sa', 'tabu' or 'steepest' sampler."
            )
        return super().sample(bqm, **kwargs)
