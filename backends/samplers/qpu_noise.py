"""What a D-Wave QPU does to the problem it is given, for the mock QPU: its analog errors.

The mock QPU (dwave-system's MockDWaveSampler) anneals the embedded problem
exactly as programmed; a real Advantage does not. :class:`NoisyAnneal` is
the mock's stand-in for the anneal: it takes the embedded, physical problem
(chains and all) and, per programming (one ``sample`` call), does what the
QPU does before and after annealing it:

1. ``auto_scale``: h and J (the chain couplers included) are divided by one
   factor, the larger of ``max|h| / h_range`` and ``max|J| / j_range``, so
   that strong chains squeeze the logical problem into a small part of the
   range (D-Wave's solver-parameter docs, ``auto_scale``);
2. per-qubit gain spread: each qubit's h, and each coupler's J by the
   geometric mean of its two qubits' gains, is off by a factor fixed for the
   chip (``chip_seed``);
3. integrated control errors (ICE): Gaussian ``dh`` and ``dJ`` on every
   bias and coupler, drawn once per programming and shared by all its reads;
4. DAC quantisation: the programmed values are rounded to the DAC's steps,
   then clipped to the QPU's ranges;
5. the anneal itself: simulated annealing of that noisy problem (dwave-
   samplers), the mock's usual substitute;
6. readout errors: each qubit of each read is misread with a small probability.

Reads come back with the energies of the problem as given (not the noisy
one), as a QPU reports them, and are unembedded by the composite along the
real path (majority vote over broken chains). Leakage between neighbouring
qubits is not modelled.

The defaults are D-Wave's published figures ("Errors and Error Correction",
QPU solver docs), labelled there as representative of the D-Wave 2X; each
field says which figure it takes. Advantage's flux noise was measured at
2-3 times the 2000Q's (Zaborniak and de Sousa, IEEE TQE 2021), hence
:meth:`QPUNoise.times` for heavier levels.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import asdict, dataclass, fields, replace
from numbers import Real

import dimod
import numpy as np

# scikit-learn's parameter error, as every other refused setting of hqml (ValueError and
# TypeError at once); private module, see the upper bound on scikit-learn in pyproject.toml.
from sklearn.utils._param_validation import InvalidParameterError

__all__ = ["QPUNoise", "NoisyAnneal", "resolve_noise"]

#: Qubits of the largest chip the mock builds (Pegasus P16 labels run to 5,759):
#: the gain table covers any label below it; larger labels get their own draw.
_GAIN_TABLE = 8192


@dataclass(frozen=True)
class QPUNoise:
    """A QPU's analog errors, in its own units (after ``auto_scale``).

    Parameters
    ----------
    h_sigma : float, default=0.025
        Standard deviation of the control error on each h: the upper end of
        D-Wave's published 0.010-0.025.
    j_sigma : float, default=0.0155
        Standard deviation of the control error on each J: the upper end of
        the published 0.0095-0.0155.
    h_step : float, default=0.008
        DAC quantisation step of h: the published "up to 0.008".
    j_step : float, default=0.0045
        DAC quantisation step of J: the published "up to 0.0045".
    gain_spread : float, default=0.01
        Relative standard deviation of each qubit's gain: the published
        "about 1 %".
    readout_error : float, default=0.01
        Probability that a qubit is misread: readout is published as "above
        99 %" correct.
    h_range, j_range : float, default=4.0, 1.0
        The ranges ``auto_scale`` maps into: an Advantage's ``h_range``
        ``[-4, 4]`` and ``j_range`` ``[-1, 1]`` (not the extended ``[-2, 1]``,
        which ``auto_scale`` does not use).

    Examples
    --------
    >>> QPUNoise().times(2.0).h_sigma
    0.05
    >>> QPUNoise.none().is_ideal
    True
    """

    h_sigma: float = 0.025
    j_sigma: float = 0.0155
    h_step: float = 0.008
    j_step: float = 0.0045
    gain_spread: float = 0.01
    readout_error: float = 0.01
    h_range: float = 4.0
    j_range: float = 1.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, Real) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"QPUNoise.{field.name} must be a finite number; got {value!r}")
            if value < 0 or (field.name.endswith("_range") and value == 0):
                raise InvalidParameterError(
                    f"QPUNoise.{field.name} must be "
                    f"{'> 0' if field.name.endswith('_range') else '>= 0'}; got {value!r}"
                )
        if self.readout_error > 0.5:
            raise ValueError(
                f"QPUNoise.readout_error must be at most 0.5; got {self.readout_error}"
            )

    @classmethod
    def none(cls) -> QPUNoise:
        """No analog error at all: the problem is annealed exactly as programmed."""
        return cls(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)

    @property
    def is_ideal(self) -> bool:
        """Whether every error is zero."""
        return all(
            getattr(self, f.name) == 0 for f in fields(self) if not f.name.endswith("_range")
        )

    def times(self, level: float) -> QPUNoise:
        """Every error (sigmas, DAC steps, gain spread, readout) multiplied by ``level``."""
        level = _level(level, "level")
        scaled = {
            f.name: getattr(self, f.name) * level
            for f in fields(self)
            if not f.name.endswith("_range")
        }
        scaled["readout_error"] = min(scaled["readout_error"], 0.5)
        return replace(self, **scaled)


def _level(value, name: str) -> float:
    if (
        not isinstance(value, Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidParameterError(f"{name} must be a finite number >= 0; got {value!r}")
    return float(value)


def resolve_noise(noise) -> QPUNoise:
    """The mock's noise from an option: a :class:`QPUNoise`, a multiple of the default, or None.

    ``None`` and ``1`` give D-Wave's published figures, ``0`` an ideal QPU,
    ``2`` twice the default errors.
    """
    if noise is None:
        return QPUNoise()
    if isinstance(noise, QPUNoise):
        return noise
    return QPUNoise().times(_level(noise, "noise"))


class NoisyAnneal(dimod.Sampler):
    """The mock QPU's anneal of an embedded problem under a QPU's analog errors.

    Parameters
    ----------
    noise : QPUNoise
        The errors.
    num_sweeps : int, default=1000
        Sweeps of the simulated anneal that stands in for the quantum one.
    chip_seed : int, default=0
        Seeds the per-qubit gains: the same seed is the same chip.

    Examples
    --------
    >>> bqm = dimod.BinaryQuadraticModel({0: 0.5, 1: 0.0, 2: 0.0}, {(1, 2): -1.0}, 0.0, "SPIN")
    >>> answer = NoisyAnneal(QPUNoise.none()).sample(bqm, num_reads=5, seed=0)
    >>> answer.record.sample[:, 0].tolist()  # h = 0.5 > 0: spin 0 points down
    [-1, -1, -1, -1, -1]
    """

    def __init__(self, noise: QPUNoise, *, num_sweeps: int = 1000, chip_seed: int = 0) -> None:
        self.noise = noise
        self.num_sweeps = int(num_sweeps)
        self.chip_seed = int(chip_seed)
        spread = noise.gain_spread
        self._gains = 1.0 + spread * np.random.default_rng([self.chip_seed, 7]).normal(
            size=_GAIN_TABLE
        )

    @property
    def parameters(self) -> dict:
        return {"num_reads": [], "seed": [], "auto_scale": [], "interrupt_function": []}

    @property
    def properties(self) -> dict:
        return {
            "noise": asdict(self.noise),
            "num_sweeps": self.num_sweeps,
            "chip_seed": self.chip_seed,
        }

    def sample(
        self,
        bqm: dimod.BinaryQuadraticModel,
        *,
        num_reads: int = 1,
        seed: int | None = None,
        auto_scale: bool = True,
        interrupt_function=None,
        **ignored,
    ) -> dimod.SampleSet:
        """Program ``bqm`` with the QPU's errors, anneal it, read it out (see the module).

        Other QPU parameters (``annealing_time``, ``anneal_schedule``, ...) are
        accepted, as the mock takes them, and have no effect.
        """
        from dwave.samplers import SimulatedAnnealingSampler

        rng = np.random.default_rng(seed)
        spin = bqm.spin
        labels = list(spin.variables)
        programmed, factor = self._programmed(spin, labels, rng, auto_scale)
        options = {"interrupt_function": interrupt_function} if interrupt_function else {}
        annealed = SimulatedAnnealingSampler().sample(
            programmed,
            num_reads=num_reads,
            num_sweeps=self.num_sweeps,
            seed=int(rng.integers(2**31 - 1)),
            **options,
        )
        states = annealed.record.sample.astype(np.int8)
        order = [annealed.variables.index(v) for v in labels]
        states = states[:, order]
        misread = rng.random(states.shape) < self.noise.readout_error
        states = np.where(misread, -states, states)
        answer = dimod.SampleSet.from_samples_bqm((states, labels), spin)
        answer.info.update(auto_scale_factor=factor, noise=asdict(self.noise))
        return answer.change_vartype(bqm.vartype, inplace=False)

    def _programmed(
        self, spin: dimod.BinaryQuadraticModel, labels: list, rng, auto_scale: bool
    ) -> tuple[dimod.BinaryQuadraticModel, float]:
        """The Ising problem the QPU anneals: scaled, gains, control errors, DAC steps, ranges."""
        noise = self.noise
        h, (row, col, J), _ = spin.to_numpy_vectors(variable_order=labels)
        largest = max(
            np.abs(h).max(initial=0.0) / noise.h_range, np.abs(J).max(initial=0.0) / noise.j_range
        )
        factor = float(largest) if auto_scale and largest > 0 else 1.0
        gains = self._gain(labels)
        h = h / factor * gains + rng.normal(0.0, noise.h_sigma, h.size)
        J = J / factor * np.sqrt(gains[row] * gains[col]) + rng.normal(0.0, noise.j_sigma, J.size)
        h = np.clip(_quantised(h, noise.h_step), -noise.h_range, noise.h_range)
        J = np.clip(_quantised(J, noise.j_step), -noise.j_range, noise.j_range)
        programmed = dimod.BinaryQuadraticModel.from_numpy_vectors(
            h, (row, col, J), 0.0, dimod.SPIN, variable_order=labels
        )
        return programmed, factor

    def _gain(self, labels: list) -> np.ndarray:
        """Each qubit's gain: the chip's table for its (integer, physical) label.

        Any other label (a user's problem given to the stand-in directly) gets
        a draw of its own, fixed by the chip seed and the label's text.
        """
        if all(
            isinstance(label, (int, np.integer)) and 0 <= label < _GAIN_TABLE for label in labels
        ):
            return self._gains[np.asarray(labels, dtype=np.intp)]
        digests = [zlib.crc32(repr(label).encode()) for label in labels]
        return np.array(
            [
                1.0 + self.noise.gain_spread * np.random.default_rng([self.chip_seed, d]).normal()
                for d in digests
            ]
        )


def _quantised(values: np.ndarray, step: float) -> np.ndarray:
    """``values`` rounded to multiples of the DAC ``step`` (unchanged for step 0)."""
    return values if step == 0 else np.round(values / step) * step
