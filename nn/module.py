"""Modules: the ``Module`` base class and the ``Neuron`` / ``Layer`` / ``MLP`` stack.

A :class:`Module` finds its parameters by walking its public attributes in definition order:
a ``Value`` is a parameter, a ``Module`` is a child, and lists, tuples and dicts of either
(nested to any depth) are walked in index / insertion order, as ``ModuleList`` and
``ModuleDict`` would be in PyTorch, without requiring them. That gives every parameter a stable
position and a readable dotted name (``layers.0.neurons.3.w.1``) without any registration
calls, for our modules and for users' subclasses alike. Attributes whose name starts with ``_``
are private caches and are skipped, and so are sets (they have no stable order). Each module
or container is entered once, so shared children and references back to a parent are fine.
A name part holding parameters may not contain ``.`` (an attribute ``"a.0"`` beside a list
``a`` would make two parameters share one name), so names are never ambiguous.

A parameter's ``label`` (what drawings and ``explain`` show) is its name: a module labels its
parameters whenever it lists them (``named_parameters``, and so ``parameters``, ``state_dict``,
an optimizer built from them, ...), and ours list them when built. Only a label that is empty
or that a module inside this one gave (the end of this module's name for it: ``w.0`` and
``neurons.1.w.0`` for ``layers.0.neurons.1.w.0``) is replaced, so a label you chose yourself
stays, and a model inside your own module takes the longer names once your module lists them.

State files are JSON (no pickle: loading a file never runs code). ``load_state_dict`` and
``load`` check everything before assigning anything, so a bad file leaves the model untouched;
the checks and the file format are in :mod:`nn.state`.
"""

from __future__ import annotations

import math
import os
import reprlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from autograd import Value, dot, matvec, softmax

from .arrays import as_sequence
from .checks import (
    Seed,
    finite_float,
    input_list,
    positive_int,
    seeded_random,
    short_repr,
)
from .export import Dense, dense_from_torch, dense_to_torch
from .state import PathLike, StateError, checked_state_values, read_state_file, write_state_file

if TYPE_CHECKING:
    import torch

__all__ = [
    "ACTIVATIONS", "MLP", "OUTPUT_ACTIVATIONS", "Layer", "Module", "Neuron", "StateError",
]

ACTIVATIONS: tuple[str | None, ...] = ("relu", "tanh", "sigmoid", None)
"""The accepted ``activation`` arguments (``None`` is linear)."""


