"""The ``hqml`` command line."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from experiments import regression


def _bench(args: argparse.Namespace) -> int:
    settings = regression.RegressionBenchmark(n_splits=args.splits, seed=args.seed)
    print(
        f"QSVR (simulated annealing) vs SVR vs OLS on diabetes: "
        f"N in {settings.train_sizes}, {settings.n_splits} random splits, "
        f"C={settings.C}, epsilon={settings.epsilon}, gamma={settings.gamma}, "
        f"n_bits={settings.n_bits}"
    )
    start = time.perf_counter()
    rows = regression.run(settings, n_jobs=args.jobs, progress=not args.quiet)
    print("\nHeld-out R^2 (mean ± std over splits)")
    print(regression.r2_table(rows))
    print(f"\n{time.perf_counter() - start:.0f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hqml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    bench = commands.add_parser("bench", help="run the default benchmark and print an R^2 table")
    bench.add_argument("--splits", type=int, default=20, help="random splits per size")
    bench.add_argument("--seed", type=int, default=0, help="seed of the splits")
    bench.add_argument("--jobs", type=int, default=-1, help="parallel workers (joblib)")
    bench.add_argument("--quiet", action="store_true", help="no progress bar")
    bench.set_defaults(handler=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "splits", 1) < 1:
        print(f"hqml: --splits must be at least 1; got {args.splits}", file=sys.stderr)
        return 2
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
