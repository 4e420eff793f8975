"""The exactness benchmark's measurements, on one small split of data the defaults never saw."""

import pytest

from experiments.benchmarks import exactness
from experiments.benchmarks._data import friedman1, wine


@pytest.mark.parametrize("polish", [True, False])
def test_exactness_rows_meet_the_targets_on_unseen_data(polish, capsys):
    groups = {"regression": {"friedman1": friedman1}, "classification": {"wine": wine}}
    rows = exactness.run(groups, sizes=[30], splits=1, n_jobs=1, polish=polish)
    assert [(r["task"], r["data"], r["n"]) for r in rows] == [
        ("regression", "friedman1", 30),
        ("classification", "wine", 30),
    ]
    for row in rows:
        assert row["gap"] < 1e-3  # relative to libsvm's optimum at tol=1e-8
        assert row["violation"] <= 1e-3
        assert abs(row["score_q"] - row["score_c"]) <= 1e-3
    exactness.print_table("unseen", rows)
    table = capsys.readouterr().out
    assert "friedman1" in table and "wine" in table


def test_shrinking_bound_finds_every_function_it_names(capsys):
    """A renamed function would silently drop out of the bound: every one must be profiled."""
    from experiments.benchmarks.scaling import _SHRINKABLE, shrinking_bound

    shrinking_bound(300)
    lines = capsys.readouterr().out.splitlines()
    named = {line.split()[0] for line in lines[1:-1]}
    assert named == {function for _, function in _SHRINKABLE}
    shares = [float(line.split()[-1].rstrip("%")) for line in lines[1:]]
    assert sum(shares[:-1]) == pytest.approx(shares[-1], abs=0.1 * len(shares))
    assert 0 < shares[-1] < 100


def test_the_qpu_noise_benchmark_shows_the_annealers_share_under_noise(capsys):
    """One small cell at the default noise: hqml exact, random bits far off, all columns filled."""
    from experiments.benchmarks import qpu_noise

    rows = qpu_noise.run_cell("svc", 40, 1.0, 1)
    by_method = {row["method"]: row for row in rows}
    assert set(by_method) == {"hqml", "single shot", "random bits"}
    assert abs(by_method["hqml"]["gap"]) < 1e-3 and not by_method["hqml"]["warned"]
    assert by_method["random bits"]["gap"] > 100 * max(abs(by_method["hqml"]["gap"]), 1e-4)
    hqml = by_method["hqml"]
    assert hqml["calls"] >= 1 and hqml["wall"] > hqml["billed"] > 0 and hqml["breaks"] >= 0
    qpu_noise.print_header()
    for row in rows:
        qpu_noise.print_row(row)
    assert "random bits" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        qpu_noise.main(["--levels", "-1"])
