"""Turn samples of a QUBO back into coefficient vectors."""

from __future__ import annotations

import dimod
import numpy as np
from numpy.typing import NDArray

from qubo.box import BoxEncoding
from qubo.encoding import Encoding


def sample_bits(sampleset: dimod.SampleSet, num_variables: int) -> NDArray[np.int8]:
    """Bits of every sample, columns ordered by the integer labels ``0 .. num_variables-1``.

    Samplers may return the variables in any order, so the columns are
    permuted by label rather than taken as they come.
    """
    labels = np.asarray(list(sampleset.variables))
    if labels.size != num_variables or set(labels.tolist()) != set(range(num_variables)):
        raise ValueError(
            f"expected samples over the integer variables 0..{num_variables - 1}; "
            f"got {labels.size} variables"
        )
    order = np.argsort(labels)
    return np.asarray(sampleset.record.sample[:, order], dtype=np.int8)


def decode_sampleset(
    sampleset: dimod.SampleSet, encoding: Encoding | BoxEncoding, n_coefficients: int
) -> NDArray[np.float64]:
    """Decode a SampleSet into coefficients, one row per sample.

    ``encoding`` is the shared :class:`Encoding` of a single-shot QUBO or the
    per-coefficient :class:`BoxEncoding` of a refinement round: either gives
    its boxes (``encoding.boxes(n)``), which decode the bits.

    Returns an array of shape ``(num_samples, n_coefficients)``; for QSVR
    ``n_coefficients = 2N`` (``alpha`` then ``alpha*``), for QSVC ``N``.
    """
    boxes = encoding.boxes(n_coefficients)
    bits = sample_bits(sampleset, n_coefficients * boxes.n_bits)
    return boxes.decode(bits.reshape(len(bits), n_coefficients, boxes.n_bits))
