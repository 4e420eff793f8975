"""Docstring sections that QSVR and QSVC share, written once.

The classes assemble ``__doc__`` from these pieces with :func:`fill`, which
replaces ``{{name}}`` markers: the docstrings hold braces and percent signs
of their own, so neither ``str.format`` nor ``%`` formatting fits.
numpydoc, Sphinx and doctest read the assembled ``__doc__``.
"""

from __future__ import annotations

KERNEL_PARAMETERS = """\
    kernel : {"rbf", "linear", "poly", "sigmoid", "precomputed", "quantum", "projected"} \
or callable, default="rbf"
        Kernel, as in scikit-learn's SVC and SVR; a callable takes ``(X, Y)``
        and returns the Gram matrix. "quantum" is the fidelity kernel of
        ``feature_map``, "projected" its projected kernel
        (:class:`backends.kernels.ProjectedQuantumKernel`). A kernel object
        with a ``fit`` method (a projected or trainable kernel) is cloned and
        fitted on the training data in ``fit``, so that cross-validation
        never shows it a test fold.
    gamma : {"scale", "auto"} or float, default="scale"
        Kernel coefficient for "rbf", "poly" and "sigmoid", and the outer
        Gaussian's width of "projected" (there "scale" reads the variance of
        the training points' one-qubit expectation values)."""

QUANTUM_KERNEL_PARAMETERS = """\
    feature_map : {"zz", "z", "pauli"}, QuantumCircuit or qiskit-ml kernel, default="zz"
        Feature map of ``kernel="quantum"``: the fidelity kernel
        ``|<phi(x)|phi(y)>|**2`` (see :class:`backends.kernels.quantum.QuantumKernel`).
        A library map gets one qubit per feature, resolved in ``fit``.
    reps : int, default=2
        Repetitions of a library feature map.
    entanglement : str or list, default="full"
        Entanglement of a library feature map.
    bandwidth : "scale" or float, default="scale"
        Scale ``c`` of the features inside the quantum feature map (the
        circuit sees ``c * x``), against the exponential concentration of
        wide feature maps (Shaydulin & Wild 2022). "scale" uses
        ``0.1 / sqrt(n_features * X.var())`` (:func:`backends.kernels.quantum.scale_bandwidth`),
        the analogue of ``gamma="scale"``: the same kernel whether the
        features were scaled to ``[0, pi]`` or ``[0, 0.5]``.
    degree : int, default=3
        Degree of the "poly" kernel.
    coef0 : float, default=0.0
        Independent term of the "poly" and "sigmoid" kernels.
    C : float, default=1.0
        Upper bound of every coefficient."""

ROUND_PARAMETERS = """\
    max_iter : int, default=100
        Most refinement rounds. Round 1 solves the QUBO on ``[0, C]``; every
        later round encodes each coefficient on its own box around the
        previous solution (narrower where the coefficient lies inside it,
        moved where it sits on an edge), the equality constraint enters as an
        augmented Lagrangian whose multiplier moves between rounds, and the
        sampler starts from the previous solution where it takes initial
        states (``warm_start_`` says how). 1 with ``polish=False`` is the
        single shot of the papers.
    tol : float, default=1e-3
        Stop once the widest box is below ``tol * C``, the dual objective
        changed by at most ``tol * max(1, |objective|)`` and the equality
        constraint is violated by at most ``tol * C``; with ``polish``, also
        once libsvm's KKT condition holds to ``tol``.
    polish : bool, default=True
        After every round, take the active set the round's best solution
        names (each coefficient at 0, at C or free) and solve the KKT system
        of the dual on it, one linear system of the free coefficients
        (:func:`training.polish.polish`). When the result is feasible and meets
        libsvm's stopping condition at ``tol`` it is the optimum: it becomes
        the first solution and the rounds stop. The annealer decides the
        active set, the combinatorial part of the problem; the polish only
        resolves the continuous values on it, and fails (the rounds go on)
        when the annealer's set is wrong. False runs the annealer's rounds
        alone.
    working_set_size : int >= 2 or "auto", default="auto"
        Coefficients per working set. A dual with more coefficients than this
        (QSVR: ``2 * n_samples``, QSVC: the samples of a pair of classes) is
        decomposed as libsvm and SVMlight do: an outer loop picks the
        coefficients that violate the KKT conditions most, the annealer
        solves the dual over them with every other coefficient fixed (the
        rounds and the polish above, a QUBO of ``working_set_size * n_bits``
        variables whatever N is), and the gradient is updated from their
        kernel columns only; the fit stops on libsvm's condition (the most
        violating pair within ``tol``). "auto" sizes each QUBO to the
        backend: the clique capacity for "qpu" and "mock-qpu" (88
        coefficients at 2 bits on an Advantage); for "sa", "tabu",
        "steepest" and other samplers the whole dual up to 300 coefficients
        (QSVR on 150 points) and 88 coefficients beyond (both measured, see
        the README); the whole dual for "exact" and "hybrid". A dual that
        fits is solved as one QUBO, as before. A size whose QUBO exceeds a QPU's
        clique is refused before any call.
    cache_size : float, default=200.0
        Megabytes of kernel columns a decomposed fit keeps (libsvm's
        ``cache_size``): it computes the columns its working sets need,
        never the ``N x N`` Gram matrix, and the memory guard counts this
        cache instead of ``N**2``."""

RUN_PARAMETERS = """\
    fallback : {"sa"} or None, default=None
        What to do when the backend cannot be reached (no credentials, network
        or solver failure): None raises; "sa" uses simulated annealing, warns
        with ``BackendFallbackWarning`` and sets ``fallback_used_``. Never
        applied unless asked for.
    random_state : int, RandomState instance or None, default=None
        Seeds the backend."""

