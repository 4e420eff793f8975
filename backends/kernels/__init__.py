"""Gate-model quantum kernels: fidelity, projected and trainable kernels of Qiskit feature maps."""

from backends.kernels.concentration import (
    CONCENTRATION_THRESHOLD,
    KernelConcentration,
    kernel_concentration,
    sample_rows,
    warn_if_concentrated,
)
from backends.kernels.projected import ProjectedQuantumKernel, one_qubit_expectations
from backends.kernels.quantum import SCALE_BANDWIDTH, QuantumKernel, scale_bandwidth
from backends.kernels.trainable import (
    TrainableQuantumKernel,
    centred_alignment,
    hubregtsen_map,
    target_alignment,
)

__all__ = [
    "CONCENTRATION_THRESHOLD",
    "SCALE_BANDWIDTH",
    "KernelConcentration",
    "ProjectedQuantumKernel",
    "QuantumKernel",
    "TrainableQuantumKernel",
    "centred_alignment",
    "hubregtsen_map",
    "kernel_concentration",
    "one_qubit_expectations",
    "sample_rows",
    "scale_bandwidth",
    "target_alignment",
    "warn_if_concentrated",
]
