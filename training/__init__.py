"""The training algorithm: working sets, refinement rounds, trust region, polish and searches.

It sits between the estimators (above) and the problem (``qubo``) and its
solvers (``backends``): given one :class:`TrainingRequest`, :func:`solve`
decides which QUBOs to send to the backend and returns the dual's solution
with its intercept and certificate (:class:`DualSolution`).

- :mod:`training.solve`: the entry point; whole or decomposed;
- :mod:`training.settings`: the request and its settings;
- :mod:`training.solution`: the result type;
- :mod:`training.working_sets`: decomposition of a large dual into
  working sets whose QUBOs fit one backend call;
- :mod:`training.parallel_sets`: several disjoint working sets per call
  (a QPU's disjoint cliques), their moves combined exactly;
- :mod:`training.columns`: kernel columns on demand, in a bounded cache;
- :mod:`training.guards`: the memory a solve will hold and the kernel's
  symmetry, checked first;
- :mod:`training.rounds`: successive approximation of one dual by
  same-size QUBOs;
- :mod:`training.trust_region`: the boxes between rounds;
- :mod:`training.searches`: exact line and subspace searches along the
  annealer's moves;
- :mod:`training.polish`: the KKT solve on an annealer's active set;
- :mod:`training.sampler`: one sampler session per fit;
- :mod:`training.tolerances`: ``tol`` at the dual's own scale;
- :mod:`training.certificate`: a solution's KKT violation and gap bound.
"""

from training._warnings import warn_at_caller
from training.certificate import Certificate, certify
from training.columns import KernelColumnError, KernelColumns
from training.sampler import BackendFallbackWarning
from training.settings import SolveSettings, TrainingData, TrainingRequest
from training.solution import DualSolution
from training.solve import SA_WHOLE_LIMIT, SA_WORKING_SET, solve
from training.tolerances import Tolerances

__all__ = [
    "SA_WHOLE_LIMIT",
    "SA_WORKING_SET",
    "BackendFallbackWarning",
    "Certificate",
    "DualSolution",
    "KernelColumnError",
    "KernelColumns",
    "SolveSettings",
    "Tolerances",
    "TrainingData",
    "TrainingRequest",
    "certify",
    "solve",
    "warn_at_caller",
]
