"""The learning-curve dataset, its features, the benchmark protocol and `hqml bench`."""

import json
import pickle
import re

import hypothesis
import numpy as np
import pytest
from conftest import RESULT_SET_FILES
from hypothesis import given
from hypothesis import strategies as st

from early_stopping import curve_features
from experiments import lc_benchmark as lc
from experiments.cli import main
from experiments.curves import (
    CONFIG_COLUMNS,
    CurveFileError,
    load_curves,
    save_curves,
)


def _synthetic(rng, runs=40, epochs=12):
    """Saturating curves with random rates and ceilings, like real training runs."""
    rate = rng.uniform(0.05, 0.6, size=(runs, 1))
    top = rng.uniform(0.3, 0.98, size=(runs, 1))
    t = np.arange(1, epochs + 1)
    accuracy = np.clip(top * (1 - np.exp(-rate * t)) + rng.normal(0, 0.01, (runs, epochs)), 0, 1)
    configs = [
        {c: (i if c in ("run", "seed") else "x") for c in CONFIG_COLUMNS} for i in range(runs)
    ]
    return accuracy, configs


@pytest.fixture
def curve_file(rng, tmp_path):
    accuracy, configs = _synthetic(rng)
    return save_curves(tmp_path / "curves.csv.gz", accuracy, configs), accuracy


def test_shipped_curves_are_real_and_documented():
    curves = load_curves()
    assert curves.n_runs >= 300
    assert curves.n_epochs == 50
    assert {"architecture", "optimizer", "learning_rate", "seed"} <= set(curves.configs[0])
    assert {c["architecture"] for c in curves.configs} == {"mlp", "cnn"}
    final = curves.accuracy[:, -1]
    assert final.std() > 0.1  # a spread of outcomes worth predicting
    assert len({c["seed"] for c in curves.configs}) == curves.n_runs


def test_round_trip(curve_file):
    path, accuracy = curve_file
    curves = load_curves(path)
    np.testing.assert_allclose(curves.accuracy, accuracy, atol=5e-5)
    assert curves.configs[3]["run"] == "3"


def _write_csv(path, header, rows):
    path.write_text("\n".join([",".join(header), *[",".join(map(str, r)) for r in rows]]) + "\n")
    return path


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [[0, 0.1, 0.2, 0.3], [1, 0.1, "nan", 0.3]],
            r"run 1 has NaN or infinite accuracy at epoch 2",
        ),
        ([[0, 0.1, 0.2, 0.3], [1, 0.1, 0.2]], r"curves must all have 3 epochs; this run has 2"),
        ([[0, 0.1, 0.2, 0.3], [1, 0.1, 0.2, 0.3, 0.4]], r"curves must all have 3 epochs"),
        ([[0, 0.1, 0.2, 1.3]], r"accuracies must lie in \[0, 1\]"),
        ([], r"no runs in the file"),
    ],
)
def test_bad_curve_files(tmp_path, rows, message):
    path = _write_csv(tmp_path / "bad.csv", ["run", "acc_001", "acc_002", "acc_003"], rows)
    with pytest.raises(CurveFileError, match=message):
        load_curves(path)


def test_file_without_accuracy_columns(tmp_path):
    path = _write_csv(tmp_path / "bad.csv", ["run", "loss"], [[0, 1.0]])
    with pytest.raises(CurveFileError, match=r"expected accuracy columns acc_001"):
        load_curves(path)


def test_features_are_the_observed_prefix_and_its_differences(rng):
    accuracy, _ = _synthetic(rng, runs=5, epochs=20)
    X, y = curve_features(accuracy, 0.5, n_points=4)
    observed = accuracy[:, :10]
    kept = observed[:, [0, 3, 6, 9]]
    np.testing.assert_allclose(X, np.hstack([kept, np.diff(kept, axis=1)]))
    np.testing.assert_allclose(y, accuracy[:, -1])
    X_raw, _ = curve_features(accuracy, 0.25, n_points=None, differences=False)
    np.testing.assert_allclose(X_raw, accuracy[:, :5])


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5, -0.2])
def test_fraction_outside_the_unit_interval(rng, fraction):
    accuracy, _ = _synthetic(rng, runs=3)
    with pytest.raises(
        ValueError, match=rf"observed fraction must lie in \(0, 1\); got {fraction}"
    ):
        curve_features(accuracy, fraction)


