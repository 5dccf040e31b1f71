"""PyTorch's building blocks by PyTorch's names: ``Sequential``, ``Linear`` and activations.

For people who think in ``torch.nn``: ``Sequential(Linear(2, 16), ReLU(), Linear(16, 1))``
builds the network that ``MLP(2, [16, 1])`` builds, with PyTorch's names and meaning, on one
sample at a time (a list of numbers or Values in, a list of Values out). A ``Linear`` keeps
its weights as PyTorch does, a row per output, so its parameters are named like the entries
of PyTorch's state dict: ``0.weight.3.1`` is ``state_dict()["0.weight"][3, 1]``, ``0.bias.3``
is ``state_dict()["0.bias"][3]``. ``to_torch`` and ``from_torch`` map these modules to and
from ``torch.nn`` (the conversions themselves are in :mod:`nn.export`).

>>> from nn import Sequential, Linear, ReLU
>>> net = Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=1))
>>> net
Sequential(
  (0): Linear(in_features=2, out_features=3, bias=True)
  (1): ReLU()
  (2): Linear(in_features=3, out_features=1, bias=True)
)
>>> [name for name, _ in net.named_parameters()][:3]
['0.weight.0.0', '0.weight.0.1', '0.weight.1.0']
>>> len(net([0.5, -1.0]))
1
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, overload

from autograd import Value, matvec, relu, sigmoid, softmax, tanh

from .arrays import as_sequence, is_number
from .checks import Seed, input_list, positive_int, seeded_random
from .export import (
    TORCH_ACTIVATIONS,
    LinearWeights,
    Part,
    activation_to_torch,
    linear_to_torch,
    read_torch,
    require_torch,
    sequential_to_torch,
)
from .module import Module

if TYPE_CHECKING:
    import torch
    from typing_extensions import Self  # typing.Self from Python 3.11

__all__ = ["Linear", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh"]


class Linear(Module):
    """``y = W x + b``: ``nout`` outputs, each a weighted sum of the ``nin`` inputs plus a bias
    (PyTorch's ``nn.Linear(nin, nout, bias)`` applied to one sample).

    ``weight`` holds ``nout`` rows of ``nin`` Values (PyTorch's layout: ``weight[j][i]`` weighs
    input ``i`` for output ``j``), ``bias`` ``nout`` Values, or None without a bias. Both are
    tuples: change a parameter through its ``.data``, or assign a new ``weight`` / ``bias`` of
    the same shape, made of Values (checked; an error changes nothing). Each output is one ``dot`` node, as a ``Neuron``'s weighted sum is. Weights and biases
    start uniform in ``[-1/sqrt(nin), 1/sqrt(nin)]``, PyTorch's default.

    Args:
        nin: number of inputs (PyTorch's ``in_features``).
        nout: number of outputs (``out_features``).
        bias: whether to add a bias to each output.
        seed: int, ``random.Random`` (advanced in place) or ``None`` (global random state).
    """

    _rows: list[list[Value]]  # each output's weights (and bias): matvec's rows, kept in step

    def __init__(self, nin: int, nout: int, bias: bool = True, seed: Seed = None) -> None:
        self.nin = positive_int(nin, "Linear: nin")
        self.nout = positive_int(nout, "Linear: nout")
        if not isinstance(bias, bool):
            raise TypeError(f"Linear: bias must be True or False, got {type(bias).__name__}")
        uniform = seeded_random(seed, "Linear").uniform
        bound = 1.0 / math.sqrt(self.nin)
        self.weight = tuple(
            tuple(Value(uniform(-bound, bound), label=f"weight.{j}.{i}") for i in range(nin))
            for j in range(nout)
        )
        self.bias = tuple(Value(uniform(-bound, bound), label=f"bias.{j}")
                          for j in range(nout)) if bias else None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("weight", "bias"):  # checked before anything changes
            value = self._checked_weight(value) if name == "weight" else self._checked_bias(value)
        super().__setattr__(name, value)
        if name in ("weight", "bias") and "bias" in self.__dict__:
            # matvec's rows: each output's weights, then its bias (read against an input 1.0).
            bias = self.bias
            rows = ([[*row, b] for row, b in zip(self.weight, bias, strict=True)]
                    if bias is not None else [list(row) for row in self.weight])
            super().__setattr__("_rows", rows)

    def _checked_weight(self, weight: Any) -> tuple[tuple[Value, ...], ...]:
        """``weight`` as a tuple of ``nout`` rows of ``nin`` Values, or a clear error."""
        rows = _held(weight, self.nout, f"weight must hold {self.nout} rows (out_features) of "
                     f"{self.nin} Values (in_features)", " rows")
        return tuple(
            tuple(_parameter(v, f"weight[{j}][{i}]") for i, v in enumerate(
                _held(row, self.nin, f"weight[{j}] must hold {self.nin} Values (in_features)")))
            for j, row in enumerate(rows)
        )

    def _checked_bias(self, bias: Any) -> tuple[Value, ...] | None:
        """``bias`` as a tuple of ``nout`` Values, None as None, or a clear error."""
        if bias is None:
            return None
        items = _held(bias, self.nout, f"bias must hold {self.nout} Values (out_features) or be "
                      "None")
        return tuple(_parameter(v, f"bias[{j}]") for j, v in enumerate(items))

    @property
    def in_features(self) -> int:
        """PyTorch's name for :attr:`nin`."""
        return self.nin

    @property
    def out_features(self) -> int:
        """PyTorch's name for :attr:`nout`."""
        return self.nout

    def forward(self, x: Sequence[Any]) -> list[Value]:
        """The ``nout`` outputs for the ``nin`` inputs ``x`` (numbers or Values)."""
        x = input_list(x, self.nin, "Linear")
        xs = [*x, 1.0] if self.bias is not None else list(x)
        return matvec(self._rows, xs, rows_are_values=True)

    def extra_repr(self) -> str:
        """PyTorch's: ``in_features=2, out_features=3, bias=True``."""
        return (f"in_features={self.nin}, out_features={self.nout}, "
                f"bias={self.bias is not None}")

    def to_torch(self) -> torch.nn.Linear:
        """A float64 ``torch.nn.Linear`` with these weights (PyTorch imported by this call)."""
        return linear_to_torch(self._numbers(), "Linear.to_torch")

    def _numbers(self) -> LinearWeights:
        biases = None if self.bias is None else [b.data for b in self.bias]
        return LinearWeights([[w.data for w in row] for row in self.weight], biases)

    @classmethod
    def from_torch(cls, module: torch.nn.Module) -> Linear:
        """A ``Linear`` with the weights (as float64 values) of the ``torch.nn.Linear``
        ``module``.

        Raises:
            ImportError: PyTorch is not installed (``pip install "valuegrad[torch]"``).
            TypeError: ``module`` is not a ``torch.nn.Linear`` (a subclass neither).
            ValueError: a weight is not finite.
        """
        who = f"{cls.__name__}.from_torch"
        part = read_torch(module, who)
        if not isinstance(part, LinearWeights):
            raise TypeError(f"{who}: expected a torch.nn.Linear, got {type(module).__name__}")
        return cls._from_numbers(part)

    @classmethod
    def _from_numbers(cls, part: LinearWeights) -> Linear:
        linear = cls(len(part.weights[0]), len(part.weights), bias=part.biases is not None,
                     seed=0)
        for row, values in zip(linear.weight, part.weights, strict=True):
            for w, x in zip(row, values, strict=True):
                w.data = x
        if linear.bias is not None and part.biases is not None:
            for b, x in zip(linear.bias, part.biases, strict=True):
                b.data = x
        return linear


def _held(obj: Any, n: int, what: str, unit: str = "") -> Sequence[Any]:
    """The items of ``obj`` (a list, tuple or array) when it holds ``n``; else an error that
    starts with ``what`` (what a Linear's weight or bias must be)."""
    items = as_sequence(obj)
    if items is None:
        raise TypeError(f"Linear: {what}; got {type(obj).__name__}")
    if len(items) != n:
        raise ValueError(f"Linear: {what}; got {len(items)}{unit}")
    return items


def _parameter(v: Any, where: str) -> Value:
    """``v`` when it is a Value: a Linear's weights and biases are its parameters."""
    if not isinstance(v, Value):
        raise TypeError(f"Linear: {where} must be a Value (a parameter), got "
                        f"{type(v).__name__}; to set a number, assign to a parameter's .data")
    return v


class _Elementwise(Module):
    """An activation applied to each item of a list (or to one number or Value)."""

    activation: ClassVar[str]  # the name nn.export and the drawings know it by

    def _apply(self, x: Any) -> Value:
        raise NotImplementedError

    def forward(self, x: Any) -> Any:
        """A list of outputs for a list (or array) of inputs; a Value for one input."""
        if isinstance(x, Value) or is_number(x):
            return self._apply(x)
        items = as_sequence(x)
        if items is None:
            raise TypeError(f"{type(self).__name__} expects a list of numbers or Values (or "
                            f"an array), or one of them; got {type(x).__name__}")
        return [self._apply(v) for v in items]

    def to_torch(self) -> torch.nn.Module:
        """The ``torch.nn`` module of the same name."""
        return activation_to_torch(self.activation, f"{type(self).__name__}.to_torch")

    @classmethod
    def from_torch(cls, module: torch.nn.Module) -> Self:
        """This activation, from the ``torch.nn`` module of the same name.

        Raises:
            ImportError: PyTorch is not installed (``pip install "valuegrad[torch]"``).
            TypeError: ``module`` is another kind of module (subclasses included).
        """
        _activation_from_torch(cls.activation, cls.__name__, module)
        return cls()


class ReLU(_Elementwise):
    """``max(0, x)`` for each input (PyTorch's ``nn.ReLU``).

    >>> [v.data for v in ReLU()([-1.0, 2.0])]
    [0.0, 2.0]
    """

    activation = "relu"

    def _apply(self, x: Any) -> Value:
        return relu(x)


class Tanh(_Elementwise):
    """``tanh(x)`` for each input (PyTorch's ``nn.Tanh``)."""

    activation = "tanh"

    def _apply(self, x: Any) -> Value:
        return tanh(x)


class Sigmoid(_Elementwise):
    """``1 / (1 + exp(-x))`` for each input (PyTorch's ``nn.Sigmoid``)."""

    activation = "sigmoid"

    def _apply(self, x: Any) -> Value:
        return sigmoid(x)


class Softmax(Module):
    """``exp(x_i) / sum(exp(x))`` over a list of inputs (PyTorch's ``nn.Softmax(dim=-1)``),
    computed by ``autograd.softmax``: probabilities that sum to 1.

    A list is one sample, so the softmax is over the list: ``dim`` may only be ``-1`` (kept
    for code written the PyTorch way). The losses in :mod:`nn.losses` take logits: end a
    network with ``Softmax`` to read probabilities, not to train with ``cross_entropy``.

    >>> [round(p.data, 6) for p in Softmax()([0.0, 1.0])]
    [0.268941, 0.731059]
    """

    activation: ClassVar[str] = "softmax"

    def __init__(self, dim: int = -1) -> None:
        if isinstance(dim, bool) or dim != -1:
            raise ValueError(f"Softmax: dim must be -1, got {dim!r}: a module here maps one "
                             "sample, a list, and the softmax is over that list (PyTorch's "
                             "dim=1 on a [batch, n] tensor)")
        self.dim = -1

    def forward(self, x: Sequence[Any]) -> list[Value]:
        """The probabilities, one per input."""
        items = as_sequence(x)
        if items is None:
            raise TypeError(f"Softmax expects a list of numbers or Values (or an array), got "
                            f"{type(x).__name__}")
        return softmax(items)

    def extra_repr(self) -> str:
        return "dim=-1"

    def to_torch(self) -> torch.nn.Module:
        """``torch.nn.Softmax(dim=-1)``."""
        return activation_to_torch("softmax", "Softmax.to_torch")

    @classmethod
    def from_torch(cls, module: torch.nn.Module) -> Self:
        """A ``Softmax`` from a ``torch.nn.Softmax`` over each sample's outputs.

        Raises:
            ImportError: PyTorch is not installed (``pip install "valuegrad[torch]"``).
            TypeError: ``module`` is another kind of module (subclasses included).
            ValueError: its ``dim`` is neither -1 nor 1 (a softmax over another dimension).
        """
        _activation_from_torch("softmax", cls.__name__, module)
        return cls()


def _activation_from_torch(name: str, cls: str, module: Any) -> None:
    """Checks that ``module`` is the ``torch.nn`` activation ``name`` (for ``cls.from_torch``)."""
    who = f"{cls}.from_torch"
    if read_torch(module, who) != name:
        raise TypeError(f"{who}: expected a torch.nn.{TORCH_ACTIVATIONS[name]}, got "
                        f"{type(module).__name__}")


_ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "softmax": Softmax,
}


class Sequential(Module):
    """Modules called one after another, each on the previous one's output (PyTorch's
    ``nn.Sequential``).

    The modules are its children ``0``, ``1``, ... (so parameters are named
    ``0.weight.3.1``, as in PyTorch); index, slice, iterate and take ``len`` of it as of a
    list. An empty ``Sequential`` returns its input.

    Args:
        modules: the modules to chain, any ``nn.Module`` (users' own included).
    """

    def __init__(self, *modules: Module) -> None:
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(module).__name__}, not "
                                "an nn.Module (wrap a function in a Module's forward)")
            setattr(self, str(i), module)  # the child "i", as PyTorch names it
        self.named_parameters()  # labels each parameter with its name (0.weight.3.1)

    def _modules(self) -> list[Module]:
        return [m for k, m in vars(self).items() if k.isdigit() and isinstance(m, Module)]

    def __len__(self) -> int:
        return len(self._modules())

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules())

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> Sequential: ...
    def __getitem__(self, index: int | slice) -> Module | Sequential:
        """The module at ``index``, or a ``Sequential`` of a slice (sharing the modules)."""
        modules = self._modules()
        if isinstance(index, slice):
            return Sequential(*modules[index])
        return modules[index]

    def forward(self, x: Any) -> Any:
        """``x`` through every module in turn."""
        for module in self._modules():
            x = module(x)
        return x

    def to_torch(self) -> torch.nn.Sequential:
        """A ``torch.nn.Sequential`` of each module's ``to_torch()`` (float64).

        Raises:
            ImportError: PyTorch is not installed (``pip install "valuegrad[torch]"``).
            NotImplementedError: a module has no PyTorch equivalent.
        """
        who = "Sequential.to_torch"
        require_torch(who)
        return sequential_to_torch([m.to_torch() for m in self._modules()], who)

    @classmethod
    def from_torch(cls, module: torch.nn.Module) -> Sequential:
        """A ``Sequential`` computing what the ``torch.nn.Sequential`` ``module`` computes.

        Its modules may be ``Linear``, ``ReLU``, ``Tanh``, ``Sigmoid``, ``Softmax`` (over the
        last dimension) and ``Sequential`` (read as a nested ``Sequential``), in any order;
        weights are read as float64.

        Raises:
            ImportError: PyTorch is not installed (``pip install "valuegrad[torch]"``).
            TypeError: ``module`` is not a ``torch.nn.Sequential``, or holds another kind of
                module (subclasses included: their ``forward`` could differ).
            ValueError: a weight is not finite, or a Softmax is over another dimension.
        """
        who = f"{cls.__name__}.from_torch"
        part = read_torch(module, who)
        if not isinstance(part, list):
            raise TypeError(f"{who}: expected a torch.nn.Sequential, got "
                            f"{type(module).__name__} (Linear.from_torch reads a Linear)")
        return cls(*(_from_part(p) for p in part))


def _from_part(part: Part) -> Module:
    """The module of ours that a part read from PyTorch describes."""
    if isinstance(part, LinearWeights):
        return Linear._from_numbers(part)
    if isinstance(part, str):
        return _ACTIVATIONS[part]()
    return Sequential(*(_from_part(p) for p in part))