class Module:
    """Base class: parameters, gradients and state for anything built from ``Value``s.

    Subclasses store parameters (``Value``), submodules, or lists, tuples and dicts of them as
    attributes and define ``forward`` (called by ``__call__``, as in PyTorch) or ``__call__``
    itself; everything else comes from this class.

    >>> from autograd import Value
    >>> class Affine(Module):
    ...     def __init__(self):
    ...         self.scale = Value(2.0)
    ...         self.shift = {"x": [Value(0.5)]}
    ...     def forward(self, x):
    ...         return self.scale * x + self.shift["x"][0]
    >>> Affine().state_dict()
    {'scale': 2.0, 'shift.x.0': 0.5}
    >>> Affine()(1.0).data
    2.5
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Calls :meth:`forward` (subclasses may define ``__call__`` instead)."""
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define it (or ``__call__``)."""
        raise NotImplementedError(f"{type(self).__name__} must define forward() (or __call__)")

    # -- parameters ----------------------------------------------------------------------

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs in a stable order; a shared parameter is listed once.

        Each parameter whose label is empty, or is the end of this name (a name a module
        inside this one gave it), is labelled with this name; other labels are kept.

        Raises:
            ValueError: a part of a parameter's name (an attribute name or dict key) is empty
                or contains ``.``, or two parameters would get the same name.
            TypeError: a dict holding parameters has a key that is neither a str nor an int.
        """
        seen: set[Value] = set()
        names: dict[str, Value] = {}
        for name, p in _walk(self):
            if p in seen:
                continue
            seen.add(p)
            if type(name) is _BadName:
                raise name.error
            assert isinstance(name, str)
            if name in names:
                raise ValueError(f"two parameters of {type(self).__name__} would both be named "
                                 f"{short_repr(name)}: rename a dict key or attribute")
            names[name] = p
        for name, p in names.items():
            label = p.label
            if label != name and (not label or name.endswith("." + label)):
                p.label = name
        return list(names.items())

    def parameters(self) -> list[Value]:
        """The parameters in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Resets every parameter's gradient: to 0.0, or to ``None`` with ``set_to_none=True``.

        Call it before each backward pass. ``None`` (PyTorch's default) marks a parameter that
        no pass has reached since: ``backward`` treats it as 0 and optimizers skip it.
        """
        fill = None if set_to_none else 0.0
        for p in self.parameters():
            p.grad = fill

    # -- PyTorch -------------------------------------------------------------------------

    def to_torch(self) -> torch.nn.Module:
        """An equivalent ``torch.nn.Module`` in float64 (every module of ``nn`` has one).

        Needs PyTorch (``pip install "valuegrad[torch]"``), imported only by this call.
        """
        raise NotImplementedError(f"{type(self).__name__} has no PyTorch equivalent: "
                                  "define its to_torch() (nn's own modules have one)")

    # -- state ---------------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Parameter name -> value, a plain dict of floats."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Sets every parameter from ``state`` (as made by :meth:`state_dict`).

        Values may be any real number but a bool (int, float, Fraction, NumPy scalars), as
        ``Value()`` accepts; they are stored as floats.

        Raises:
            StateError: (a ValueError) ``state`` is not a mapping, a key is missing or
                unexpected, or a value is not a finite real number (bools and strings are
                refused). Nothing is changed when it raises.
        """
        self._assign(state, "state_dict")

    def save(self, path: PathLike) -> None:
        """Writes the state to ``path`` as JSON, atomically.

        The JSON goes to a temporary file in the same folder, is flushed to disk, and then
        renamed over ``path``: a crash leaves either the old file or the new one, never half of
        one. Floats are written with ``repr`` and so read back bit for bit. A file replaced
        keeps its permissions; a new one gets those ``open()`` would give (0o666 less the
        umask). Saving through a symlink writes the file it points to and keeps the link.
        Temporary files are named ``.<name>.valuegrad-<random>.tmp``; one that a killed save
        left behind is deleted by a later save into the same folder once it is a minute old.

        Raises:
            ValueError: a parameter is not finite (JSON cannot hold it); nothing is written.
            OSError: the file cannot be written; an existing one is left as it was.
        """
        write_state_file(path, self.state_dict(), repr(self))

    def load(self, path: PathLike) -> None:
        """Reads a file written by :meth:`save` into this model.

        A file is refused before parsing when it is larger than 1 MiB plus four times the
        largest file :meth:`save` can write for this model's parameter names; at most one byte
        past that limit is read (so ``/dev/zero`` or a huge junk file fail at once).

        Raises:
            StateError: (a ValueError) the file is too large, not UTF-8 JSON (or nested too
                deeply to parse), not a state file, has duplicate keys, or its state fails the
                checks of :meth:`load_state_dict`. Nothing is changed then.
            OSError: the file cannot be read.
        """
        names = [name for name, _ in self.named_parameters()]
        self._assign(read_state_file(path, names), os.fspath(path))

    def _assign(self, state: Any, where: str) -> None:
        """Checks all of ``state`` first, then sets every parameter from it."""
        named = self.named_parameters()
        values = checked_state_values([name for name, _ in named], state, where)
        for (_, p), v in zip(named, values, strict=True):
            p.data = v

    # -- display -------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """Settings shown inside the repr's parentheses (empty here; subclasses may add)."""
        return ""

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        """``Name(extra)``, then one indented ``(name): repr`` line per child module.

        A module met again inside its own repr (a child pointing back up) prints as ``...``.
        """
        lines = [line for line in self.extra_repr().split("\n") if line]
        for name, child in _children(self):
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        if not lines:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and not lines[0].startswith("("):
            return f"{type(self).__name__}({lines[0]})"
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"