def test_too_few_curves_for_the_training_size(curve_file):
    curves = load_curves(curve_file[0])
    with pytest.raises(ValueError, match=r"n_train=100 needs at least 110 curves .* has 40"):
        lc.CurveBenchmark(train_sizes=(20, 100)).validate(curves)


def _bench_args(path, output, *extra):
    return [
        "bench", "--curves", str(path), "--fractions", "0.5", "--train-sizes", "10",
        "--splits", "2", "--no-mock-qpu", "--jobs", "1", "--quiet", "--output", str(output),
        *extra,
    ]  # fmt: skip


def test_bench_writes_csv_json_and_plots(curve_file, tmp_path, capsys):
    output = tmp_path / "results"
    output.mkdir()
    (output / "thesis.tex").write_text("a user's file, not hqml's")
    assert main(_bench_args(curve_file[0], output)) == 0
    assert (output / "thesis.tex").read_text() == "a user's file, not hqml's"
    (output / "thesis.tex").unlink()
    out = capsys.readouterr().out
    assert "held-out R^2" in out
    assert re.search(r"QSVR \(sa\): [0-2] of 2 fits solved as one QUBO ended on the certified", out)
    names = sorted(p.name for p in output.iterdir())
    assert names == RESULT_SET_FILES
    payload = json.loads((output / "results.json").read_text())
    assert payload["settings"]["train_sizes"] == [10]
    assert payload["settings"]["seed"] == 0
    assert payload["versions"]["numpy"] == np.__version__
    assert len(payload["curves"]["sha256"]) == 64
    methods = {r["method"] for r in payload["results"]}
    assert {lc.QSVR_SA, lc.SVR_CV, lc.RIDGE, lc.POW3, lc.LAST} == methods
    for row in payload["results"]:  # whether the polish ended the fit: QSVR's rows only
        assert isinstance(row["polished"], bool) == (row["method"] == lc.QSVR_SA)
    assert payload["settings"]["hyperparameters"] == "cv"
    assert (output / "r2_by_method.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--fractions", "1.2"], r"observed fractions must lie in \(0, 1\); got 1.2"),
        (["--train-sizes", "60"], r"n_train=60 needs at least 70 curves"),
        (["--train-sizes", "5"], r"n_train must be at least 8, so that the cross-validation"),
    ],
)
def test_bad_bench_input_writes_nothing_and_keeps_old_results(
    curve_file, tmp_path, capsys, extra, message
):
    output = tmp_path / "results"
    output.mkdir()
    (output / "results.csv").write_text("earlier good results\n")
    assert main(_bench_args(curve_file[0], output, *extra)) == 2
    assert pytest.importorskip("re").search(message, capsys.readouterr().err)
    assert sorted(p.name for p in output.iterdir()) == ["results.csv"]
    assert (output / "results.csv").read_text() == "earlier good results\n"


def test_bench_refuses_a_corrupt_curve_file(tmp_path, capsys):
    bad = _write_csv(tmp_path / "bad.csv", ["run", "acc_001", "acc_002"], [[0, 0.1, "nan"]])
    assert main(_bench_args(bad, tmp_path / "out")) == 2
    assert "NaN or infinite" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_grid_search_tunes_qsvr(curve_file):
    from sklearn.model_selection import GridSearchCV

    from qml import QSVR

    X, y = curve_features(load_curves(curve_file[0]).accuracy, 0.5, n_points=4)
    grid = {"n_bits": [2, 3], "C": [0.5, 2.0], "base": [1.0, 2.0]}
    search = GridSearchCV(QSVR(num_reads=10, random_state=0), grid, cv=3).fit(X[:20], y[:20])
    assert set(search.best_params_) == {"n_bits", "C", "base"}
    assert len(search.cv_results_["mean_test_score"]) == 8
    expected = 2 * 20 * search.best_params_["n_bits"]
    np.testing.assert_array_equal(search.best_estimator_.n_qubo_variables_, [expected])