SOLVE_ATTRIBUTES = """\
    kernel_concentration_ : backends.kernels.concentration.KernelConcentration or None
        For a quantum kernel, the mean and variance of the off-diagonal
        entries of the training Gram matrix (of at most 100 training
        points); a variance below 1e-4 means the kernel has concentrated
        and fit warns (KernelConcentrationWarning). None otherwise.
    encoding_ : qubo.Encoding
        The encoding used.
    n_qubo_variables_ : ndarray of shape {{duals}}
        Variables of the largest QUBO any call solved, per dual
        (every round of a whole dual has the same size).
    working_set_size_ : ndarray of shape {{duals}}
        Coefficients per working set of a decomposed dual, 0 for one
        solved as a whole QUBO.
    solution_energies_ : list of ndarray of shape (n_kept,)
        Per dual: QUBO energies of the kept solutions of the last
        round, lowest first.
    solution_coefs_ : list of ndarray of shape {{coefficients}}
        Per dual: their decoded {{rows}} rows.
    solution_weights_ : list of ndarray of shape (n_kept,)
        Per dual: the weights with which they were combined.
    n_iter_ : ndarray of shape {{duals}}
        Per dual: refinement rounds run when it was solved as one
        QUBO, outer iterations (working sets) when it was decomposed.
    converged_ : ndarray of bool, shape {{duals}}
        Whether each dual met its stopping rule (the rounds' ``tol``, or
        libsvm's KKT condition at ``tol`` for a decomposed one) before
        its limit; a False also raised a ``ConvergenceWarning``.
    stop_reason_ : list of str
        Per dual, why it stopped: "polished" (a round's certified
        optimum), "tol" (the rounds' own rule), "kkt" (a decomposed fit met
        libsvm's condition at ``tol``), "settled" (a decomposed dual no
        longer moved over a sweep of working sets: numerically singular kernels),
        "stalled" or "max_iter" (both with a ``ConvergenceWarning``).
    trace_ : list of dict
        Per dual solved as one QUBO, one array per round of
        ``energy`` (QUBO energy of the round's best sample),
        ``dual_objective`` (without penalties; of the polished optimum in a
        round that ``polish`` ended), ``constraint_violation``,
        ``box_width`` (widest box), ``seconds``, ``warm_start`` and
        ``polished`` (the round whose active set gave the certified optimum,
        see ``polish``). Per decomposed dual, one array per outer
        iteration of ``kkt_violation`` (libsvm's largest violating pair
        before it), ``dual_objective`` (after it), ``size`` (coefficients in
        its working set: halved after a refused answer), ``qubo_calls``,
        ``rounds``, ``seconds``, ``polished`` (the subproblem ended on its
        certified optimum) and ``accepted`` (its answer lowered the dual).
    tolerances_ : list of training.Tolerances
        Per dual, ``tol`` read at its own scale (of ``y``, ``C`` and
        the kernel): the KKT tolerance, the coefficients' resolution, the
        first boxes' width and the factor on ``penalty``. A fit with
        ``combine="best"`` whose solution misses the KKT tolerance and whose
        certified dual gap exceeds ``tol`` raises a ``ConvergenceWarning``
        that says how far it is.
    qubo_calls_ : int
        Sample calls made over the whole fit.
    sampler_seconds_ : float
        Seconds spent inside the sampler over the whole fit.
    warm_start_ : str or None
        How later rounds started from the previous solution:
        "initial_states" (SA, tabu, steepest), "reverse_anneal" (a QPU) or
        None (one round, or a sampler that takes no start state, e.g.
        "exact" or a user's sampler without ``initial_states``: every round
        runs cold).
    fallback_used_ : bool
        Whether ``fallback`` replaced the requested backend.
    chain_break_fraction_ : float or None
        Mean fraction of broken chains over every round (QPU backends only).
    embedding_size_ : dict or None
        ``physical_qubits`` and ``max_chain_length`` of the largest
        embedding (QPU backends only).
    qpu_access_time_ : float or None
        QPU access time in seconds, summed over every call of every dual,
        where the sampler reports it.
    estimated_qpu_access_time_ : float or None
        QPU access time in seconds that D-Wave's published timing model
        gives for every call of the fit (programming, then per read anneal,
        readout and delay; "qpu" and "mock-qpu" only): on the mock, what a
        real Advantage system would bill, to plan an allocation before
        spending it.
    estimated_wall_clock_ : float or None
        Seconds the fit's QPU calls would take the client: the estimated
        access time plus, per call, the backend's ``latency`` (default 0.2 s,
        a Leap round trip, queueing excluded; set it with
        ``backend_options={"latency": ...}``). "qpu" and "mock-qpu" only.
    sampler_ : dimod.Sampler
        The backend that solved the QUBOs.
    sampler_info_ : list of dict
        Per dual, the last round's ``SampleSet.info`` as the sampler
        wrote it (its own keys and units; D-Wave reports microseconds)."""


def fill(template: str, **values: str) -> str:
    """Replace every ``{{name}}`` in ``template`` by ``values[name]``; refuse leftovers.

    Examples
    --------
    >>> fill("a {{x}} b", x="1")
    'a 1 b'
    """
    for _ in range(2):  # a value may hold markers of its own
        for name, value in values.items():
            template = template.replace("{{" + name + "}}", value)
    if "{{" in template:
        start = template.index("{{")
        raise ValueError(f"unfilled marker {template[start : start + 40]!r}")
    return template
