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


def _angle_derivative(expression, parameters: Sequence, column: int) -> Callable | None:
    """Vectorised ``rows -> d angle / d parameters[column]``; None where the angle is free of it.

    Differentiated by sympy on the expression's own sympy form: Qiskit
    2.x's ``ParameterExpression.gradient`` printed ``x[2]`` for
    ``d(x[1] x[2]) / d x[1]`` but converted to sympy as ``x[1]``.
    """
    import sympy

    parameter = parameters[column]
    if not hasattr(expression, "parameters") or parameter not in expression.parameters:
        return None
    used = [p for p in parameters if p in expression.parameters]
    symbols = [sympy.Symbol(p.name) for p in used]
    slope = sympy.diff(expression.sympify(), sympy.Symbol(parameter.name))
    function = sympy.lambdify(symbols, slope, modules="numpy", dummify=True)
    columns = [parameters.index(p) for p in used]
    return lambda rows: np.broadcast_to(
        np.asarray(function(*rows[:, columns].T), dtype=float), (len(rows),)
    )


def _rotation_derivative(name: str, angles: list[NDArray], which: int) -> NDArray[np.complex128]:
    """Batched ``d U / d angles[which]`` of a parameterised single-qubit basis gate.

    For the rotations ``U(a) = exp(-i a P / 2)`` this is ``U(a + pi) / 2``
    (the parameter-shift identity, exact for states); the phase and ``u``
    gates are differentiated entry by entry.
    """
    theta = angles[0]
    if name in ("rz", "rx", "ry"):
        return 0.5 * _rotation(name, [theta + np.pi])
    zero = np.zeros_like(theta)
    if name == "p":
        return _stack(zero, zero, zero, 1j * np.exp(1j * theta))
    if name == "u":
        phi, lam = angles[1], angles[2]
        c, s = np.cos(theta / 2), np.sin(theta / 2)
        if which == 0:
            return _stack(
                -s / 2, -np.exp(1j * lam) * c / 2, np.exp(1j * phi) * c / 2,
                -np.exp(1j * (phi + lam)) * s / 2,
            )  # fmt: skip
        if which == 1:
            return _stack(zero, zero, 1j * np.exp(1j * phi) * s, 1j * np.exp(1j * (phi + lam)) * c)
        return _stack(zero, -1j * np.exp(1j * lam) * s, zero, 1j * np.exp(1j * (phi + lam)) * c)
    raise ValueError(f"no derivative for gate {name!r}")


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
    # matmul broadcasts the 2x2 over the other qubits' axes: faster than einsum here.
    out = matrix @ view if matrix.ndim == 2 else matrix[:, None] @ view
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
        self._slopes: dict[tuple[int, int, int], Callable | None] = {}

    def _compile(self, circuit, instruction):
        op = instruction.operation
        qubits = [circuit.find_bit(q).index for q in instruction.qubits]
        if op.name == "barrier":
            return ("skip",)
        if op.name == "cx":
            return ("cx", qubits[0], qubits[1])
        if any(hasattr(p, "parameters") and p.parameters for p in op.params):
            functions = [_angle_function(p, self.parameters) for p in op.params]
            return ("param", op.name, functions, qubits[0], list(op.params))
        return ("fixed", np.asarray(op.to_matrix(), dtype=np.complex128), qubits[0])

    def statevectors(self, rows: NDArray[np.float64]) -> NDArray[np.complex128]:
        """Statevectors of shape ``(len(rows), 2**n_qubits)``, one per parameter row."""
        rows = np.asarray(rows, dtype=float)
        state = np.zeros((len(rows), 2**self.n_qubits), dtype=np.complex128)
        state[:, 0] = 1.0
        return self._run(state, rows, 0)

    def _run(self, state, rows, start: int, matrices: dict | None = None):
        """Apply the program's steps from ``start`` on to ``state``.

        ``matrices`` holds the batched matrices of parameterised steps by
        index, where they were evaluated once already.
        """
        for index in range(start, len(self._program)):
            state = self._apply(state, rows, index, matrices)
        return state

    def _apply(self, state, rows, index: int, matrices: dict | None = None):
        step = self._program[index]
        kind = step[0]
        if kind == "cx":
            return _apply_cx(np.ascontiguousarray(state), step[1], step[2], self.n_qubits)
        if kind == "fixed":
            return _apply_single(state, step[1], step[2], self.n_qubits)
        if kind == "param":
            if matrices is not None and index in matrices:
                matrix = matrices[index]
            else:
                matrix = _rotation(step[1], [f(rows) for f in step[2]])
            return _apply_single(state, matrix, step[3], self.n_qubits)
        return state

    def derivatives(
        self, rows: NDArray[np.float64], columns: Sequence[int]
    ) -> tuple[NDArray[np.complex128], NDArray[np.complex128]]:
        """The statevectors and their derivatives by the parameters ``columns``.

        Returns ``(states, d)`` with ``d[c, r] = d states[r] / d rows[r, columns[c]]``,
        exact: every gate occurrence of a parameter contributes its own
        gate derivative (:func:`_rotation_derivative`) times the chain rule's
        ``d angle / d parameter`` (Qiskit's own expression gradient). The
        state before each such gate is kept from one forward pass, so the
        cost is one partial simulation per occurrence, for all rows at once.
        """
        rows = np.asarray(rows, dtype=float)
        state = np.zeros((len(rows), 2**self.n_qubits), dtype=np.complex128)
        state[:, 0] = 1.0
        out = np.zeros((len(columns), *state.shape), dtype=np.complex128)
        matrices = {
            index: _rotation(step[1], [f(rows) for f in step[2]])
            for index, step in enumerate(self._program)
            if step[0] == "param"
        }
        for index, step in enumerate(self._program):
            if step[0] == "param":
                self._add_gate_derivative(out, state, rows, index, columns, matrices)
            state = self._apply(state, rows, index, matrices)
        return state, out

    def _slope(self, index: int, which: int, expression, column: int):
        """``d angle / d parameter[column]`` of one gate angle, built once (sympy is slow)."""
        key = (index, which, column)
        if key not in self._slopes:
            self._slopes[key] = _angle_derivative(expression, self.parameters, column)
        return self._slopes[key]

    def _add_gate_derivative(self, out, before, rows, index, columns, matrices) -> None:
        """Add gate ``index``'s part of every column's derivative, from the state ``before`` it."""
        _, name, functions, qubit, expressions = self._program[index]
        angles = [f(rows) for f in functions]
        for which, expression in enumerate(expressions):
            slopes = [self._slope(index, which, expression, c) for c in columns]
            if all(slope is None for slope in slopes):
                continue
            derivative = _rotation_derivative(name, angles, which)
            changed = _apply_single(before, derivative, qubit, self.n_qubits)
            tail = self._run(changed, rows, index + 1, matrices)
            for c, slope in enumerate(slopes):
                if slope is not None:
                    out[c] += slope(rows)[:, None] * tail