def test_cifar_batches_are_read_from_disk(tmp_path):
    from experiments.curve_generator import load_cifar10_arrays

    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": [1, 2, 3, 4]}
        (tmp_path / name).write_bytes(pickle.dumps(batch))
    X, _, X_test, y_test = load_cifar10_arrays(tmp_path)
    assert X.shape == (20, 3, 32, 32) and X_test.shape == (4, 3, 32, 32)
    assert 0 <= X.min() and X.max() <= 1 and list(y_test) == [1, 2, 3, 4]
    (tmp_path / "data_batch_3").unlink()
    with pytest.raises(
        FileNotFoundError, match=r"lacks the CIFAR-10 python batches \['data_batch_3'\]"
    ):
        load_cifar10_arrays(tmp_path)


def test_generator_trains_a_real_network():
    pytest.importorskip("torch")
    from experiments.curve_generator import load_digits_arrays, sample_config, train_run

    data = load_digits_arrays()
    config = sample_config(5, "digits", 0)  # an MLP with RMSprop: learns within two epochs
    curve = train_run(config, data, epochs=3)
    assert curve.shape == (3,)
    assert np.all((0 <= curve) & (curve <= 1))
    np.testing.assert_allclose(train_run(config, data, epochs=3), curve)  # seeded
    assert curve[-1] > 0.5


def test_generator_writes_a_loadable_file(tmp_path):
    pytest.importorskip("torch")
    from experiments.curve_generator import generate

    path = generate("digits", runs=3, epochs=2, output=tmp_path / "c.csv", n_jobs=1)
    curves = load_curves(path)
    assert curves.accuracy.shape == (3, 2)
    assert curves.configs[0]["dataset"] == "digits"


def test_generator_on_mnist1d_signals():
    pytest.importorskip("torch")
    pytest.importorskip("mnist1d")
    from dataclasses import replace

    from experiments.curve_generator import load_mnist1d_arrays, sample_config, train_run

    data = load_mnist1d_arrays(num_samples=300)
    assert data[0].shape[1:] == (1, 40)
    config = replace(sample_config(0, "mnist1d", 0), architecture="cnn", width=8, depth=2)
    curve = train_run(config, data, epochs=2)
    assert curve.shape == (2,) and np.all((0 <= curve) & (curve <= 1))


def test_pow3_extrapolation_agrees_with_scipy_curve_fit():
    from scipy.optimize import curve_fit

    from early_stopping import pow3_extrapolate

    rng = np.random.default_rng(3)
    t = np.arange(1, 21, dtype=float)
    laws = [(0.92, 0.6, 0.5), (0.75, 0.3, 1.2), (0.6, 0.45, 0.25)]
    prefixes = np.array([c - a * t**-alpha + rng.normal(0, 0.003, t.size) for c, a, alpha in laws])
    ours = pow3_extrapolate(prefixes, 80)

    def pow3(x, c, a, alpha):
        return c - a * x**-alpha

    for prefix, value in zip(prefixes, ours, strict=True):
        params, _ = curve_fit(pow3, t, prefix, p0=(0.8, 0.5, 0.5), bounds=(0, [2, 5, 5]))
        assert value == pytest.approx(pow3(80.0, *params), abs=3e-3)


def test_pow3_needs_two_observed_epochs():
    from early_stopping import pow3_extrapolate

    with pytest.raises(ValueError, match=r"need at least 2 observed epochs before epoch 5; got 1"):
        pow3_extrapolate(np.array([[0.5]]), 5)


