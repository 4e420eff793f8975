"""Hyperband, successive halving and Swift-Hyperband: one code path, the predictor on or off.

Hyperband (Li et al., JMLR 18, 2018) runs brackets of successive halving:
bracket ``s`` starts ``n_s`` configurations at ``max_epochs * eta**-s``
epochs and keeps the best ``1/eta`` of them at every rung until
``max_epochs``. Swift-Hyperband (Wulff et al., Quantum Machine Intelligence
6:59, 2024; arXiv 2311.17508) changes only how a rung is filled: every
configuration first trains to the middle of the rung's budget; while fewer
than ``min_curves`` finished curves reach the rung's end, runs are trained
to it to teach the predictor; every other run goes on only if its
predicted value at the rung's end beats the ``percentile`` of the finished
ones, and the rung's best ``1/eta`` are then taken among the runs that
reached its end. With ``predictor=None`` the same code is Hyperband, so a
comparison of the two is paired: same seeds, same configurations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable

import numpy as np
from numpy.typing import NDArray
from sklearn.utils._param_validation import validate_params

from early_stopping.ledger import Ledger, SearchResult, Train
from early_stopping.predictor import CurvePredictor
from early_stopping.rule import EPOCHS, ETA, PERCENTILE, Decision, below_percentile

__all__ = ["brackets", "hyperband", "successive_halving"]

#: Draws a new configuration: (the search's random generator) -> a hashable configuration.
Sample = Callable[[np.random.Generator], Hashable]

#: A rung's middle must leave a prefix of at least 2 epochs for the features
#: (shared with Swift-ASHA).
MIN_SWIFT_EPOCHS = 4


@validate_params(
    {"max_epochs": EPOCHS, "eta": ETA, "min_epochs": EPOCHS}, prefer_skip_nested_validation=True
)
def brackets(max_epochs: int, eta: int = 3, min_epochs: int = 1) -> list[tuple[int, list[int]]]:
    """Hyperband's brackets: per bracket, its number of configurations and its rungs' epochs.

    Examples
    --------
    >>> brackets(27, 3)
    [(27, [1, 3, 9, 27]), (12, [3, 9, 27]), (6, [9, 27]), (4, [27])]
    """
    if min_epochs > max_epochs:
        raise ValueError(f"min_epochs={min_epochs} exceeds max_epochs={max_epochs}")
    # floor(log_eta(R / r)), with a tolerance so that 27 / 1 in base 3 gives 3, not 2
    s_max = math.floor(math.log(max_epochs / min_epochs, eta) + 1e-9)
    out = []
    for s in range(s_max, -1, -1):
        n = math.ceil((s_max + 1) / (s + 1) * eta**s)
        rungs = [max(min_epochs, round(max_epochs * eta ** (i - s))) for i in range(s + 1)]
        out.append((n, rungs))
    return out


@validate_params(
    {
        "train": [callable],
        "sample": [callable],
        "max_epochs": EPOCHS,
        "eta": ETA,
        "min_epochs": EPOCHS,
        "predictor": [CurvePredictor, None],
        "percentile": PERCENTILE,
        "iterations": EPOCHS,
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def hyperband(
    train: Train,
    sample: Sample,
    *,
    max_epochs: int,
    eta: int = 3,
    min_epochs: int = 1,
    predictor: CurvePredictor | None = None,
    percentile: float = 25.0,
    iterations: int = 1,
    random_state=None,
) -> SearchResult:
    """Hyperband over ``train(config, epochs)``; Swift-Hyperband with a ``predictor``.

    Parameters
    ----------
    train : callable
        ``train(config, epochs)`` returns the configuration's values at
        epochs ``1..epochs`` (higher is better), resuming where it stopped.
    sample : callable
        ``sample(rng)`` draws a new configuration.
    max_epochs, eta, min_epochs : int
        Hyperband's ``R``, its halving rate and the smallest rung.
    predictor : CurvePredictor or None
        Swift-Hyperband's predictor; None runs plain Hyperband.
    percentile : float in (0, 100)
        A partial run goes on only if predicted above this percentile of the finished ones.
    iterations : int, default=1
        Passes over all brackets (Hyperband's outer loop); a predictor keeps
        learning across them.
    random_state : int, Generator or None
        Seeds ``sample`` and the order in which runs teach the predictor.

    Returns
    -------
    SearchResult

    Examples
    --------
    >>> curves = {i: 1 - (1 - i / 100) * np.exp(-np.arange(1, 28) / 5) for i in range(100)}
    >>> result = hyperband(lambda c, t: curves[c][:t], lambda rng: int(rng.integers(100)),
    ...                    max_epochs=27, random_state=0)
    >>> result.best_value >= 0.95
    True
    """
    rng = np.random.default_rng(random_state)
    # A stream of its own orders the runs that teach the predictor, so that the
    # configurations drawn are the same with the predictor on or off (paired).
    order = np.random.default_rng(rng.integers(2**63))
    ledger, decisions = Ledger(train, max_epochs), []
    for n, rungs in brackets(max_epochs, eta, min_epochs) * iterations:
        configs = [sample(rng) for _ in range(n)]
        _halve(ledger, configs, rungs, eta, predictor, percentile, order, decisions)
    return ledger.result(decisions)


def successive_halving(
    train: Train,
    configs: list[Hashable],
    rungs: list[int],
    *,
    eta: int = 3,
    max_epochs: int | None = None,
    predictor: CurvePredictor | None = None,
    percentile: float = 25.0,
    random_state=None,
) -> SearchResult:
    """One bracket: ``configs`` through ``rungs``, the best ``1/eta`` kept at each."""
    rng = np.random.default_rng(random_state)
    ledger, decisions = Ledger(train, max_epochs or rungs[-1]), []
    _halve(ledger, configs, rungs, eta, predictor, percentile, rng, decisions)
    return ledger.result(decisions)


def _halve(ledger, configs, rungs, eta, predictor, percentile, rng, decisions) -> None:
    for i, epochs in enumerate(rungs):
        reached = _fill_rung(ledger, configs, epochs, predictor, percentile, rng, decisions)
        if i + 1 < len(rungs):
            keep = max(1, len(configs) // eta)
            values = np.array([ledger.value(c, epochs) for c in reached])
            configs = [reached[j] for j in np.argsort(-values, kind="stable")[:keep]]


def _fill_rung(
    ledger: Ledger,
    configs: list[Hashable],
    epochs: int,
    predictor: CurvePredictor | None,
    percentile: float,
    rng: np.random.Generator,
    decisions: list,
) -> list[Hashable]:
    """Train a rung; return the configurations that reached its end (the others were stopped)."""
    if predictor is None or epochs < MIN_SWIFT_EPOCHS:
        for config in configs:
            ledger.run(config, epochs)
        return list(configs)
    middle = epochs // 2
    for config in configs:
        ledger.run(config, middle)
    waiting = [configs[j] for j in rng.permutation(len(configs))]
    reached = []
    while waiting and not swift_ready(ledger, predictor, epochs):  # teach the predictor
        config = waiting.pop(0)
        ledger.run(config, epochs)
        reached.append(config)
    if not waiting:
        return reached
    prefixes = np.array([ledger.run(c, middle) for c in waiting])
    decision = swift_decision(ledger, predictor, prefixes, epochs, percentile)
    decisions.append(decision)
    for config, stop in zip(waiting, decision.stopped, strict=True):
        if not stop:
            ledger.run(config, epochs)
            reached.append(config)
    return reached


def swift_ready(ledger: Ledger, predictor: CurvePredictor, epochs: int) -> bool:
    """Whether enough runs reached ``epochs``; the predictor sees every curve the ledger holds."""
    predictor.add(list(ledger.curves.values()), keys=list(ledger.curves))
    return ledger.reached(epochs).size >= predictor.min_curves and predictor.ready(epochs)


def swift_decision(
    ledger: Ledger,
    predictor: CurvePredictor,
    prefixes: NDArray[np.float64],
    epochs: int,
    percentile: float,
) -> Decision:
    """Swift's rule on partial runs: predicted at ``epochs`` against the runs that reached it.

    Call after :func:`swift_ready` said yes (it gave the predictor the ledger's curves).
    """
    predicted = predictor.predict(prefixes, epochs)
    _, threshold = below_percentile(predicted, ledger.reached(epochs), percentile)
    reference = None
    if predictor.model == "qsvr" and predictor.pair_with_svr:
        reference = predictor.reference_predict(prefixes, epochs)
    return Decision(prefixes.shape[1], epochs, predicted, threshold, reference)
