"""Gate-model quantum kernels: fidelity kernels of Qiskit feature maps."""

from backends.kernels.quantum import QuantumKernel, scale_bandwidth

__all__ = ["QuantumKernel", "scale_bandwidth"]
