"""Modules: parameter bookkeeping, state files, and the ``Neuron`` / ``Layer`` / ``MLP`` stack.

A :class:`Module` finds its parameters by walking its public attributes in definition order:
a ``Value`` is a parameter, a ``Module`` is a child, and a list or tuple of either is indexed.
That gives every parameter a stable position and a readable dotted name
(``layers.0.neurons.3.w.1``) without any registration calls, for our modules and for users'
subclasses alike. Attributes whose name starts with ``_`` are private caches and are skipped.

State files are JSON (no pickle: loading a file never runs code). ``load_state_dict`` and
``load`` check everything before assigning anything, so a bad file leaves the model untouched.
"""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from autograd import Value, dot, matvec

from .arrays import as_sequence

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Module", "Neuron", "StateError"]

ACTIVATIONS: tuple[str | None, ...] = ("relu", "tanh", "sigmoid", None)
"""The accepted ``activation`` arguments (``None`` is linear)."""

Seed = int | random.Random | None
PathLike = str | os.PathLike[str]

_FORMAT = "valuegrad.state_dict"
_VERSION = 1


class StateError(ValueError):
    """A state dict or state file that cannot be loaded (a ``ValueError``).

    The message names the offending key; the model was left unchanged.
    """


class Module:
    """Base class: parameters, gradients and state for anything built from ``Value``s.

    Subclasses store parameters (``Value``), submodules, or lists of them as attributes and
    define ``__call__``; everything else comes from this class.

    >>> from autograd import Value
    >>> class Affine(Module):
    ...     def __init__(self):
    ...         self.scale = Value(2.0)
    ...         self.shift = [Value(0.5)]
    ...     def __call__(self, x):
    ...         return self.scale * x + self.shift[0]
    >>> Affine().state_dict()
    {'scale': 2.0, 'shift.0': 0.5}
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define __call__")

    # -- parameters ----------------------------------------------------------------------

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs in a stable order; a shared parameter is listed once."""
        seen: set[Value] = set()
        out = []
        for name, p in _walk(self, ""):
            if p not in seen:
                seen.add(p)
                out.append((name, p))
        return out

    def parameters(self) -> list[Value]:
        """The parameters in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Sets every parameter's gradient to 0.0 (call before each backward pass)."""
        for p in self.parameters():
            p.grad = 0.0

    # -- state ---------------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Parameter name -> value, a plain dict of floats."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Sets every parameter from ``state`` (as made by :meth:`state_dict`).

        Raises:
            StateError: (a ValueError) ``state`` is not a mapping, a key is missing or unexpected, or a value
                is not a finite real number (bools and strings are refused). Nothing is changed
                when it raises.
        """
        values = self._check_state(state, "state_dict")
        for p, v in zip(self.parameters(), values, strict=True):
            p.data = v

    def save(self, path: PathLike) -> None:
        """Writes the state to ``path`` as JSON, atomically.

        The JSON goes to a temporary file in the same folder, is flushed to disk, and then
        renamed over ``path``: a crash leaves either the old file or the new one, never half of
        one. Floats are written with ``repr`` and so read back bit for bit.
        """
        state = self.state_dict()
        for name, v in state.items():
            if not math.isfinite(v):
                raise ValueError(f"cannot save: parameter {name!r} is not finite ({v!r})")
        text = json.dumps(
            {"format": _FORMAT, "version": _VERSION, "model": repr(self), "state": state},
            indent=1,
            allow_nan=False,
        )
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:  # pragma: no cover - replaced already
                pass
            raise

    def load(self, path: PathLike) -> None:
        """Reads a file written by :meth:`save` into this model.

        Raises:
            StateError: (a ValueError) the file is not UTF-8 JSON, not a state file, has duplicate keys, or its
                state fails the checks of :meth:`load_state_dict`. Nothing is changed then.
            OSError: the file cannot be read.
        """
        path = os.fspath(path)
        with open(path, "rb") as f:
            raw = f.read()
        try:
            doc = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, duplicate keys
            raise StateError(f"{path}: not a valid state file: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            raise StateError(f"{path}: not a valuegrad state file (no format {_FORMAT!r})")
        if doc.get("version") != _VERSION:
            raise StateError(f"{path}: unsupported state file version {doc.get('version')!r}")
        if "state" not in doc:
            raise StateError(f"{path}: state file has no 'state' entry")
        values = self._check_state(doc["state"], path)
        for p, v in zip(self.parameters(), values, strict=True):
            p.data = v

    def _check_state(self, state: Any, where: str) -> list[float]:
        """The values of ``state`` in parameter order, or ValueError naming the bad key."""
        if not isinstance(state, Mapping):
            raise StateError(f"{where}: expected a mapping of name -> float, got "
                             f"{type(state).__name__}")
        names = [name for name, _ in self.named_parameters()]
        missing = [k for k in names if k not in state]
        if missing:
            raise StateError(f"{where}: missing key(s) {', '.join(map(repr, missing))}")
        known = set(names)
        extra = [k for k in state if k not in known]
        if extra:
            raise StateError(f"{where}: unexpected key(s) {', '.join(map(repr, extra))}")
        values = []
        for k in names:
            v = state[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise StateError(
                    f"{where}: key {k!r} must be a real number, got {type(v).__name__}: {v!r}"
                )
            try:
                f = float(v)
            except OverflowError:
                raise StateError(f"{where}: key {k!r} is too large for a float") from None
            if not math.isfinite(f):
                raise StateError(f"{where}: key {k!r} is not finite ({f!r})")
            values.append(f)
        return values

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _walk(obj: Any, prefix: str) -> Iterator[tuple[str, Value]]:
    """Yields (dotted name, Value) under ``obj`` in attribute/index order."""
    if type(obj) is Value:
        yield prefix, obj
    elif isinstance(obj, Module):
        for name, child in vars(obj).items():
            if not name.startswith("_"):
                yield from _walk(child, f"{prefix}.{name}" if prefix else name)
    elif isinstance(obj, (list, tuple)):
        for i, child in enumerate(obj):
            yield from _walk(child, f"{prefix}.{i}" if prefix else str(i))


# ---------------------------------------------------------------------------------------------
# Arguments and initialisation.
# ---------------------------------------------------------------------------------------------

def _rng(seed: Seed, who: str) -> random.Random:
    """A generator from ``seed``: a Random is used as is (and advanced), an int seeds a new one,
    None draws a seed from the global ``random`` state (so ``random.seed`` makes it repeatable).
    """
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random(random.getrandbits(64))
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"{who}: seed must be an int, a random.Random or None, "
                        f"got {type(seed).__name__}")
    return random.Random(seed)


def _check_count(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be a positive int, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{what} must be a positive int, got {n}")
    return n


def _check_activation(activation: Any, who: str) -> str | None:
    if activation is None or (type(activation) is str and activation in ACTIVATIONS):
        return activation
    raise ValueError(f"{who}: unknown activation {activation!r}; "
                     "choose one of 'relu', 'tanh', 'sigmoid' or None (linear)")


# Uniform init with the variance of He (relu) or Glorot/LeCun (the others) in terms of fan-in:
# Var(w) = gain^2 / nin, i.e. bound = gain * sqrt(3 / nin). The gains are torch's
# ``calculate_gain`` values, so signals keep their scale through deep stacks.
_GAIN = {"relu": math.sqrt(2.0), "tanh": 5.0 / 3.0, "sigmoid": 1.0, None: 1.0}


def _check_inputs(x: Any, nin: int, who: str) -> Sequence[Any]:
    """``x`` as a list or tuple of ``nin`` inputs; arrays are read through ``nn.arrays``."""
    seq = x if isinstance(x, (list, tuple)) else as_sequence(x)
    if seq is None:
        raise TypeError(f"{who} expects a list of {nin} numbers or Values (or an array), "
                        f"got {type(x).__name__}")
    if len(seq) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(seq)}")
    return seq


# ---------------------------------------------------------------------------------------------
# The stack.
# ---------------------------------------------------------------------------------------------

class Neuron(Module):
    """``activation(w . x + b)``: ``nin`` weights and a bias.

    The weighted sum and the bias are ONE ``dot`` node (``dot(w + [b], x + [1])``), so a
    neuron adds two nodes to the graph (dot, activation), not 2 * nin.

    Args:
        nin: number of inputs.
        activation: ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``None`` (linear).
        seed: int, ``random.Random`` (advanced in place) or ``None`` (global random state).

    >>> n = Neuron(3, activation="tanh", seed=0)
    >>> n
    Neuron(3, activation='tanh')
    >>> [name for name, _ in n.named_parameters()]
    ['w.0', 'w.1', 'w.2', 'b']
    >>> n([1.0, 2.0, 3.0]).op
    'tanh'
    """

    def __init__(self, nin: int, activation: str | None = "relu", seed: Seed = None) -> None:
        self.nin = _check_count(nin, "Neuron: nin")
        self.activation = _check_activation(activation, "Neuron")
        rng = _rng(seed, "Neuron")
        bound = _GAIN[self.activation] * math.sqrt(3.0 / self.nin)
        uniform = rng.uniform
        # A tuple: parameters are changed through their .data, or by assigning a new w / b.
        self.w = tuple(Value(uniform(-bound, bound), label=f"w{i}") for i in range(self.nin))
        self.b = Value(0.0, label="b")

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in ("w", "b") and "b" in self.__dict__:
            # The dot product's left operand, kept in step with w and b (not rebuilt per call).
            super().__setattr__("_wb", [*self.w, self.b])

    def __call__(self, x: Sequence[Any]) -> Value:
        """The neuron's output for inputs ``x`` (numbers or Values)."""
        x = _check_inputs(x, self.nin, "Neuron")
        return self._forward([*x, 1.0])

    def _forward(self, x1: list[Any]) -> Value:
        """Output for inputs already extended with the bias input 1.0 (no checks)."""
        act = dot(self._wb, x1)
        activation = self.activation
        if activation == "relu":
            return act.relu()
        if activation is None:
            return act
        if activation == "tanh":
            return act.tanh()
        return act.sigmoid()

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling returns a list of ``nout``.

    >>> layer = Layer(2, 3, seed=0)
    >>> layer
    Layer(2, 3, activation='relu')
    >>> len(layer([0.5, -1.0])), len(layer.parameters())
    (3, 9)
    """

    def __init__(
        self, nin: int, nout: int, activation: str | None = "relu", seed: Seed = None
    ) -> None:
        self.nin = _check_count(nin, "Layer: nin")
        self.nout = _check_count(nout, "Layer: nout")
        self.activation = _check_activation(activation, "Layer")
        rng = _rng(seed, "Layer")
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]

    def __call__(self, x: Sequence[Any]) -> list[Value]:
        """The ``nout`` outputs for inputs ``x``."""
        x = _check_inputs(x, self.nin, "Layer")
        return self._forward([*x, 1.0])

    def _forward(self, x1: list[Any]) -> list[Value]:
        """Outputs for inputs already extended with the bias input 1.0 (no checks).

        One ``matvec`` for the whole layer: the same nodes as calling each neuron, with the
        shared input examined once.
        """
        sums = matvec([n._wb for n in self.neurons], x1, rows_are_values=True)
        activation = self.activation
        if activation == "relu":
            return [s.relu() for s in sums]
        if activation is None:
            return sums
        if activation == "tanh":
            return [s.tanh() for s in sums]
        return [s.sigmoid() for s in sums]

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


class MLP(Module):
    """A multilayer perceptron: ``Layer``s of sizes ``nouts``, the last one linear.

    Args:
        nin: number of inputs.
        nouts: output size of each layer, e.g. ``[16, 16, 1]``.
        activation: of every hidden layer; the output layer is always linear (its outputs are
            scores or logits for the losses in :mod:`nn.losses`).
        seed: int, ``random.Random`` or ``None``; the same seed gives the same model.

    Calling returns a ``Value`` when the last layer has one output, else a list.

    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> print(model)
    MLP(2, [16, 16, 1], activation='relu')
      (layers.0): Layer(2, 16, activation='relu')
      (layers.1): Layer(16, 16, activation='relu')
      (layers.2): Layer(16, 1, activation=None)
      337 parameters
    >>> model.named_parameters()[-1][0]
    'layers.2.neurons.0.b'
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str | None = "relu", seed: Seed = None
    ) -> None:
        self.nin = _check_count(nin, "MLP: nin")
        if not isinstance(nouts, (list, tuple)) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        self.nouts = [_check_count(n, f"MLP: nouts[{i}]") for i, n in enumerate(nouts)]
        self.activation = _check_activation(activation, "MLP")
        rng = _rng(seed, "MLP")
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < last else None, rng)
            for i in range(len(self.nouts))
        ]
        for name, p in self.named_parameters():
            p.label = name

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        """The output (a Value if the last layer has one output, else a list)."""
        x = _check_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            x = layer._forward([*x, 1.0])
        return x[0] if len(x) == 1 else x

    def __repr__(self) -> str:
        lines = [f"MLP({self.nin}, {self.nouts}, activation={self.activation!r})"]
        lines += [f"  (layers.{i}): {layer!r}" for i, layer in enumerate(self.layers)]
        lines.append(f"  {len(self.parameters())} parameters")
        return "\n".join(lines)