def test_a_collapsed_method_is_printed_as_a_failure_not_a_number():
    entry = {
        "fraction": 0.5,
        "n_train": 20,
        "n": 5,
        "reference": lc.SVR_CV,
        "r2_std": 30.0,
        "r2_minus_reference_mean": 0.0,
        "r2_minus_reference_std": 0.0,
    }
    summary = [
        {**entry, "method": lc.SVR_CV, "r2_mean": 0.61},
        {**entry, "method": "OLS", "r2_mean": -15.2},
    ]
    table = lc.format_table(summary)
    assert "0.610" in table
    assert "-15" not in table
    assert "fails (R^2 < -1)" in table


def test_bench_refuses_a_file_as_output_before_computing(curve_file, tmp_path, capsys):
    blocker = tmp_path / "results"
    blocker.write_text("not a folder")
    assert main(_bench_args(curve_file[0], blocker)) == 2
    assert "exists and is not a folder; expected a folder" in capsys.readouterr().err
    assert blocker.read_text() == "not a folder"


def test_bench_refuses_zero_jobs(curve_file, tmp_path, capsys):
    args = _bench_args(curve_file[0], tmp_path / "out")
    args[args.index("--jobs") + 1] = "0"
    with pytest.raises(SystemExit):
        main(args)
    assert "must not be 0" in capsys.readouterr().err


def test_truncated_gzip_curve_file_is_a_clear_error(curve_file, tmp_path, capsys):
    truncated = tmp_path / "cut.csv.gz"
    data = curve_file[0].read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(CurveFileError, match=r"cannot be read as a \(gzip-compressed\) CSV"):
        load_curves(truncated)
    assert main(_bench_args(truncated, tmp_path / "out")) == 2
    assert "EOFError" in capsys.readouterr().err


def test_interrupted_write_keeps_the_previous_result_set_whole(curve_file, tmp_path, monkeypatch):
    from experiments import report

    output = tmp_path / "results"
    assert main(_bench_args(curve_file[0], output)) == 0
    before = {p.name: p.read_bytes() for p in output.iterdir()}

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "plot_curves", interrupted)  # the last file of the set
    with pytest.raises(KeyboardInterrupt):
        main(_bench_args(curve_file[0], output, "--seed", "7"))
    assert {p.name: p.read_bytes() for p in output.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["results", curve_file[0].name])


def test_only_qsvr_rows_carry_rounds_even_where_svr_has_an_n_iter(rng):
    """libsvm's SVR has an n_iter_ of its own: it is no refinement round count."""
    accuracy, _ = _synthetic(rng)
    settings = lc.CurveBenchmark(
        train_sizes=(12,), fractions=(0.5,), hyperparameters="fixed", mock_qpu_cells=()
    )
    rows, _ = lc.run_split(accuracy, settings, 0.5, 12, 0)
    by_method = {r["method"]: r for r in rows}
    assert isinstance(by_method[lc.QSVR_SA]["rounds"], int)
    assert isinstance(by_method[lc.QSVR_SA]["polished"], bool)
    for name in (lc.SVR_SAME, lc.SVR_CV, lc.RIDGE):
        assert by_method[name]["rounds"] is None
        assert by_method[name]["polished"] is None


def test_bench_refuses_a_users_results_file_before_computing(curve_file, tmp_path, capsys):
    tmp_path = tmp_path / "project"
    tmp_path.mkdir()
    (tmp_path / "results.csv").write_text("my own table")
    args = ["bench", "--curves", str(curve_file[0]), "--train-sizes", "10", "--splits", "2",
            "--no-mock-qpu", "--quiet", "--output", str(tmp_path)]  # fmt: skip
    assert main(args) == 2
    assert "results.csv exists and hqml did not write it" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]


