"""The simple searches an early-stopping method must beat: random search, and one epoch then top k.

Egele et al. (arXiv 2307.15422) found that training every configuration
for one epoch, keeping the best ``k`` and finishing those matches far more
elaborate learning-curve methods: the baseline a predictor has to beat.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils._param_validation import validate_params

from early_stopping.hyperband import Sample
from early_stopping.ledger import Ledger, SearchResult, Train
from early_stopping.rule import EPOCHS

__all__ = ["random_search", "top_k"]


@validate_params(
    {"max_epochs": EPOCHS, "n_configs": EPOCHS, "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def random_search(
    train: Train, sample: Sample, *, max_epochs: int, n_configs: int, random_state=None
) -> SearchResult:
    """Train ``n_configs`` random configurations to ``max_epochs``; pick the best."""
    rng = np.random.default_rng(random_state)
    ledger = Ledger(train, max_epochs)
    for _ in range(n_configs):
        ledger.run(sample(rng), max_epochs)
    return ledger.result()


@validate_params(
    {
        "max_epochs": EPOCHS,
        "n_configs": EPOCHS,
        "k": EPOCHS,
        "first_epochs": EPOCHS,
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def top_k(
    train: Train,
    sample: Sample,
    *,
    max_epochs: int,
    n_configs: int,
    k: int,
    first_epochs: int = 1,
    random_state=None,
) -> SearchResult:
    """Train ``n_configs`` configurations for ``first_epochs``, finish the best ``k``.

    Examples
    --------
    >>> from early_stopping.replay import Replay
    >>> rates = np.linspace(0.5, 1.0, 100)[:, None]
    >>> replay = Replay(rates * (1 - np.exp(-np.arange(1, 28) / 5)))
    >>> result = top_k(replay.train, replay.sampler(), max_epochs=27, n_configs=30, k=3,
    ...                random_state=0)
    >>> result.epochs == 30 + 3 * 26, replay.regret(result.best) < 0.05
    (True, True)
    """
    if k > n_configs:
        raise ValueError(f"k={k} exceeds n_configs={n_configs}")
    rng = np.random.default_rng(random_state)
    ledger = Ledger(train, max_epochs)
    configs = []
    for _ in range(n_configs):
        config = sample(rng)
        configs.append(config)
        ledger.run(config, first_epochs)
    values = np.array([ledger.value(c, first_epochs) for c in configs])
    for j in np.argsort(-values, kind="stable")[:k]:
        ledger.run(configs[j], max_epochs)
    return ledger.result()
