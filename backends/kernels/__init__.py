"""Gate-model quantum kernels: fidelity, projected and trainable kernels of Qiskit feature maps."""

from backends.kernels.projected import ProjectedQuantumKernel, one_qubit_expectations
from backends.kernels.quantum import QuantumKernel, scale_bandwidth
from backends.kernels.trainable import (
    TrainableQuantumKernel,
    centred_alignment,
    hubregtsen_map,
    target_alignment,
)

__all__ = [
    "ProjectedQuantumKernel",
    "QuantumKernel",
    "TrainableQuantumKernel",
    "centred_alignment",
    "hubregtsen_map",
    "one_qubit_expectations",
    "scale_bandwidth",
    "target_alignment",
]