def test_output_dot_writes_into_the_current_folder(curve_file, tmp_path, monkeypatch):
    tmp_path = tmp_path / "project"
    tmp_path.mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("x")
    args = ["bench", "--curves", str(curve_file[0]), "--fractions", "0.5", "--train-sizes",
            "10", "--splits", "2", "--no-mock-qpu", "--no-large-cell", "--jobs", "1", "--quiet",
            "--output", "."]  # fmt: skip
    assert main(args) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*RESULT_SET_FILES, "keep.txt"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["regression", "--jobs", "0"], r"argument --jobs: must not be 0"),
        (
            ["bench", "--seed", "-1"],
            r"argument --seed: must be an integer in \[0, 2\*\*32\); got -1",
        ),
        (["regression", "--seed", "-1"], r"argument --seed: must be an integer in \[0, 2\*\*32\)"),
        (["curves", "generate", "--output", "x.csv", "--jobs", "0"], r"--jobs: must not be 0"),
    ],
)
def test_bad_numbers_on_the_command_line_are_refused_by_argparse(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_accuracy_columns_are_read_by_name_in_epoch_order(tmp_path):
    forward = _write_csv(
        tmp_path / "f.csv", ["run", "acc_1", "acc_2", "acc_3"], [[0, 0.1, 0.2, 0.3]]
    )
    backward = _write_csv(
        tmp_path / "b.csv", ["acc_003", "acc_002", "run", "acc_001"], [[0.3, 0.2, 0, 0.1]]
    )
    np.testing.assert_array_equal(load_curves(backward).accuracy, load_curves(forward).accuracy)
    assert load_curves(backward).accuracy[0, -1] == 0.3  # the target is the last epoch


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["run", "acc_1", "acc_1", "acc_2"], r"duplicated columns \['acc_1'\]"),
        (["run", "acc_1", "acc_3", "acc_4"], r"without gaps or repeats; .* missing \[2\]"),
        (["run", "acc_1", "acc_01", "acc_2"], r"without gaps or repeats"),
        (["run", "acc_1", "acc_x", "acc_2"], r"expected accuracy columns acc_001, acc_002"),
    ],
)
def test_accuracy_columns_repeated_or_missing_are_refused(tmp_path, header, message):
    path = _write_csv(tmp_path / "c.csv", header, [[0, 0.1, 0.2, 0.3]])
    with pytest.raises(CurveFileError, match=message):
        load_curves(path)


def test_a_repeated_run_is_one_group(tmp_path):
    rows = [[7, 0.1, 0.2], [8, 0.2, 0.3], [7, 0.1, 0.2]]
    path = _write_csv(tmp_path / "d.csv", ["run", "acc_1", "acc_2"], rows)
    curves = load_curves(path)
    np.testing.assert_array_equal(curves.groups, [0, 1, 0])
    assert curves.n_groups == 2


@hypothesis.settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=3, max_size=30),
    n_train=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_by_run_keeps_each_run_on_one_side(sizes, n_train, seed):
    groups = np.random.default_rng(seed).permutation(np.repeat(np.arange(len(sizes)), sizes))
    if n_train > len(groups) - max(sizes):
        return  # may take every run: refused, tested below
    train, test = lc.split_by_run(groups, n_train, np.random.default_rng(seed))
    assert not set(groups[train]) & set(groups[test])
    assert sorted([*train, *test]) == list(range(len(groups)))
    assert n_train <= len(train) < n_train + max(sizes)


def test_split_by_run_without_repeats_is_the_plain_permutation():
    train, test = lc.split_by_run(np.arange(30), 12, np.random.default_rng([1, 2]))
    order = np.random.default_rng([1, 2]).permutation(30)
    np.testing.assert_array_equal(train, order[:12])
    np.testing.assert_array_equal(test, order[12:])


def test_split_by_run_refuses_to_leave_nothing_to_test():
    with pytest.raises(ValueError, match=r"n_train=5 takes every run \(2 runs\)"):
        lc.split_by_run(np.array([0, 0, 0, 1, 1]), 5, np.random.default_rng(0))


