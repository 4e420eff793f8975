"""Statevectors of one parameterised circuit for many parameter rows at once.

Qiskit's ``Statevector`` simulates one bound circuit at a time, about a
millisecond each for a small feature map, and has no batch mode; a kernel
needs the statevector of every data point. Here the circuit is unrolled
once (Qiskit's transpiler) to a few standard gates, every gate angle is
evaluated for all rows at once (sympy's lambdify of Qiskit's own parameter
expressions), and the gates act on an ``(N, 2**n)`` array with numpy. The
result is checked against Qiskit's ``Statevector`` in the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

BASIS = ("cx", "rz", "ry", "rx", "p", "u", "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx")


def _angle_function(expression, parameters: Sequence) -> Callable[[NDArray], NDArray]:
    """Vectorised ``rows -> angle`` for a (possibly constant) gate parameter."""
    if not hasattr(expression, "parameters"):
        value = float(expression)
        return lambda rows: np.full(len(rows), value)
    index = {p: i for i, p in enumerate(parameters)}
    used = sorted(expression.parameters, key=lambda p: index[p])
    try:
        import sympy

        symbols = [sympy.Symbol(p.name) for p in used]
        function = sympy.lambdify(symbols, expression.sympify(), modules="numpy", dummify=True)
        columns = [index[p] for p in used]
        return lambda rows: np.broadcast_to(
            np.asarray(function(*rows[:, columns].T), dtype=float), (len(rows),)
        )
    except ImportError:  # without sympy: bind row by row (exact, slower)
        return lambda rows: np.array(
            [float(expression.bind_all({p: r[index[p]] for p in used})) for r in rows]
        )


def _rotation(name: str, angles: list[NDArray]) -> NDArray[np.complex128]:
    """Batched 2x2 matrices of the parameterised single-qubit basis gates."""
    theta = angles[0]
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    one, zero = np.ones_like(theta), np.zeros_like(theta)
    if name == "rz":
        return _stack(np.exp(-0.5j * theta), zero, zero, np.exp(0.5j * theta))
    if name == "p":
        return _stack(one, zero, zero, np.exp(1j * theta))
    if name == "rx":
        return _stack(c, -1j * s, -1j * s, c)
    if name == "ry":
        return _stack(c, -s, s, c)
    if name == "u":
        phi, lam = angles[1], angles[2]
        return _stack(c, -np.exp(1j * lam) * s, np.exp(1j * phi) * s, np.exp(1j * (phi + lam)) * c)
    raise ValueError(f"no batched matrix for gate {name!r}")


def _stack(a, b, c, d) -> NDArray[np.complex128]:
    return np.stack([np.stack([a, b], -1), np.stack([c, d], -1)], -2).astype(np.complex128)


def _apply_single(state, matrix, qubit: int, n_qubits: int):
    """Apply a 2x2 (shared) or (N, 2, 2) (per row) matrix to one qubit (little-endian)."""
    rows = state.shape[0]
    view = state.reshape(rows, 2 ** (n_qubits - 1 - qubit), 2, 2**qubit)
    if matrix.ndim == 2:
        out = np.einsum("ij,ajb->aib", matrix, view.reshape(-1, 2, 2**qubit))
    else:
        out = np.einsum("nij,najb->naib", matrix, view)
    return out.reshape(rows, -1)


def _apply_cx(state, control: int, target: int, n_qubits: int):
    """CX in place: swap the target's two halves where the control is 1 (little-endian).

    Through a ``(rows, 2, ..., 2)`` view, one axis per qubit, instead of a
    stored ``2**n`` index permutation per gate: a ZZ map with full
    entanglement on 22 qubits has 924 CX gates, whose permutations took
    31 GB before a single state was simulated.
    """
    rows = state.shape[0]
    view = state.reshape((rows,) + (2,) * n_qubits)
    control_axis, target_axis = n_qubits - control, n_qubits - target
    index = [slice(None)] * (n_qubits + 1)
    index[control_axis] = 1
    half = view[tuple(index)]  # the control = 1 half, a view
    axis = target_axis if target_axis < control_axis else target_axis - 1
    half[...] = np.flip(half, axis=axis).copy()
    return state


class BatchedCircuit:
    """A parameterised circuit unrolled once, simulated for many parameter rows.

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
        Circuit whose parameters, in ``circuit.parameters`` order, take the
        columns of the rows passed to :meth:`statevectors`.
    """

    def __init__(self, circuit) -> None:
        from qiskit import transpile

        if circuit.num_clbits or any(
            ins.operation.name in ("measure", "reset") for ins in circuit.data
        ):
            raise ValueError("the feature map must be unitary: no measurements or resets")
        self.n_qubits = circuit.num_qubits
        self.parameters = list(circuit.parameters)
        unrolled = transpile(circuit, basis_gates=list(BASIS), optimization_level=0)
        self._program = [self._compile(unrolled, ins) for ins in unrolled.data]

    def _compile(self, circuit, instruction):
        op = instruction.operation
        qubits = [circuit.find_bit(q).index for q in instruction.qubits]
        if op.name == "barrier":
            return ("skip",)
        if op.name == "cx":
            return ("cx", qubits[0], qubits[1])
        if any(hasattr(p, "parameters") and p.parameters for p in op.params):
            functions = [_angle_function(p, self.parameters) for p in op.params]
            return ("param", op.name, functions, qubits[0])
        return ("fixed", np.asarray(op.to_matrix(), dtype=np.complex128), qubits[0])

    def statevectors(self, rows: NDArray[np.float64]) -> NDArray[np.complex128]:
        """Statevectors of shape ``(len(rows), 2**n_qubits)``, one per parameter row."""
        rows = np.asarray(rows, dtype=float)
        state = np.zeros((len(rows), 2**self.n_qubits), dtype=np.complex128)
        state[:, 0] = 1.0
        for step in self._program:
            kind = step[0]
            if kind == "cx":
                state = _apply_cx(np.ascontiguousarray(state), step[1], step[2], self.n_qubits)
            elif kind == "fixed":
                state = _apply_single(state, step[1], step[2], self.n_qubits)
            elif kind == "param":
                matrices = _rotation(step[1], [f(rows) for f in step[2]])
                state = _apply_single(state, matrices, step[3], self.n_qubits)
        return state
