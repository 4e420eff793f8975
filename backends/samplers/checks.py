"""What a sampler is asked and what it returned, checked before anything is decoded from it.

Options a sampler does not declare are refused (:func:`check_sample_options`).

A user's ``dimod.Sampler`` may answer in SPIN, with values other than 0/1,
over other variables than it was given, or with no sample at all. Decoding
such an answer would produce coefficients outside ``[0, C]`` or an
IndexError far from the cause; here it is converted (SPIN) or refused with
the sampler's name and what it returned.
"""

from __future__ import annotations

import dimod
import numpy as np

__all__ = ["SamplerOutputError", "check_sample_options", "check_sampleset"]


class SamplerOutputError(ValueError):
    """A sampler returned something that is not a sample set of the problem it was given."""


def check_sampleset(
    sampleset, bqm: dimod.BinaryQuadraticModel, sampler_name: str
) -> dimod.SampleSet:
    """The sampler's answer as a BINARY SampleSet over exactly ``bqm``'s variables.

    Parameters
    ----------
    sampleset : object
        What ``sampler.sample(bqm)`` returned.
    bqm : dimod.BinaryQuadraticModel
        The problem it was given (BINARY).
    sampler_name : str
        Named in the error.

    Returns
    -------
    dimod.SampleSet
        The same samples in BINARY; a SPIN answer is converted, values
        ``-1/+1`` becoming ``0/1``.

    Raises
    ------
    SamplerOutputError
        For anything else: not a SampleSet, no samples, missing or extra
        variables, values outside the vartype, or energies that are not the
        BQM's energies of the samples (NaN included).

    Examples
    --------
    >>> bqm = dimod.BinaryQuadraticModel({0: 1.0, 1: -1.0}, {}, 0.0, "BINARY")
    >>> spin = dimod.SampleSet.from_samples([[-1, 1]], "SPIN", energy=[-1.0])
    >>> check_sampleset(spin, bqm, "mine").record.sample.tolist()
    [[0, 1]]
    """
    if not isinstance(sampleset, dimod.SampleSet):
        raise SamplerOutputError(
            f"sampler {sampler_name} returned {type(sampleset).__name__}; expected a "
            "dimod.SampleSet"
        )
    if len(sampleset) == 0:
        raise SamplerOutputError(
            f"sampler {sampler_name} returned an empty SampleSet; expected at least one sample "
            f"of the {bqm.num_variables}-variable problem"
        )
    given, returned = set(bqm.variables), set(sampleset.variables)
    if given != returned:
        missing, extra = sorted(given - returned, key=str), sorted(returned - given, key=str)
        raise SamplerOutputError(
            f"sampler {sampler_name} returned samples over other variables than it was given: "
            f"missing {missing[:10]}{'...' if len(missing) > 10 else ''}, "
            f"extra {extra[:10]}{'...' if len(extra) > 10 else ''}"
        )
    allowed = (0, 1) if sampleset.vartype is dimod.BINARY else (-1, 1)
    values = np.unique(sampleset.record.sample)
    if not np.isin(values, allowed).all():
        raise SamplerOutputError(
            f"sampler {sampler_name} returned {sampleset.vartype.name} samples with values "
            f"{values[~np.isin(values, allowed)][:10].tolist()}; expected only {list(allowed)}"
        )
    if sampleset.vartype is dimod.SPIN:
        sampleset = sampleset.change_vartype(dimod.BINARY, inplace=False)
    _check_energies(sampleset, bqm, sampler_name)
    return sampleset


#: Relative agreement asked of a sampler's energies with the BQM's own: float64
#: sums of a dense QUBO's terms in another order differ by far less.
_ENERGY_RTOL = 1e-6


def _check_energies(sampleset: dimod.SampleSet, bqm: dimod.BinaryQuadraticModel, name: str) -> None:
    """Refuse energies that are not the BQM's energies of the samples returned.

    The rounds rank samples by energy: a sampler that labels random bits
    with energy -1e9 would otherwise pass its worst sample off as the best.
    """
    reported = np.asarray(sampleset.record.energy, dtype=float)
    actual = bqm.energies((sampleset.record.sample, list(sampleset.variables)))
    scale = max(1.0, float(np.abs(actual).max()), abs(float(bqm.offset)))
    wrong = ~np.isfinite(reported) | (np.abs(reported - actual) > _ENERGY_RTOL * scale)
    if wrong.any():
        first = int(np.flatnonzero(wrong)[0])
        raise SamplerOutputError(
            f"sampler {name} reported energy {reported[first]!r} for a sample whose energy on "
            f"the problem it was given is {actual[first]:.6g} ({int(wrong.sum())} of "
            f"{wrong.size} samples disagree); expected each sample's energy on that problem"
        )


def check_sample_options(sampler: dimod.Sampler, options: dict, name: str) -> None:
    """Refuse keyword arguments the sampler does not declare in ``parameters``.

    dimod's convention is that ``parameters`` lists what ``sample`` accepts;
    dwave-samplers would ignore the rest with at most a warning, so a typo
    such as ``num_sweep`` silently changes nothing. Every backend answers the
    same way instead: a ValueError naming the unknown keys and the known ones.
    """
    unknown = sorted(set(options) - set(sampler.parameters))
    if unknown:
        raise ValueError(
            f"backend {name} does not take the option(s) {unknown}; it takes "
            f"{sorted(sampler.parameters)}"
        )
