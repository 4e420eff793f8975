"""The QSVR/QSVC problem: duals, their bit encodings, their QUBOs and decoding (numpy, dimod)."""

from qubo.box import BoxEncoding
from qubo.decode import decode_sampleset, sample_bits
from qubo.encoding import Encoding
from qubo.kernel_dual import KernelDual, svc_kernel_dual, svr_kernel_dual
from qubo.program import DualProgram, active_set, svc_program, svr_program
from qubo.svc import build_svc_qubo
from qubo.svr import build_svr_qubo, split_svr_coefficients

__all__ = [
    "BoxEncoding",
    "DualProgram",
    "Encoding",
    "KernelDual",
    "active_set",
    "build_svc_qubo",
    "build_svr_qubo",
    "decode_sampleset",
    "sample_bits",
    "split_svr_coefficients",
    "svc_kernel_dual",
    "svc_program",
    "svr_kernel_dual",
    "svr_program",
]
