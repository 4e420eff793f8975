"""Learning-curve early stopping: the predictor, Hyperband and Swift-Hyperband, ASHA, the baselines.

Values are checked against independent computations: Hyperband's bracket
table (Li et al., 2018, Table 1), epochs counted by hand, the best run by
brute force, and predictions against a scikit-learn pipeline built
separately. The Optuna pruner and the Ray Tune scheduler are in
``test_hpo_integrations.py``.
"""

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from early_stopping import (
    RIDGE_ALPHAS,
    CurvePredictor,
    Ledger,
    Replay,
    asha,
    asha_rungs,
    brackets,
    curve_features,
    hyperband,
    prefix_features,
    random_search,
    successive_halving,
    top_k,
)


def saturating_curves(n_runs=120, epochs=27, seed=0):
    """Curves ``a (1 - exp(-t / tau))`` with random ceilings and speeds, a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, epochs + 1)
    ceiling = rng.uniform(0.3, 0.95, (n_runs, 1))
    tau = rng.uniform(1.0, 8.0, (n_runs, 1))
    noise = rng.normal(0, 0.003, (n_runs, epochs))
    return np.clip(ceiling * (1 - np.exp(-t / tau)) + noise, 0, 1)


# ---------------------------------------------------------------- features and predictor
def test_the_benchmark_and_the_pruners_share_one_feature_path():
    from experiments import lc_benchmark

    assert lc_benchmark.curve_features is curve_features
    curves = saturating_curves(10, 20)
    X, y = curve_features(curves, 0.5, n_points=4)
    assert np.array_equal(X, prefix_features(curves[:, :10], n_points=4))
    assert np.array_equal(y, curves[:, -1])


def test_a_ridge_predictor_is_the_pipeline_built_by_hand():
    curves = saturating_curves(40, 20)
    predictor = CurvePredictor("ridge", n_points=5).add(curves[:30])
    by_hand = TransformedTargetRegressor(
        regressor=make_pipeline(MinMaxScaler(), RidgeCV(alphas=RIDGE_ALPHAS)),
        transformer=StandardScaler(),
    ).fit(prefix_features(curves[:30, :8], n_points=5), curves[:30, -1])
    expected = by_hand.predict(prefix_features(curves[30:, :8], n_points=5))
    assert np.allclose(predictor.predict(curves[30:, :8], 20), expected)


def test_the_predictor_refits_only_when_enough_new_curves_arrive():
    curves = saturating_curves(60, 12)
    predictor = CurvePredictor("ridge", min_curves=10, refit_growth=0.5).add(curves[:20])
    predictor.predict(curves[50:, :4], 12)
    predictor.predict(curves[50:, :4], 12)
    assert predictor.n_fits == 1
    predictor.add(curves[20:29])  # 9 new < 0.5 * 20
    predictor.predict(curves[50:, :4], 12)
    assert predictor.n_fits == 1
    predictor.add(curves[29:30])  # 10 new
    predictor.predict(curves[50:, :4], 12)
    assert predictor.n_fits == 2
    predictor.predict(curves[50:, :6], 12)  # another prefix length: its own model
    assert predictor.n_fits == 3


def test_a_curve_reported_twice_under_its_key_counts_once():
    curves = saturating_curves(20, 12)
    predictor = CurvePredictor("ridge", min_curves=10)
    for _ in range(3):
        predictor.add(curves[:8], keys=list(range(8)))
    assert predictor.n_curves == 8 and not predictor.ready(12)
    predictor.add(curves[3, :6], keys=[3])  # the same run, shorter: replaces, reaches 6 only
    assert predictor.training_set(12).shape == (7, 12)


def test_the_predictor_refuses_nan_curves_and_predicts_only_when_ready():
    predictor = CurvePredictor("svr", min_curves=5)
    with pytest.raises(ValueError, match=r"finished curve 'bad' must be .* 1 non-finite"):
        predictor.add([[0.1, np.nan, 0.3]], keys=["bad"])
    predictor.add(saturating_curves(4, 10))
    with pytest.raises(ValueError, match=r"4 finished curves reach epoch 10; .* min_curves=5"):
        predictor.predict(saturating_curves(1, 10)[:, :5], 10)
    with pytest.raises(ValueError, match=r"2 <= length < target=10; got length 10"):
        predictor.predict(saturating_curves(1, 10), 10)
    with pytest.raises(ValueError, match="model must be one of"):
        CurvePredictor("forest")


def test_pow3_needs_no_finished_curves():
    t = np.arange(1, 31)
    curve = 0.9 - 0.5 * t**-0.7
    predicted = CurvePredictor("pow3").predict(curve[None, :10], 30)
    assert predicted[0] == pytest.approx(curve[-1], abs=2e-3)


@pytest.mark.slow
def test_qsvr_and_svr_of_the_same_hyperparameters_mostly_decide_alike():
    curves = saturating_curves(80, 16, seed=1)
    predictor = CurvePredictor("qsvr", pair_with_svr=True, min_curves=20).add(curves[:40])
    ours = predictor.predict(curves[40:, :8], 16)
    reference = predictor.reference_predict(curves[40:, :8], 16)
    threshold = np.percentile(curves[:40, -1], 25)
    assert np.mean((ours < threshold) == (reference < threshold)) >= 0.95
    assert np.corrcoef(ours, curves[40:, -1])[0, 1] > 0.9


# ---------------------------------------------------------------- Hyperband
def test_brackets_are_the_papers_table():
    """Li et al. (2018), Table 1: R = 81, eta = 3."""
    table = brackets(81, 3)
    assert [n for n, _ in table] == [81, 34, 15, 8, 5]
    assert [rungs for _, rungs in table] == [
        [1, 3, 9, 27, 81], [3, 9, 27, 81], [9, 27, 81], [27, 81], [81]
    ]  # fmt: skip


def test_hyperband_charges_the_epochs_counted_by_hand_and_picks_the_best_finished_run():
    replay = Replay(saturating_curves(200, 27))
    result = hyperband(replay.train, replay.sampler(), max_epochs=27, random_state=0)
    # brackets (27 at 1,3,9,27), (12 at 3,9,27), (6 at 9,27), (4 at 27), kept 1/3 each rung,
    # resumed from their checkpoints
    by_hand = (27 + 9 * 2 + 3 * 6 + 18) + (12 * 3 + 4 * 6 + 18) + (6 * 9 + 2 * 18) + 4 * 27
    assert result.epochs == by_hand == 357
    assert result.n_configs == 49
    finished = [c for c, curve in _curves_of(replay, result).items() if curve.size == 27]
    assert result.best == max(finished, key=lambda c: replay.accuracy[c, -1])


def _curves_of(replay, result):
    """Rerun the same search with a ledger spy: every curve it trained, by run."""
    seen = {}
    train = replay.train

    def spy(config, epochs):
        seen[config] = train(config, epochs)
        return seen[config]

    again = hyperband(spy, replay.sampler(), max_epochs=27, random_state=0)
    assert again.best == result.best
    return seen


def test_successive_halving_keeps_the_best_third_at_every_rung():
    accuracy = np.linspace(0.1, 0.9, 27)[:, None] * np.ones((1, 9))
    replay = Replay(accuracy)
    result = successive_halving(replay.train, list(range(27)), [1, 3, 9], eta=3)
    assert result.best == 26
    # 27 runs for 1 epoch, the best 9 to 3, the best 3 to 9
    assert result.epochs == 27 + 9 * 2 + 3 * 6


def test_swift_hyperband_with_a_perfect_predictor_saves_epochs_and_keeps_the_winner():
    replay = Replay(saturating_curves(300, 27, seed=2))
    plain = hyperband(replay.train, replay.sampler(), max_epochs=27, iterations=3, random_state=0)
    swift = hyperband(
        replay.train, replay.sampler(), max_epochs=27, iterations=3, random_state=0,
        predictor=CurvePredictor("ridge", min_curves=10),
    )  # fmt: skip
    assert swift.epochs < 0.9 * plain.epochs
    assert replay.regret(swift.best) <= replay.regret(plain.best) + 0.01
    assert swift.decisions and all(d.target > d.observed for d in swift.decisions)


def test_the_searches_refuse_bad_parameters_in_scikit_learns_words():
    replay = Replay(saturating_curves(10, 9))
    with pytest.raises(InvalidParameterError, match="'max_epochs' parameter of hyperband"):
        hyperband(replay.train, replay.sampler(), max_epochs=0)
    with pytest.raises(InvalidParameterError, match=r"'percentile' .* range \(0.0, 100.0\)"):
        hyperband(replay.train, replay.sampler(), max_epochs=9, percentile=100.0)
    with pytest.raises(InvalidParameterError, match="'eta' parameter"):
        brackets(9, eta=1)
    with pytest.raises(ValueError, match="min_epochs=10 exceeds max_epochs=9"):
        brackets(9, min_epochs=10)


def test_a_trainer_returning_nan_or_a_short_curve_is_named():
    ledger = Ledger(lambda config, epochs: np.full(epochs, np.nan), max_epochs=5)
    with pytest.raises(ValueError, match=r"5 finite values .* configuration 'net-3'.*NaN"):
        ledger.run("net-3", 5)
    short = Ledger(lambda config, epochs: np.zeros(epochs - 1), max_epochs=5)
    with pytest.raises(ValueError, match=r"got shape \(2,\)"):
        short.run(0, 3)


# ---------------------------------------------------------------- ASHA and baselines
def test_asha_rungs_and_budget():
    assert asha_rungs(27, 3) == [1, 3, 9, 27]
    assert asha_rungs(50, 3, min_epochs=2) == [2, 6, 18, 50]
    replay = Replay(saturating_curves(300, 27))
    result = asha(
        replay.train, replay.sampler(), max_epochs=27, budget=300, n_workers=3, random_state=0
    )
    # jobs under way when the budget runs out finish: at most one rung's epochs per worker
    assert 300 <= result.epochs < 300 + 3 * 27
    assert result.best is not None and replay.accuracy[result.best].size == 27


def test_asha_promotes_only_from_the_top_third_of_a_rung():
    replay = Replay(saturating_curves(200, 9, seed=4))
    trained = []
    result = asha(
        lambda c, t: trained.append((c, t)) or replay.train(c, t), replay.sampler(),
        max_epochs=9, budget=120, n_workers=1, random_state=0,
    )  # fmt: skip
    at_one = []
    for config, epochs in trained:
        if epochs == 1:
            at_one.append(replay.accuracy[config, 0])
        elif epochs == 3:  # promoted from rung 0: in its top third when promoted
            rank = np.sum(np.array(at_one) > replay.accuracy[config, 0])
            assert rank < len(at_one) // 3
    assert result.epochs >= 120


def test_one_epoch_then_top_k_finishes_the_k_best_first_epochs():
    replay = Replay(saturating_curves(100, 20, seed=5))
    result = top_k(replay.train, replay.sampler(), max_epochs=20, n_configs=30, k=4,
                   random_state=0)  # fmt: skip
    assert result.epochs == 30 + 4 * 19
    drawn = _drawn(replay, 30, seed=0)
    best_first = sorted(drawn, key=lambda c: -replay.accuracy[c, 0])[:4]
    assert result.best == max(best_first, key=lambda c: replay.accuracy[c, -1])
    with pytest.raises(ValueError, match="k=31 exceeds n_configs=30"):
        top_k(replay.train, replay.sampler(), max_epochs=20, n_configs=30, k=31)


def _drawn(replay, n, seed):
    sample, rng = replay.sampler(), np.random.default_rng(seed)
    return [sample(rng) for _ in range(n)]


def test_random_search_regret_is_exact():
    replay = Replay(saturating_curves(50, 10, seed=6))
    result = random_search(replay.train, replay.sampler(), max_epochs=10, n_configs=7,
                           random_state=1)  # fmt: skip
    drawn = _drawn(replay, 7, seed=1)
    assert result.best == max(drawn, key=lambda c: replay.accuracy[c, -1])
    assert result.epochs == 70
    assert replay.regret(result.best) == pytest.approx(
        replay.accuracy[:, -1].max() - replay.accuracy[drawn, -1].max()
    )


def test_a_replay_names_the_row_of_a_nan():
    curves = saturating_curves(5, 6)
    curves[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"my.csv: row 3 has a NaN .* epoch 3"):
        Replay(curves, source="my.csv")


# ---------------------------------------------------------------- the replay benchmark
def _curve_file(path, accuracy, configs=True):
    from experiments.curves import save_curves

    rows = [
        {"run": i, "dataset": "synthetic", "architecture": "mlp", "width": 8, "depth": 1,
         "optimizer": "sgd", "learning_rate": 0.1, "batch_size": 32, "weight_decay": 0.0,
         "dropout": 0.0, "seed": i}
        for i in range(len(accuracy))
    ]  # fmt: skip
    save_curves(path, accuracy, rows)
    if not configs:  # keep only the accuracy columns
        lines = path.read_text().splitlines()
        cut = lines[0].split(",").index("acc_001")
        path.write_text("\n".join(",".join(line.split(",")[cut:]) for line in lines) + "\n")
    return path


def test_the_replay_benchmark_reads_a_users_curve_file_and_prints_a_paired_table(tmp_path, capsys):
    from experiments.benchmarks import hpo_replay

    path = _curve_file(tmp_path / "mine.csv", saturating_curves(200, 9, seed=7))
    plot = tmp_path / "regret.png"
    assert hpo_replay.main([
        "--curves", str(path), "--seeds", "3", "--jobs", "1", "--iterations", "2",
        "--methods", "Hyperband", "Swift-Hyperband (SVR)", "one epoch, top 3",
        "--plot", str(plot),
    ]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "| Hyperband | " in out and "| Swift-Hyperband (SVR) | " in out
    assert "| one epoch, top 3 | " in out and plot.stat().st_size > 0


def test_the_replay_benchmark_refuses_files_it_cannot_replay(tmp_path, capsys):
    from experiments.benchmarks import hpo_replay

    bare = _curve_file(tmp_path / "bare.csv", saturating_curves(60, 9), configs=False)
    assert hpo_replay.main(["--curves", str(bare), "--seeds", "1"]) == 2
    assert f"{bare}, line 1: no configuration columns" in capsys.readouterr().err
    short = _curve_file(tmp_path / "short.csv", saturating_curves(60, 2))
    assert hpo_replay.main(["--curves", str(short), "--seeds", "1"]) == 2
    assert "curves of 2 epochs are shorter than the second rung" in capsys.readouterr().err
    few = _curve_file(tmp_path / "few.csv", saturating_curves(30, 9))
    assert hpo_replay.main(["--curves", str(few), "--seeds", "1"]) == 2
    # brackets (9 at 1,3,9), (5 at 3,9), (3 at 9), three passes: 3 x 17
    assert "Hyperband draws 51 distinct runs per seed; the file has 30" in capsys.readouterr().err
    ok = _curve_file(tmp_path / "ok.csv", saturating_curves(200, 9))
    assert hpo_replay.main(["--curves", str(ok), "--percentile", "100"]) == 2
    assert "--percentile must lie in (0, 100); got 100.0" in capsys.readouterr().err
    lines = [line.split(",") for line in ok.read_text().splitlines()]
    lines[2][lines[0].index("acc_004")] = "nan"  # the second run, epoch 4
    nan = tmp_path / "nan.csv"
    nan.write_text("\n".join(",".join(line) for line in lines) + "\n")
    assert hpo_replay.main(["--curves", str(nan)]) == 2
    assert f"{nan}: run 1 has NaN or infinite accuracy at epoch 4" in capsys.readouterr().err
