"""Every named sampler passes dimod's own test kit: the Sampler API and its BQM tests.

``dimod.testing.load_sampler_bqm_tests`` samples empty, one-variable, path and
other small models of every BQM flavour (dict, float32, float64; binary and
spin) and checks the answers' variables, vartype and energies.
"""

import unittest
import warnings

import pytest
from dimod.testing import assert_sampler_api, load_sampler_bqm_tests

from backends import get_sampler

BACKENDS = ("sa", "tabu", "steepest", "exact", "mock-qpu")


@pytest.mark.parametrize("name", BACKENDS)
def test_sampler_api(name):
    assert_sampler_api(get_sampler(name))


def _kit(name: str) -> type:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler = get_sampler(name)

    @load_sampler_bqm_tests(sampler)
    class Kit(unittest.TestCase):
        pass

    Kit.__name__ = Kit.__qualname__ = f"TestDimodKit_{name.replace('-', '_')}"
    return Kit


for _name in BACKENDS:
    _cls = _kit(_name)
    globals()[_cls.__name__] = _cls
del _cls, _name


@pytest.mark.parametrize("kind", ["mock", "qpu"])
def test_properties_and_parameters_are_data_and_cost_no_connection(monkeypatch, kind):
    import backends.samplers.qpu as qpu

    def refuse(spec):
        raise AssertionError("properties and parameters must not reach the solver")

    monkeypatch.setattr(qpu, "_child", refuse)
    sampler = qpu.QPUSampler(qpu.QPUSpec(kind=kind), name=kind)
    properties = sampler.properties
    if kind == "mock":
        assert properties == {"kind": "mock", "solver": None, "topology_shape": 16}
    parameters = sampler.parameters
    assert {"num_reads", "chain_strength", "initial_state", "anneal_schedule"} <= set(parameters)
    assert ("seed" in parameters) == (kind == "mock")  # a QPU has no seed
    sa = get_sampler("sa").properties
    assert sa["num_sweeps"] == 300 and sa["warm_num_sweeps"] == 30
    assert all(not isinstance(v, str) or " " not in v for v in sa.values())


def test_static_solver_parameters_match_dwave_systems_list():
    from dwave.system.testing import MockDWaveSampler

    from backends.samplers.qpu import QPU_SOLVER_PARAMETERS

    mock = MockDWaveSampler(topology_type="pegasus", topology_shape=[2])
    assert set(QPU_SOLVER_PARAMETERS) == set(mock.parameters) - {"warnings"}