def test_a_run_logged_twice_never_leaks_into_test(rng, monkeypatch):
    """Every run twice: the held-out rows share no run with the training rows,
    nor do the cross-validation folds that choose SVR's hyperparameters."""
    accuracy, _ = _synthetic(rng, runs=20)
    accuracy = np.repeat(accuracy, 2, axis=0)
    groups = np.repeat(np.arange(20), 2)
    from sklearn.model_selection import GroupKFold

    folds_seen = []
    original = GroupKFold.split

    def spy(self, X, y=None, groups=None):
        for train, test in original(self, X, y, groups):
            folds_seen.append((set(groups[train]), set(groups[test])))
            yield train, test

    monkeypatch.setattr(GroupKFold, "split", spy)
    settings = lc.CurveBenchmark(
        train_sizes=(12,), fractions=(0.5,), hyperparameters="cv", mock_qpu_cells=()
    )
    _, detail = lc.run_split(accuracy, settings, 0.5, 12, 0, groups=groups)
    test_runs = set(groups[detail["test"]])
    assert len(detail["test"]) == 40 - 12 and len(test_runs) == 14
    train_runs = set(range(20)) - test_runs
    assert len(train_runs) == 6
    assert folds_seen and all(not a & b for a, b in folds_seen)


def test_a_gzip_bomb_is_refused_before_it_expands(tmp_path, monkeypatch):
    import gzip

    from experiments import curves as curves_module

    header = "run,acc_1\n"
    body = header + "0,0.5\n" * 200_000  # 1.2 MB of CSV
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress(body.encode()))
    monkeypatch.setattr(curves_module, "MAX_CURVE_BYTES", 10**6)
    with pytest.raises(CurveFileError, match=r"expands to more than 1000000 bytes"):
        curves_module.load_curves(path)


# -- curve files as users save them (issue 27, cases 2, 5, 12 and 13) ----------------------

_HEADER = ["run", "acc_001", "acc_002", "acc_003"]
_ROWS = [[0, 0.1, 0.2, 0.3], [0, 0.1, 0.2, 0.3], [1, 0.2, 0.3, 0.4], [1, 0.2, 0.3, 0.4]]


def _text(rows, end="\n"):
    return end.join([",".join(_HEADER), *[",".join(map(str, r)) for r in rows]]) + end


def test_excels_utf8_byte_order_mark_keeps_runs_grouped(tmp_path):
    """Excel's "CSV UTF-8" starts with a BOM: the first header must still be "run"."""
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _text(_ROWS).encode())
    curves = load_curves(path)
    assert "run" in curves.configs[0] and curves.n_groups == 2  # each run logged twice


def test_crlf_quotes_blank_lines_and_latin1_bytes_load(tmp_path):
    path = tmp_path / "windows.csv"
    text = _text(_ROWS, end="\r\n").replace("0,0.1,0.2,0.3", '"0","0.1",0.2,0.3', 1)
    path.write_bytes(text.encode() + b"\r\n\r\n")  # trailing blank lines
    assert load_curves(path).n_runs == 4
    named = tmp_path / "latin1.csv"
    named.write_bytes(b"run,optimizer,acc_001,acc_002\n0,M\xfcller,0.1,0.2\n")  # Latin-1
    assert load_curves(named).configs[0]["optimizer"] == "Müller"


def test_a_blank_line_between_runs_is_skipped_not_a_run_of_zero_values(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text(_text(_ROWS[:2]) + "\n" + _text(_ROWS[2:]).split("\n", 1)[1])
    assert load_curves(path).n_runs == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('run,acc_001\n0,"0.1\n', r"line \d+: not a valid CSV file"),  # unclosed quote
        ("run,acc_001\n0," + "9" * 200_000 + "\n", r"line \d+: not a valid CSV file"),
    ],
)
def test_malformed_csv_is_a_curve_file_error_naming_the_line(tmp_path, text, message):
    path = tmp_path / "broken.csv"
    path.write_text(text)
    with pytest.raises(CurveFileError, match=message):
        load_curves(path)


def test_a_folder_is_named_as_a_folder(tmp_path):
    with pytest.raises(CurveFileError, match=r"is a folder; expected a curve file"):
        load_curves(tmp_path)


