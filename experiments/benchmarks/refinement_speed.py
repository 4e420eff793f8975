"""Speed of refinement: QSVR against a single shot, and QSVC against TNO's QUBO SVM.

1. QSVR at N = 50 at its defaults (refinement rounds, 3 bits) against a
   single-shot fit with the encoding hqml used before refinement
   (``n_bits=4``, ``penalty=1``, ``num_reads=50``, 1000 sweeps, ``max_iter=1``,
   no polish):
   seconds,
   their ratio and the dual gap to libsvm, on diabetes (a dataset the
   defaults were chosen on) and friedman1 (not).
2. Single shots with more and more bits against refinement: the time and
   gap each needs, to see what precision costs without refinement.
3. QSVC at its defaults against TNO's ``SupportVectorMachine``
   (``tno.quantum.ml.classifiers.svm``, at its defaults) on breast_cancer
   (where QSVC's defaults were chosen) and on digits 3/8 and wine (not), at
   N = 60 and 100: seconds and held-out accuracy, interleaved split by
   split. Skipped, saying so, when TNO's package is not installed
   (``pip install tno.quantum.ml.classifiers.svm``).

Every comparison runs side by side in this process, one fit after the other.

    python -m experiments.benchmarks.refinement_speed [--splits 5] [--tno-splits 30]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.svm import SVC

from experiments.benchmarks._data import breast_cancer, diabetes, digits_3_8, friedman1, wine
from experiments.benchmarks.exactness import regression_case
from qml import QSVC, QSVR

PARAMS = {"C": 1.0, "epsilon": 0.1, "gamma": "scale"}
# hqml's defaults before refinement: 4 bits, penalty 1, 50 reads of 1000 sweeps.
SINGLE_SHOT = {
    "n_bits": 4,
    "penalty": 1.0,
    "num_reads": 50,
    "max_iter": 1,
    "polish": False,
    "backend_options": {"num_sweeps": 1000},
}


def _timed_case(loader, n: int, seed: int, **options) -> dict:
    return regression_case("", loader, n, seed, **options)


def against_single_shot(splits: int) -> None:
    print(f"\n1. QSVR at N=50: defaults vs single shot {SINGLE_SHOT}, {splits} splits")
    print(
        f"{'data':<20} {'default s':>10} {'single s':>9} {'ratio':>6} {'gap default':>12} "
        f"{'gap single':>11} {'|h| single':>11}"
    )
    for name, loader in (("diabetes (tuning)", diabetes), ("friedman1 (unseen)", friedman1)):
        rows = []
        for seed in range(splits):
            rows.append(
                (_timed_case(loader, 50, seed), _timed_case(loader, 50, seed, **SINGLE_SHOT))
            )
        fast = np.median([r[0]["seconds"] for r in rows])
        slow = np.median([r[1]["seconds"] for r in rows])
        print(
            f"{name:<20} {fast:>10.3f} {slow:>9.3f} {fast / slow:>6.2f} "
            f"{max(r[0]['gap'] for r in rows):>+12.4%} "
            f"{np.median([r[1]['gap'] for r in rows]):>+11.3%} "
            f"{np.median([r[1]['violation'] for r in rows]):>11.1e}"
        )


def bits_for_precision(splits: int) -> None:
    default_bits = QSVR().n_bits
    print(
        f"\n2. diabetes N=50: single shots with K bits vs refinement ({default_bits} bits), "
        f"{splits} splits"
    )
    print(
        f"{'fit':<26} {'vars':>5} {'s':>7} {'gap median':>11} {'|gap| max':>10} {'|h| median':>11}"
    )
    cases = [("refinement (defaults)", {}), ("refinement, polish=False", {"polish": False})] + [
        (f"single shot K={k}", {**SINGLE_SHOT, "n_bits": k}) for k in (4, 6, 8, 10)
    ]
    for label, options in cases:
        rows = [_timed_case(diabetes, 50, seed, **options) for seed in range(splits)]
        bits = options.get("n_bits", default_bits)
        gaps = np.array([r["gap"] for r in rows])
        print(
            f"{label:<26} {2 * 50 * bits:>5} {np.median([r['seconds'] for r in rows]):>7.3f} "
            f"{np.median(gaps):>+11.4%} {np.abs(gaps).max():>10.4%} "
            f"{np.median([r['violation'] for r in rows]):>11.1e}"
        )


def against_tno(splits: int) -> None:
    try:
        from tno.quantum.ml.classifiers.svm import SupportVectorMachine
    except ImportError:
        print("\n3. skipped: tno.quantum.ml.classifiers.svm is not installed")
        return
    print(f"\n3. QSVC vs TNO SupportVectorMachine, both at defaults, {splits} splits")
    print(
        f"{'data':<28} {'N':>4} {'hqml s':>8} {'TNO s':>8} {'ratio':>6} "
        f"{'acc hqml':>9} {'acc TNO':>8} {'acc SVC':>8} {'hqml-TNO (paired, ± s.e.)':>26}"
    )
    datasets = (
        ("breast_cancer (tuning)", breast_cancer),
        ("digits 3/8 (unseen)", digits_3_8),
        ("wine (unseen)", wine),
    )
    for name, loader in datasets:
        for n in (60, 100):
            rows = [_against_tno_split(SupportVectorMachine, loader, n, s) for s in range(splits)]
            ours_s, tno_s = np.median([r[0] for r in rows]), np.median([r[1] for r in rows])
            acc = np.mean([r[2:] for r in rows], axis=0)
            paired = np.array([r[2] - r[3] for r in rows])
            error = paired.std(ddof=1) / np.sqrt(paired.size) if paired.size > 1 else np.nan
            print(
                f"{name:<28} {n:>4} {ours_s:>8.3f} {tno_s:>8.3f} {ours_s / tno_s:>6.2f} "
                f"{acc[0]:>9.4f} {acc[1]:>8.4f} {acc[2]:>8.4f} "
                f"{paired.mean():>+17.4f} ± {error:.4f}"
            )


def _against_tno_split(peer, loader, n: int, seed: int) -> tuple:
    X, y, X_test, y_test = loader(n, seed)
    start = time.perf_counter()
    ours = QSVC(random_state=seed).fit(X, y)
    mid = time.perf_counter()
    theirs = peer().fit(X, y)
    end = time.perf_counter()
    return (
        mid - start,
        end - mid,
        ours.score(X_test, y_test),
        theirs.score(X_test, y_test),
        SVC().fit(X, y).score(X_test, y_test),
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument(
        "--tno-splits",
        type=int,
        default=30,
        help="splits of the TNO comparison (accuracy is noisy)",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # NoFreeSupportVector of coarse single shots
    QSVR(random_state=0).fit(*diabetes(20, 0)[:2])  # warm up imports and caches
    against_single_shot(args.splits)
    bits_for_precision(args.splits)
    against_tno(args.tno_splits)


if __name__ == "__main__":
    main()
