"""The QSVR/QSVC problem: the duals, their bit encodings, QUBOs and decoding (numpy, dimod)."""

from qubo.box import BoxEncoding, nearest_index, table_bytes
from qubo.decode import decode_sampleset, sample_bits
from qubo.dual import BOUND_SLACK, KKT, Dual, active_set, svc_dual, svr_dual
from qubo.encoding import Encoding
from qubo.single_shot import build_svc_qubo, build_svr_qubo, split_svr_coefficients

__all__ = [
    "BOUND_SLACK",
    "KKT",
    "BoxEncoding",
    "Dual",
    "Encoding",
    "active_set",
    "build_svc_qubo",
    "build_svr_qubo",
    "decode_sampleset",
    "nearest_index",
    "sample_bits",
    "split_svr_coefficients",
    "svc_dual",
    "svr_dual",
    "table_bytes",
]