def test_the_header_check_grows_linearly_with_the_columns():
    """1,000,000 columns fit the size limit: a check quadratic in them would take hours."""
    import time

    from experiments.curves import _epoch_columns

    def seconds(n):
        names = ["run", *[f"acc_{e}" for e in range(1, n + 1)]]
        start = time.perf_counter()
        _epoch_columns(names, "wide.csv")
        return time.perf_counter() - start

    seconds(1_000)  # warm up
    small, large = min(seconds(4_000) for _ in range(3)), min(seconds(40_000) for _ in range(3))
    assert large < 30 * small  # linear: about 10 times; the old list.count: about 100 times


def test_sizes_are_checked_against_runs_not_rows(tmp_path):
    """Issue 27 case 6: 3 run ids over 1,000 rows passed the size check, then GroupKFold failed."""
    rng = np.random.default_rng(0)
    rows = [[i % 3, *np.sort(rng.uniform(0, 1, 3)).round(3)] for i in range(1000)]
    path = _write_csv(tmp_path / "repeated.csv", _HEADER, rows)
    curves = load_curves(path)
    assert (curves.n_runs, curves.n_groups) == (1000, 3)
    with pytest.raises(ValueError, match=r"n_train=20 needs at least 30 curves .* has 3 distinct"
                       r" runs on 1000 rows"):  # fmt: skip
        lc.CurveBenchmark(train_sizes=(20,)).validate(curves)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"fractions": (0.5, 0.5)}, r"fractions must be distinct; got \[0\.5, 0\.5\]"),
        ({"train_sizes": (20, 20)}, r"train sizes must be distinct; got \[20, 20\]"),
    ],
)
def test_repeated_cells_are_refused_not_run_twice(curve_file, settings, message):
    path, _ = curve_file
    with pytest.raises(ValueError, match=message):
        lc.CurveBenchmark(**settings).validate(load_curves(path))


@hypothesis.settings(max_examples=60, deadline=None)
@given(
    bom=st.booleans(),
    line_end=st.sampled_from(["\n", "\r\n"]),
    quote_every=st.integers(0, 3),
    blank_lines=st.lists(st.integers(0, 12), max_size=3),
    repeats=st.lists(st.integers(1, 3), min_size=2, max_size=8),
    trailing=st.integers(0, 2),
)
def test_curve_files_as_users_save_them_load_grouped_or_are_refused_clearly(
    tmp_path_factory, bom, line_end, quote_every, blank_lines, repeats, trailing
):
    """Random BOMs, line ends, quoting, blank lines and runs logged several times."""
    rng = np.random.default_rng(len(repeats))
    lines, expected = [",".join(_HEADER)], []
    for run, times in enumerate(repeats):
        values = np.sort(rng.uniform(0, 1, 3)).round(3)
        for _ in range(times):
            fields = [str(run), *map(str, values)]
            if quote_every:
                fields = [f'"{f}"' if i % quote_every == 0 else f for i, f in enumerate(fields)]
            lines.append(",".join(fields))
            expected.append(run)
    for position in sorted(blank_lines, reverse=True):
        lines.insert(min(1 + position, len(lines)), "")
    text = line_end.join(lines) + line_end * (1 + trailing)
    path = tmp_path_factory.mktemp("curves") / "saved.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    try:
        curves = load_curves(path)
    except CurveFileError as error:  # refused: it must say where and what
        assert str(path) in str(error)
        return
    assert curves.n_runs == len(expected)
    assert curves.groups.tolist() == expected  # every row in its own run's group
    assert curves.n_groups == len(repeats)


def test_a_billion_splits_is_refused_before_any_cell_is_listed(curve_file, capsys):
    """Issue 27 case 3: the cell list alone took 16.7 GB and 64 s before anything ran."""
    import time

    path, _ = curve_file
    start = time.perf_counter()
    assert main(["bench", "--curves", str(path), "--splits", "1000000000", "--quiet"]) == 2
    assert time.perf_counter() - start < 30
    err = capsys.readouterr().err
    assert re.search(r"splits \(\d+ cells x n_splits=1000000000\), whose rows needs about", err)
    assert "fewer splits" in err
