"""The training algorithm: working sets, refinement rounds, trust region, polish and searches.

It sits between the estimators (``qml``) and the problem (``qubo``) and
its solvers (``backends``): given a dual, it decides which QUBOs to send
to the backend and turns the answers into the dual's solution.

- :mod:`training.working_sets`: decomposition of a large dual into
  working sets whose QUBOs fit one backend call;
- :mod:`training.columns`: kernel columns on demand, in a bounded cache;
- :mod:`training.rounds`: successive approximation of one program by
  same-size QUBOs;
- :mod:`training.trust_region`: the boxes between rounds;
- :mod:`training.searches`: exact line and subspace searches along the
  annealer's moves;
- :mod:`training.polish`: the KKT solve on an annealer's active set;
- :mod:`training.sampler`: one sampler session per fit;
- :mod:`training.tolerances`: ``tol`` at the dual's own scale;
- :mod:`training.certificate`: a solution's KKT violation and gap bound;
- :mod:`training.solve`: the entry points and their result type.
"""

from training.certificate import Certificate, certify
from training.columns import KernelColumnError, KernelColumns
from training.sampler import BackendFallbackWarning, SamplerSession
from training.settings import SolveSettings
from training.solve import (
    SA_WHOLE_LIMIT,
    SA_WORKING_SET,
    QuboSolution,
    resolve_working_set_size,
    solve_decomposed,
    solve_program,
)
from training.tolerances import Tolerances

__all__ = [
    "SA_WHOLE_LIMIT",
    "SA_WORKING_SET",
    "BackendFallbackWarning",
    "Certificate",
    "KernelColumnError",
    "KernelColumns",
    "QuboSolution",
    "SamplerSession",
    "SolveSettings",
    "Tolerances",
    "certify",
    "resolve_working_set_size",
    "solve_decomposed",
    "solve_program",
]
