"""A hyperparameter search on Ray Tune, stopped early by hqml's CurveScheduler, on replayed curves.

The search a Slurm job runs after it started a Ray head and workers
(``hqml slurm ray``): every trial draws one recorded run and reports its
validation accuracy epoch by epoch, so the search is real Ray Tune
(trials placed on the cluster's workers, results streamed to the
scheduler in the driver) while the regret of the run it picks is exact.
Replace ``replayed_trainable`` by a real training function to search for
real; the scheduler is the same.

    python -m experiments.ray_search --curves digits --trials 40 --output search.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from early_stopping import MODELS, CurvePredictor


def replayed_trainable(config: dict, accuracy=None) -> None:
    """A Ray Tune function trainable: the recorded run ``config["run"]``, one report per epoch."""
    from ray import tune

    for value in accuracy[int(config["run"])]:
        tune.report({"accuracy": float(value)})


def search(accuracy: np.ndarray, *, trials: int, predictor: CurvePredictor, concurrent: int,
           seed: int, storage: Path) -> dict:  # fmt: skip
    """Run the search on the Ray cluster ``ray.init`` joined; the summary of what it did."""
    from ray import tune

    from early_stopping import CurveScheduler

    n_runs, max_t = accuracy.shape
    scheduler = CurveScheduler(max_t, predictor=predictor)
    tuner = tune.Tuner(
        tune.with_parameters(replayed_trainable, accuracy=accuracy),
        param_space={"run": tune.randint(0, n_runs)},
        tune_config=tune.TuneConfig(
            num_samples=trials, scheduler=scheduler, metric="accuracy", mode="max",
            max_concurrent_trials=concurrent,
            search_alg=tune.search.BasicVariantGenerator(random_state=seed),
        ),
        run_config=tune.RunConfig(storage_path=str(storage.resolve()), verbose=0),
    )  # fmt: skip
    results = tuner.fit()
    epochs = [int(r.metrics.get("training_iteration", 0)) for r in results]
    finished = [r for r, e in zip(results, epochs, strict=True) if e == max_t]
    best = max(finished, key=lambda r: r.metrics["accuracy"], default=None)
    picked = None if best is None else int(best.config["run"])
    finals = accuracy[:, -1]
    return {
        "trials": len(results), "finished": len(finished), "stopped": len(scheduler.stopped),
        "errors": sum(r.error is not None for r in results), "epochs": int(sum(epochs)),
        "full_epochs": len(results) * max_t, "picked_run": picked,
        "regret": None if picked is None else float(finals.max() - finals[picked]),
        "decisions": sum(d.predicted.size for d in scheduler.decisions),
    }  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curves", default="digits", help="digits, mnist1d or a curve file")
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--concurrent", type=int, default=2, help="trials running at once")
    parser.add_argument("--predictor", choices=MODELS, default="qsvr")
    parser.add_argument("--min-curves", type=int, default=15, help="finished trials to learn from")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--address", default=os.environ.get("RAY_ADDRESS", "auto"))
    parser.add_argument("--output", type=Path, required=True, help="summary JSON to write")
    args = parser.parse_args(argv)
    if args.trials < 1 or args.concurrent < 1:
        parser.error(
            f"--trials and --concurrent must be >= 1; got {args.trials}, {args.concurrent}"
        )
    try:
        predictor = CurvePredictor(
            args.predictor, min_curves=args.min_curves, random_state=args.seed
        )
    except ValueError as error:
        parser.error(str(error))
    from experiments.atomic import write_atomically
    from experiments.benchmarks.hpo_replay import load_replay
    from experiments.curves import CurveFileError

    try:
        replay = load_replay(args.curves)
        import ray
    except (CurveFileError, ValueError) as error:
        print(f"ray_search: error: {error}", file=sys.stderr)
        return 2
    except ImportError:
        print("ray_search: error: Ray Tune is missing: pip install 'hqml[hpo]'", file=sys.stderr)
        return 2
    started = time.perf_counter()
    ray.init(address=args.address, log_to_driver=False)
    nodes = [n for n in ray.nodes() if n["Alive"]]
    summary = search(
        replay.accuracy, trials=args.trials, predictor=predictor,
        concurrent=args.concurrent, seed=args.seed, storage=args.output.parent / "ray_results",
    )  # fmt: skip
    summary |= {"nodes": len(nodes), "seconds": time.perf_counter() - started,
                "curves": replay.source}  # fmt: skip
    text = json.dumps(summary, indent=2)
    write_atomically(args.output, lambda temporary: temporary.write_text(text))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