def _parts(obj: Any) -> list[tuple[Any, Any]] | None:
    """The (name part, child) pairs to walk inside ``obj``; None for a leaf of the walk."""
    if isinstance(obj, Module):
        return [(k, v) for k, v in vars(obj).items() if not k.startswith("_")]
    if isinstance(obj, (list, tuple)):
        return list(enumerate(obj))
    if isinstance(obj, dict):
        return list(obj.items())
    return None


class _BadName:
    """A name part that cannot name parameters; its error is raised only if some sit under it
    (a dict of settings may have any keys)."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


def _join(prefix: str | _BadName, part: Any) -> str | _BadName:
    """``prefix.part``, or a _BadName when ``part`` would make parameter names ambiguous."""
    if type(prefix) is _BadName:
        return prefix
    where = short_repr(prefix or "the module")
    if isinstance(part, str):
        if not part or "." in part:
            return _BadName(ValueError(
                f"parameters under {where}: the name part {short_repr(part)} is empty or holds "
                "'.', which would make parameter names ambiguous; rename it"))
        text = part
    elif isinstance(part, int) and not isinstance(part, bool):
        text = str(int(part))
    else:
        return _BadName(TypeError(
            f"parameters under {where} sit in a dict whose key {short_repr(part)} is a "
            f"{type(part).__name__}: use str or int keys"))
    return f"{prefix}.{text}" if prefix else text


def _walk(root: Module) -> Iterator[tuple[str | _BadName, Value]]:
    """Yields (dotted name, Value) under ``root``, depth first in attribute / index / key order.

    Iterative, and each module or container is entered once, so deep nesting and modules
    that refer back to their parents are fine.
    """
    entered: set[int] = set()
    stack: list[tuple[str | _BadName, Any]] = [("", root)]
    push = stack.append
    while stack:
        name, obj = stack.pop()
        if isinstance(obj, Value):
            yield name, obj
            continue
        if id(obj) in entered:
            continue
        if isinstance(obj, Module):
            entered.add(id(obj))
            for k, child in reversed(vars(obj).items()):
                if k[:1] != "_":
                    if type(name) is str and "." not in k and k:
                        push((f"{name}.{k}" if name else k, child))
                    else:
                        push((_join(name, k), child))
        elif isinstance(obj, (list, tuple)):
            entered.add(id(obj))
            if type(name) is str:
                dot = f"{name}." if name else ""
                for i in range(len(obj) - 1, -1, -1):
                    push((f"{dot}{i}", obj[i]))
            else:
                for child in reversed(obj):
                    push((name, child))
        elif isinstance(obj, dict):
            entered.add(id(obj))
            for k, child in reversed(obj.items()):
                push((_join(name, k), child))


def _children(module: Module) -> list[tuple[str, Module]]:
    """The modules directly inside ``module`` (through containers), with their dotted names."""
    out: list[tuple[str, Module]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [
        ((k,), v) for k, v in reversed(_parts(module) or [])
    ]
    entered: set[int] = {id(module)}
    while stack:
        path, obj = stack.pop()
        if isinstance(obj, Module):
            if id(obj) not in entered:
                entered.add(id(obj))
                out.append((".".join(map(str, path)), obj))
            continue
        parts = _parts(obj)
        if parts is None or id(obj) in entered:
            continue
        entered.add(id(obj))
        stack.extend((path + (k,), child) for k, child in reversed(parts))
    return out


# ---------------------------------------------------------------------------------------------
# Arguments, initialisation and weights as plain numbers.
# ---------------------------------------------------------------------------------------------

def _check_activation(activation: Any, who: str, allowed: tuple[str | None, ...] = ACTIVATIONS,
                      what: str = "activation") -> str | None:
    """``activation`` when it is one of ``allowed``, else a ValueError listing them."""
    if activation is None or (type(activation) is str and activation in allowed):
        return activation
    names = ", ".join(repr(a) for a in allowed if a is not None)
    raise ValueError(f"{who}: unknown {what} {short_repr(activation)}; "
                     f"choose one of {names} or None (linear)")


# Uniform init with the variance of He (relu) or Glorot/LeCun (the others) in terms of fan-in:
# Var(w) = gain^2 / nin, i.e. bound = gain * sqrt(3 / nin). The gains are torch's
# ``calculate_gain`` values, so signals keep their scale through deep stacks.
_GAIN = {"relu": math.sqrt(2.0), "tanh": 5.0 / 3.0, "sigmoid": 1.0, None: 1.0}

# The Value method each activation applies to a neuron's weighted sum (None: linear).
_NONLINEARITY: dict[str | None, Callable[[Value], Value] | None] = {
    "relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid, None: None,
}


def _items(obj: Any, n: int, who: str, what: str) -> Sequence[Any]:
    """``obj`` as a list (or tuple, or array read as one) of ``n`` items."""
    seq = as_sequence(obj)
    if seq is None:
        raise TypeError(f"{who}: {what} must be a list of {n}, got {type(obj).__name__}")
    if len(seq) != n:
        raise ValueError(f"{who}: {what} must be a list of {n}, got {len(seq)}")
    return seq


def _numbers(obj: Any, n: int, who: str, where: str, what: str) -> list[float]:
    """``n`` finite numbers at position ``where`` (say ``weights[1]``) as floats."""
    seq = _items(obj, n, who, f"{where} ({what})")
    return [finite_float(x, f"{who}: {where}[{i}]") for i, x in enumerate(seq)]


def _kernel(obj: Any, nin: int, nout: int, who: str, where: str, layer: str) -> list[list[float]]:
    """A Keras kernel at ``where``: ``nin`` rows (one per input) of ``nout`` numbers (one per
    unit), as floats."""
    what = f"{layer}kernel: {nin} rows, one per input, of {nout} numbers, one per unit"
    rows = _items(obj, nin, who, f"{where} ({what})")
    return [_numbers(row, nout, who, f"{where}[{i}]", f"{layer}kernel row {i}")
            for i, row in enumerate(rows)]


def _dense_weights(weights: Any, k: int, layer: Layer, who: str, name: str) -> list[float]:
    """``weights[k]`` and ``weights[k + 1]``, a Keras kernel and bias for ``layer``, checked and
    laid out as its parameters are (each neuron's weights, then its bias)."""
    kernel = _kernel(weights[k], layer.nin, layer.nout, who, f"weights[{k}]", name)
    bias = _numbers(weights[k + 1], layer.nout, who, f"weights[{k + 1}]", f"{name}bias")
    return [x for j, b in enumerate(bias) for x in (*(row[j] for row in kernel), b)]


def _weights_list(weights: Any, n: int, who: str, layout: str) -> Sequence[Any]:
    """The outer list given to ``set_weights``: ``n`` items as ``layout`` describes them."""
    seq = as_sequence(weights)
    if seq is None:
        raise TypeError(f"{who} expects a list {layout}, got {type(weights).__name__}")
    if len(seq) != n:
        raise ValueError(f"{who} expects a list of {n}: {layout}; got {len(seq)} items")
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

    _wb: list[Value]  # [*w, b], the dot product's left operand (kept by __setattr__)

    def __init__(self, nin: int, activation: str | None = "relu", seed: Seed = None) -> None:
        self.nin = positive_int(nin, "Neuron: nin")
        self.activation = _check_activation(activation, "Neuron")
        rng = seeded_random(seed, "Neuron")
        bound = _GAIN[self.activation] * math.sqrt(3.0 / self.nin)
        uniform = rng.uniform
        # A tuple: parameters are changed through their .data, or by assigning a new w / b.
        # Labelled with their names here (as named_parameters would), the walk saved.
        self.w = tuple(Value(uniform(-bound, bound), label=f"w.{i}") for i in range(self.nin))
        self.b = Value(0.0, label="b")

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in ("w", "b") and "b" in self.__dict__:
            # The dot product's left operand, kept in step with w and b (not rebuilt per call).
            super().__setattr__("_wb", [*self.w, self.b])

    def __call__(self, x: Sequence[Any]) -> Value:
        """The neuron's output for inputs ``x`` (numbers or Values)."""
        x = input_list(x, self.nin, "Neuron")
        return self._forward([*x, 1.0])

    def _forward(self, x1: list[Any]) -> Value:
        """Output for inputs already extended with the bias input 1.0 (no checks)."""
        act = dot(self._wb, x1)
        nonlinearity = _NONLINEARITY[self.activation]
        return act if nonlinearity is None else nonlinearity(act)

    def forward(self, x: Sequence[Any]) -> Value:
        """Same as calling: the neuron's output (for code written the PyTorch way)."""
        return self(x)

    def get_weights(self) -> list[Any]:
        """``[w, b]``: the ``nin`` weights as a list of floats, and the bias as a float.

        >>> n = Neuron(2, activation="sigmoid", seed=0)
        >>> n.set_weights([[0.15, 0.2], 0.35])
        >>> n.get_weights()
        [[0.15, 0.2], 0.35]
        """
        return [[w.data for w in self.w], self.b.data]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Sets the weights and bias from ``[w, b]`` as :meth:`get_weights` gives them.

        ``w`` is any list, tuple or array of ``nin`` real numbers, ``b`` a real number (bools
        are refused, as by ``Value``). Everything is checked before anything is changed.

        Raises:
            TypeError: the structure is not ``[w, b]``, or an entry is not a real number.
            ValueError: ``w`` does not hold ``nin`` numbers, or a number is not finite.
        """
        who = "Neuron.set_weights"
        w, b = _weights_list(weights, 2, who, f"[w, b]: {self.nin} weights and a bias")
        values = _numbers(w, self.nin, who, "weights[0]", "the weights")
        values.append(finite_float(b, f"{who}: weights[1] (the bias)"))
        for p, v in zip(self._wb, values, strict=True):
            p.data = v

    def to_torch(self) -> torch.nn.Sequential:
        """``Sequential(Linear(nin, 1), activation)`` in float64: ``[batch, nin] -> [batch, 1]``."""
        return dense_to_torch(self._dense(), "Neuron.to_torch")

    def _dense(self) -> list[Dense]:
        return [([[w.data for w in self.w]], [self.b.data], self.activation)]

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling returns a list of ``nout``.

    >>> layer = Layer(2, 3, seed=0)
    >>> layer
    Layer(2, 3, activation='relu')
    >>> len(layer([0.5, -1.0])), len(layer.parameters())
    (3, 9)
    >>> layer.neurons[1].w[0].label
    'neurons.1.w.0'
    """

    def __init__(
        self, nin: int, nout: int, activation: str | None = "relu", seed: Seed = None
    ) -> None:
        self.nin = positive_int(nin, "Layer: nin")
        self.nout = positive_int(nout, "Layer: nout")
        self.activation = _check_activation(activation, "Layer")
        rng = seeded_random(seed, "Layer")
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]
        for j, neuron in enumerate(self.neurons):  # labelled with their names (neurons.1.w.0)
            for p in neuron._wb:  # as named_parameters would, the walk saved
                p.label = f"neurons.{j}.{p.label}"

    def __call__(self, x: Sequence[Any]) -> list[Value]:
        """The ``nout`` outputs for inputs ``x``."""
        x = input_list(x, self.nin, "Layer")
        return self._forward([*x, 1.0])

    def _forward(self, x1: list[Any]) -> list[Value]:
        """Outputs for inputs already extended with the bias input 1.0 (no checks).

        One ``matvec`` for the whole layer: the same nodes as calling each neuron, with the
        shared input examined once.
        """
        sums = matvec([n._wb for n in self.neurons], x1, rows_are_values=True)
        nonlinearity = _NONLINEARITY[self.activation]
        return sums if nonlinearity is None else [nonlinearity(s) for s in sums]

    def forward(self, x: Sequence[Any]) -> list[Value]:
        """Same as calling: the layer's outputs (for code written the PyTorch way)."""
        return self(x)

    def get_weights(self) -> list[Any]:
        """``[kernel, bias]`` as Keras' ``Dense`` layer gives them, as lists of floats.

        ``kernel[i][j]`` is the weight from input ``i`` to neuron ``j`` (``nin`` rows of
        ``nout``: ``neurons[j].w[i]``); ``bias[j]`` is neuron ``j``'s bias. (A PyTorch
        ``Linear`` stores the transpose: a row per output.)

        >>> layer = Layer(2, 2, activation="sigmoid", seed=0)
        >>> layer.set_weights([[[0.15, 0.25], [0.2, 0.3]], [0.35, 0.35]])
        >>> [n.get_weights() for n in layer.neurons]
        [[[0.15, 0.2], 0.35], [[0.25, 0.3], 0.35]]
        """
        kernel = [[n.w[i].data for n in self.neurons] for i in range(self.nin)]
        return [kernel, [n.b.data for n in self.neurons]]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Sets every weight and bias from ``[kernel, bias]`` as :meth:`get_weights` gives them.

        Lists, tuples and arrays (NumPy's included) are read; every entry must be a finite
        real number (bools are refused). Everything is checked before anything is changed, and
        an error names the position, e.g. ``weights[0][1][2]``.

        Raises:
            TypeError: the structure is not ``[kernel, bias]``, or an entry is not a number.
            ValueError: a shape differs from ``nin x nout`` / ``nout``, or a number is not
                finite.
        """
        who = "Layer.set_weights"
        items = _weights_list(weights, 2, who, f"[kernel, bias] ({self.nin} x {self.nout} "
                              f"and {self.nout})")
        values = _dense_weights(items, 0, self, who, "")
        for p, v in zip(self._weights(), values, strict=True):
            p.data = v

    def _weights(self) -> list[Value]:
        """Each neuron's weights and bias in turn (a weight shared by two neurons: twice)."""
        return [p for n in self.neurons for p in n._wb]

    def to_torch(self) -> torch.nn.Sequential:
        """``Sequential(Linear(nin, nout), activation)`` in float64, with this layer's weights."""
        return dense_to_torch(self._dense(), "Layer.to_torch")

    def _dense(self) -> list[Dense]:
        rows = [[w.data for w in n.w] for n in self.neurons]
        return [(rows, [n.b.data for n in self.neurons], self.activation)]

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


OUTPUT_ACTIVATIONS: tuple[str | None, ...] = ("relu", "tanh", "sigmoid", "softmax", None)
"""The accepted ``output_activation`` arguments of an :class:`MLP` (``None`` is linear)."""


class MLP(Module):
    """A multilayer perceptron: ``Layer``s of sizes ``nouts``.

    Args:
        nin: number of inputs.
        nouts: output size of each layer, e.g. ``[16, 16, 1]``.
        activation: of every hidden layer.
        seed: int, ``random.Random`` or ``None``; the same seed gives the same model.
        output_activation: of the last layer: ``None`` (linear, the default: scores or logits
            for the losses in :mod:`nn.losses`), ``"sigmoid"``, ``"tanh"``, ``"relu"``, or
            ``"softmax"`` (the outputs become probabilities summing to 1, computed by
            ``autograd.softmax``; needs at least two outputs). ``nn.losses.cross_entropy``
            and ``binary_cross_entropy_with_logits`` take logits: use them with ``None``.

    Calling returns a ``Value`` when the last layer has one output, else a list; its declared
    type is ``Value | list[Value]`` because the output count is known only at run time. Where
    the static type matters, :meth:`scalar` is typed ``-> Value`` (and refuses a model with
    several outputs) and :meth:`vector` ``-> list[Value]`` (a one-output model gives a list of
    one).

    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> print(model)
    MLP(2, [16, 16, 1], activation='relu')
      (layers.0): Layer(2, 16, activation='relu')
      (layers.1): Layer(16, 16, activation='relu')
      (layers.2): Layer(16, 1, activation=None)
      337 parameters
    >>> model.named_parameters()[-1][0]
    'layers.2.neurons.0.b'
    >>> probs = MLP(2, [4, 3], seed=0, output_activation="softmax")([0.5, -1.0])
    >>> len(probs), round(sum(p.data for p in probs), 12)
    (3, 1.0)
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str | None = "relu", seed: Seed = None,
        output_activation: str | None = None,
    ) -> None:
        self.nin = positive_int(nin, "MLP: nin")
        if not isinstance(nouts, (list, tuple)) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        self.nouts = [positive_int(n, f"MLP: nouts[{i}]") for i, n in enumerate(nouts)]
        self.activation = _check_activation(activation, "MLP")
        self.output_activation = _check_activation(
            output_activation, "MLP", OUTPUT_ACTIVATIONS, "output_activation")
        if self.output_activation == "softmax" and self.nouts[-1] < 2:
            raise ValueError("MLP: output_activation='softmax' over one output is always 1.0; "
                             "use 'sigmoid' for one probability, or give the last layer one "
                             "output per class")
        rng = seeded_random(seed, "MLP")
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        # The last Layer applies a per-neuron output activation itself; softmax, which reads
        # every output, is applied by __call__ to the last Layer's linear outputs.
        final = None if self.output_activation == "softmax" else self.output_activation
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < last else final, rng)
            for i in range(len(self.nouts))
        ]
        self.named_parameters()  # labels each parameter with its name (layers.0.neurons.1.w.0)

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        """The output (a Value if the last layer has one output, else a list)."""
        x = input_list(x, self.nin, "MLP")
        for layer in self.layers:
            x = layer._forward([*x, 1.0])
        if self.output_activation == "softmax":
            return softmax(x)
        return x[0] if len(x) == 1 else cast("list[Value]", x)

    def scalar(self, x: Sequence[Any]) -> Value:
        """The output of a model whose last layer has one output, typed as a ``Value``.

        Raises:
            ValueError: the last layer has several outputs (use :meth:`vector`).
        """
        if self.nouts[-1] != 1:
            raise ValueError(f"MLP.scalar: the last layer has {self.nouts[-1]} outputs, not 1; "
                             "call vector() for a list")
        out = self(x)
        assert isinstance(out, Value)
        return out

    def vector(self, x: Sequence[Any]) -> list[Value]:
        """The outputs as a list, whatever their number (one output: a list of one)."""
        out = self(x)
        return [out] if isinstance(out, Value) else out

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        """Same as calling: the model's output (for code written the PyTorch way)."""
        return self(x)

    def get_weights(self) -> list[Any]:
        """Each layer's ``[kernel, bias]`` (:meth:`Layer.get_weights`) one after another, as
        Keras' ``Model.get_weights`` lists them: ``[kernel0, bias0, kernel1, bias1, ...]``.

        A textbook network (two inputs, two sigmoid hidden units, two sigmoid outputs, weights
        w1..w8 and one bias per layer) set in one call:

        >>> net = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid")
        >>> net.set_weights([
        ...     [[0.15, 0.25], [0.20, 0.30]], [0.35, 0.35],   # w1 w3 / w2 w4, b1 (hidden)
        ...     [[0.40, 0.50], [0.45, 0.55]], [0.60, 0.60],   # w5 w7 / w6 w8, b2 (output)
        ... ])
        >>> [round(v.data, 9) for v in net([0.05, 0.10])]
        [0.75136507, 0.772928465]
        """
        return [item for layer in self.layers for item in layer.get_weights()]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Sets every weight and bias from the list :meth:`get_weights` gives.

        ``weights`` holds ``2 * len(nouts)`` items: for layer ``i``, its kernel (``weights[2i]``,
        a row per input, a column per neuron) and its biases (``weights[2i + 1]``). Lists,
        tuples and arrays are read; every entry must be a finite real number (bools are
        refused). Everything is checked before anything is changed, and an error names the
        position, e.g. ``weights[2][0][1]`` (layer 1's kernel, row 0, column 1).

        Raises:
            TypeError: the structure is not such a list, or an entry is not a real number.
            ValueError: the number of items or a shape is wrong, or a number is not finite.
        """
        who = "MLP.set_weights"
        shapes = ", ".join(f"{layer.nin}x{layer.nout} and {layer.nout}" for layer in self.layers)
        items = _weights_list(weights, 2 * len(self.layers), who,
                              f"a kernel and a bias per layer ({shapes})")
        values = [v for i, layer in enumerate(self.layers)
                  for v in _dense_weights(items, 2 * i, layer, who, f"layer {i}'s ")]
        params = [p for layer in self.layers for p in layer._weights()]
        for p, v in zip(params, values, strict=True):
            p.data = v

    def to_torch(self) -> torch.nn.Sequential:
        """An equivalent float64 ``torch.nn.Sequential`` (PyTorch imported by this call).

        ``Linear`` layers with this model's weights, each hidden one followed by its activation
        (``ReLU``, ``Tanh``, ``Sigmoid``) and the last by the output activation (the same, or
        ``Softmax(dim=-1)``) if any; it maps ``[batch, nin]`` to ``[batch, nouts[-1]]``, and
        ``model(x)`` equals row ``x`` of its output to rounding (1e-12).

        Raises:
            ImportError: PyTorch is not installed (``pip install "valuegrad[torch]"``).
        """
        stack = [dense for layer in self.layers for dense in layer._dense()]
        if self.output_activation == "softmax":
            weights, biases, _ = stack[-1]
            stack[-1] = (weights, biases, "softmax")
        return dense_to_torch(stack, "MLP.to_torch")

    @classmethod
    def from_torch(cls, module: torch.nn.Module) -> MLP:
        """An MLP computing what ``module`` computes, with its weights (as float64 values).

        ``module`` is a ``torch.nn.Sequential`` as :meth:`to_torch` makes: ``Linear`` layers,
        each hidden one followed by the same activation (``ReLU``, ``Tanh`` or ``Sigmoid``) or
        all by none, the last one by nothing or by its output activation (one of those, or
        ``Softmax(dim=-1)``); a single ``Linear`` is a one-layer MLP. A ``Linear`` without
        bias gets zero biases.

        Raises:
            ImportError: PyTorch is not installed (``pip install "valuegrad[torch]"``).
            TypeError: ``module`` is not such a ``Sequential`` (or holds other layer kinds).
            ValueError: the shapes do not chain, the hidden activations differ or one is a
                softmax, a softmax follows a one-output layer, or a weight is not finite.
        """
        who = f"{cls.__name__}.from_torch"
        stack = dense_from_torch(module, who)
        hidden = {activation for _, _, activation in stack[:-1]}
        if len(hidden) > 1:
            raise ValueError(f"{who}: the hidden layers use different activations "
                             f"({', '.join(sorted(map(str, hidden)))}); an MLP uses one")
        if "softmax" in hidden:
            raise ValueError(f"{who}: a hidden layer ends with a Softmax; an MLP's hidden "
                             "layers use ReLU, Tanh, Sigmoid or nothing (nn.Sequential.from_torch "
                             "reads any order)")
        activation = hidden.pop() if hidden else None
        nouts = [len(weights) for weights, _, _ in stack]
        try:
            model = cls(len(stack[0][0][0]), nouts, activation=activation, seed=0,
                        output_activation=stack[-1][2])
        except ValueError as exc:  # softmax over one output
            raise ValueError(f"{who}: {exc}") from None
        for layer, (weights, biases, _) in zip(model.layers, stack, strict=True):
            for neuron, row, bias in zip(layer.neurons, weights, biases, strict=True):
                for w, x in zip(neuron.w, row, strict=True):
                    w.data = x
                neuron.b.data = bias
        return model

    def __repr__(self) -> str:
        head = f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}"
        if self.output_activation is not None:
            head += f", output_activation={self.output_activation!r}"
        lines = [head + ")"]
        lines += [f"  (layers.{i}): {layer!r}" for i, layer in enumerate(self.layers)]
        lines.append(f"  {len(self.parameters())} parameters")
        return "\n".join(lines)
