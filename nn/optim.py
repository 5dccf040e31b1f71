"""Optimizers: ``SGD``, ``Adam`` and ``AdamW``, updating parameters as ``torch.optim`` does.

Each optimizer holds a list of parameters (``Value`` leaves) and reads their ``.grad`` in
``step()``; a parameter whose ``.grad`` is ``None`` is skipped, its state untouched, as in
PyTorch. The arithmetic follows PyTorch's single-tensor CPU code operation for operation, in the
same order, so on the same gradients the parameters agree with ``torch.optim`` on float64 tensors
to the last bit or two (torch's kernels fuse some multiply-adds into one rounding; plain Python
rounds twice). ``lr`` can be assigned between steps, for a schedule; the other settings are
fixed at construction.

A step is all or nothing: the new parameter values and optimizer state are computed first, then
committed together, so an exception or a Ctrl-C anywhere in ``step()`` leaves every parameter and
all the state either updated or untouched. ``state_dict()`` gives the settings and the
per-parameter state as plain JSON-ready data; ``load_state_dict`` on a fresh optimizer over the
same parameters resumes the run bit for bit.

>>> from autograd import Value
>>> w = Value(1.0)
>>> opt = SGD([w], lr=0.1, momentum=0.9)
>>> for _ in range(2):
...     opt.zero_grad()
...     loss = w * w
...     loss.backward()
...     opt.step()
>>> round(w.data, 12)  # 1 - 0.1*2 = 0.8; buf = 0.9*2 + 1.6 = 3.4; 0.8 - 0.34
0.46
>>> opt
SGD(1 parameter, lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False)
"""

from __future__ import annotations

import math
import numbers
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain, repeat
from typing import Any, ClassVar, Generic, TypeVar, overload

from autograd import Value

from .checks import finite_float, short_repr
from .state import StateError

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]

_T = TypeVar("_T")
_STATE_VERSION = 1

# Checks of settings and state entries (a ``SETTINGS`` table maps each setting to one): each
# takes the value and its name for messages (``where``), and returns the value normalised
# (ints to floats, a betas list to a tuple) or raises TypeError / ValueError naming it.
_Check = Callable[[Any, str], Any]


def _non_negative(x: Any, where: str) -> float:
    f = finite_float(x, where)
    if f < 0.0:
        raise ValueError(f"{where} must be >= 0, got {f!r}")
    return f


def _unit_interval(x: Any, where: str) -> float:
    f = finite_float(x, where)
    if not 0.0 <= f <= 1.0:
        raise ValueError(f"{where} must be in [0, 1], got {f!r}")
    return f


def _beta(x: Any, where: str) -> float:
    f = finite_float(x, where)
    if not 0.0 <= f < 1.0:
        raise ValueError(f"{where} must be in [0, 1), got {f!r}")
    return f


def _betas(x: Any, where: str) -> tuple[float, float]:
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence) or len(x) != 2:
        raise ValueError(f"{where} must be a pair of numbers (beta1, beta2), got {short_repr(x)}")
    return (_beta(x[0], f"{where}[0]"), _beta(x[1], f"{where}[1]"))


def _flag(x: Any, where: str) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"{where} must be True or False, got {type(x).__name__}: {short_repr(x)}")
    return x


def _step_count(x: Any, where: str) -> int:
    if isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < 1:
        raise ValueError(f"{where} must be an int >= 1, got {short_repr(x)}")
    return int(x)


class _Setting(Generic[_T]):
    """A read-only hyperparameter attribute, read from the optimizer's settings."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> _Setting[_T]: ...
    @overload
    def __get__(self, obj: Optimizer, owner: type) -> _T: ...
    def __get__(self, obj: Optimizer | None, owner: type) -> _Setting[_T] | _T:
        if obj is None:
            return self
        value: _T = obj._settings[self.name]
        return value

    def __set__(self, obj: Optimizer, value: Any) -> None:
        raise AttributeError(
            f"{type(obj).__name__}.{self.name} is fixed at construction (only lr can be "
            f"assigned); make a new optimizer, or load a state_dict"
        )


def _param_list(params: Any, who: str) -> list[Value]:
    """``params`` as a list of distinct Values, or a TypeError/ValueError saying what is wrong."""
    expected = f"{who}: params must be an iterable of Values such as model.parameters()"
    if isinstance(params, Value):
        raise TypeError(f"{expected}, got a single Value (wrap it in a list: [v])")
    if callable(params) and not isinstance(params, Iterable):
        name = getattr(params, "__name__", type(params).__name__)
        raise TypeError(f"{expected}, got the callable {name!r} itself; "
                        f"did you mean model.parameters() (with the parentheses)?")
    if isinstance(params, (str, bytes, Mapping)) or not isinstance(params, Iterable):
        raise TypeError(f"{expected}, got {type(params).__name__}")
    out = list(params)
    if not out:
        raise ValueError(f"{who}: got an empty parameter list")
    seen: set[Value] = set()
    for i, p in enumerate(out):
        if not isinstance(p, Value):
            hint = ""
            if isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], Value):
                hint = " (pass model.parameters(), not named_parameters())"
            elif isinstance(p, Mapping):
                hint = " (parameter groups are not supported: pass one list of Values)"
            raise TypeError(f"{expected}; params[{i}] is a {type(p).__name__}, not a Value{hint}")
        if p in seen:
            raise ValueError(f"{who}: params[{i}] appears more than once")
        seen.add(p)
    return out


def _grad_of(g: Any, i: int, who: str) -> float:
    """``params[i].grad`` as a float, when it is not already a float or None."""
    if isinstance(g, Value):  # after backward(create_graph=True)
        return g.data
    if isinstance(g, numbers.Real):
        return float(g)
    raise TypeError(f"{who}.step: params[{i}].grad must be a float, a Value or None, "
                    f"got {type(g).__name__}")


class Optimizer:
    """Base class: the parameter list, ``zero_grad``, ``lr``, the all-or-nothing ``step`` and
    the state files.

    A subclass declares its hyperparameters in ``SETTINGS`` (name -> check), keeps its
    per-parameter state in a list (one entry per parameter, ``None`` before its first update),
    and implements ``_updated``, a pure function from the current values to the new ones.

    Args:
        params: the Values to optimise, e.g. ``model.parameters()``; any iterable, kept as a
            list. Each must appear once.
        settings: hyperparameter name -> value, checked against ``SETTINGS``.
    """

    SETTINGS: ClassVar[dict[str, _Check]] = {"lr": _non_negative}
    STATE_KEYS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Iterable[Value], settings: Mapping[str, Any]) -> None:
        who = type(self).__name__
        self._params = _param_list(params, who)
        self._settings: dict[str, Any] = self._checked_settings(settings, who + ": {}")
        self._state: list[Any] = [None] * len(self._params)

    # -- settings ------------------------------------------------------------------------

    def _checked_settings(self, settings: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Each setting checked and normalised; ``where.format(name)`` names one in errors."""
        out = {name: check(settings[name], where.format(name))
               for name, check in self.SETTINGS.items()}
        self._check_combination(out, where)
        return out

    def _check_combination(self, settings: dict[str, Any], where: str) -> None:
        """Raises ValueError when settings that are each valid do not go together."""

    @property
    def lr(self) -> float:
        """The learning rate, read at every ``step()``; assign to it for a schedule."""
        lr: float = self._settings["lr"]
        return lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._settings["lr"] = _non_negative(value, f"{type(self).__name__}: lr")

    @property
    def params(self) -> list[Value]:
        """The parameters, in the order given (a new list; the optimizer's own is fixed)."""
        return list(self._params)

    def __repr__(self) -> str:
        n = len(self._params)
        settings = ", ".join(f"{k}={v!r}" for k, v in self._settings.items())
        return f"{type(self).__name__}({n} parameter{'s' * (n != 1)}, {settings})"

    # -- the update ----------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Resets every parameter's gradient: to ``0.0``, or to ``None`` with ``set_to_none``.

        A ``None`` gradient means "not computed": ``step()`` skips that parameter and leaves
        its state alone (as PyTorch does), where a ``0.0`` gradient still moves it under
        momentum or weight decay.
        """
        value = None if _flag(set_to_none, "zero_grad: set_to_none") else 0.0
        for p in self._params:
            p.grad = value

    def step(self) -> None:
        """One update of every parameter whose ``.grad`` is not ``None``; all or nothing."""
        params = self._params
        grads: list[Any] = [p.grad for p in params]
        for i, g in enumerate(grads):
            if g is not None and type(g) is not float:
                grads[i] = _grad_of(g, i, type(self).__name__)
        data = [p.data for p in params]
        state = self._state
        new_data, new_state = self._updated(data, grads, state)
        try:
            _set_all(params, new_data, self, new_state)
        except BaseException:
            _set_all(params, data, self, state)
            raise

    def _updated(self, data: list[float], grads: list[float | None],
                 state: list[Any]) -> tuple[list[float], list[Any]]:
        """The new parameter values and state; must not modify its arguments."""
        raise NotImplementedError

    # -- state files ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The settings and per-parameter state, as plain JSON-ready data.

        ``{"optimizer": name, "version": 1, "hyperparameters": {...}, "state": [...]}``, where
        ``state[i]`` belongs to ``params[i]``: an empty dict before its first update, then its
        buffers under PyTorch's names (``momentum_buffer``; ``step``, ``exp_avg``,
        ``exp_avg_sq``, ``max_exp_avg_sq``). Floats survive ``json.dumps``/``json.loads``
        exactly.
        """
        return {
            "optimizer": type(self).__name__,
            "version": _STATE_VERSION,
            "hyperparameters": {k: (list(v) if isinstance(v, tuple) else v)
                                for k, v in self._settings.items()},
            "state": [self._state_to_dict(s) for s in self._state],
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Sets the settings and state from ``state_dict`` (as made by :meth:`state_dict`).

        Everything is checked first; on any error nothing changes.

        Raises:
            StateError: (a ValueError) not a mapping, a missing or unexpected key, another
                optimizer's state, a different number of parameters, a wrong type, a
                non-finite number, or settings that do not go together; the message names the
                key.
        """
        who = f"{type(self).__name__}.load_state_dict"
        try:
            settings, state = self._checked_state(state_dict, who)
        except StateError:
            raise
        except (TypeError, ValueError) as exc:
            raise StateError(str(exc)) from None
        # One statement: no line event or signal check falls between the two stores.
        self._settings, self._state = settings, state

    def _checked_state(self, d: Any, who: str) -> tuple[dict[str, Any], list[Any]]:
        kind = type(self).__name__
        _check_keys(d, ("optimizer", "version", "hyperparameters", "state"),
                    f"{who}: the state dict")
        if d["optimizer"] != kind:
            raise StateError(f"{who}: 'optimizer' is {short_repr(d['optimizer'])}: this state is not "
                             f"for {kind}")
        version = d["version"]
        if isinstance(version, bool) or version != _STATE_VERSION:
            raise StateError(f"{who}: unsupported 'version' {short_repr(version)} "
                             f"(this code reads {_STATE_VERSION})")
        hyper = d["hyperparameters"]
        _check_keys(hyper, tuple(self.SETTINGS), f"{who}: hyperparameters")
        settings = self._checked_settings(hyper, who + ": hyperparameters[{!r}]")
        entries = d["state"]
        n = len(self._params)
        if isinstance(entries, (str, bytes, Mapping)) or not isinstance(entries, Sequence):
            raise StateError(f"{who}: 'state' must be a list with one entry per parameter, "
                             f"got {type(entries).__name__}")
        if len(entries) != n:
            raise StateError(f"{who}: 'state' has {len(entries)} entries, but this optimizer "
                             f"has {n} parameters")
        state = [self._entry_from_dict(e, settings, f"{who}: state[{i}]")
                 for i, e in enumerate(entries)]
        return settings, state

    def _state_keys(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """The keys of one parameter's state once it has been updated, under ``settings``."""
        return self.STATE_KEYS

    def _state_to_dict(self, s: Any) -> dict[str, Any]:
        """One parameter's internal state as a plain dict (``{}`` for ``None``)."""
        raise NotImplementedError

    def _entry_from_dict(self, e: Any, settings: Mapping[str, Any], where: str) -> Any:
        """One parameter's internal state from its entry: ``None`` for ``{}`` (no update yet),
        else the checked buffers; the keys must be exactly those ``settings`` call for."""
        _check_keys(e, () if e == {} else self._state_keys(settings), where)
        return self._state_from_dict(e, settings, where) if e else None

    def _state_from_dict(self, e: Mapping[str, Any], settings: Mapping[str, Any],
                         where: str) -> Any:
        """One updated parameter's checked internal state from its entry (keys checked)."""
        raise NotImplementedError


def _set_all(params: list[Value], data: list[float], opt: Optimizer, state: list[Any]) -> None:
    """``p.data = x`` for every parameter, then ``opt._state = state``.

    All in one C-level call (``map`` over ``setattr``), which the interpreter does not interrupt
    halfway: no signal handler or tracer runs between the stores (as long as ``Value.data`` is a
    plain slot; ``step`` also puts the old values back if a store raises).
    """
    deque(map(setattr, chain(params, (opt,)), chain(repeat("data", len(params)), ("_state",)),
              chain(data, (state,))), maxlen=0)


def _check_keys(d: Any, keys: tuple[str, ...], where: str) -> None:
    """Raises StateError unless ``d`` is a mapping with exactly ``keys``."""
    if not isinstance(d, Mapping):
        raise StateError(f"{where} must be a mapping, got {type(d).__name__}")
    missing = [k for k in keys if k not in d]
    if missing:
        raise StateError(f"{where} is missing key(s) {', '.join(map(repr, missing))}")
    extra = [k for k in d if k not in keys]
    if extra:
        raise StateError(f"{where} has unexpected key(s) {', '.join(short_repr(k) for k in extra[:5])}")


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, Nesterov momentum and weight decay
    (``torch.optim.SGD``).

    Per parameter ``p`` with gradient ``g`` (skipped when ``g`` is ``None``)::

        g = -g                                            (if maximize)
        g = g + weight_decay * p
        buf = g on its first update, else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov, else buf      (if momentum)
        p = p - lr * g

    Args:
        params: the Values to optimise.
        lr: learning rate (>= 0).
        momentum: momentum factor (>= 0; 0 disables it).
        dampening: the part of the gradient held out of the momentum buffer, in [0, 1].
        weight_decay: L2 penalty added to the gradient (>= 0).
        nesterov: Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend the objective instead of descending.

    Raises:
        TypeError, ValueError: bad parameters or settings; the message names the argument.
    """

    SETTINGS: ClassVar[dict[str, _Check]] = {
        "lr": _non_negative, "momentum": _non_negative, "dampening": _unit_interval,
        "weight_decay": _non_negative, "nesterov": _flag, "maximize": _flag,
    }
    STATE_KEYS: ClassVar[tuple[str, ...]] = ("momentum_buffer",)

    momentum = _Setting[float]("Momentum factor.")
    dampening = _Setting[float]("Dampening of the gradient added to the momentum buffer.")
    weight_decay = _Setting[float]("L2 penalty added to the gradient.")
    nesterov = _Setting[bool]("Whether Nesterov momentum is used.")
    maximize = _Setting[bool]("Whether the objective is maximised.")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, {
            "lr": lr, "momentum": momentum, "dampening": dampening,
            "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
        })

    def _check_combination(self, settings: dict[str, Any], where: str) -> None:
        if settings["nesterov"] and (settings["momentum"] <= 0.0 or settings["dampening"] != 0.0):
            raise ValueError(
                f"{where.format('nesterov')}=True needs momentum > 0 and dampening == 0 "
                f"(got momentum={settings['momentum']!r}, dampening={settings['dampening']!r})"
            )

    def _updated(self, data: list[float], grads: list[float | None],
                 state: list[Any]) -> tuple[list[float], list[Any]]:
        s = self._settings
        lr: float = s["lr"]
        momentum: float = s["momentum"]
        wd: float = s["weight_decay"]
        nesterov: bool = s["nesterov"]
        maximize: bool = s["maximize"]
        keep = 1.0 - s["dampening"]
        if momentum == 0.0 and wd == 0.0 and not maximize:  # plain SGD: no state
            return [p if g is None else p + -lr * g for p, g in zip(data, grads, strict=True)], state
        new_data = list(data)
        new_state = list(state)
        for i, g in enumerate(grads):
            if g is None:
                continue
            p = data[i]
            if maximize:
                g = -g
            if wd != 0.0:
                g = g + wd * p
            if momentum != 0.0:
                buf = state[i]
                buf = g if buf is None else buf * momentum + keep * g
                new_state[i] = buf
                g = g + momentum * buf if nesterov else buf
            new_data[i] = p + -lr * g
        return new_data, new_state

    def _state_to_dict(self, s: Any) -> dict[str, Any]:
        return {} if s is None else {"momentum_buffer": s}

    def _state_from_dict(self, e: Mapping[str, Any], settings: Mapping[str, Any],
                         where: str) -> Any:
        if settings["momentum"] == 0.0:
            raise StateError(f"{where}: has a momentum buffer, but momentum is 0")
        return finite_float(e["momentum_buffer"], f"{where}['momentum_buffer']")


class Adam(Optimizer):
    """Adam (``torch.optim.Adam``), with AMSGrad, and weight decay added to the gradient.

    Per parameter ``p`` with gradient ``g`` (skipped when ``g`` is ``None``), at its own update
    count ``t`` (from 1; a skipped parameter's count does not advance, as in PyTorch)::

        g = -g                                        (if maximize)
        g = g + weight_decay * p                      (AdamW instead: p = p * (1 - lr * wd))
        m = m + (1 - beta1) * (g - m)                 (torch's lerp)
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)                         (if amsgrad; then v_max replaces v below)
        p = p - (lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Args:
        params: the Values to optimise.
        lr: learning rate (>= 0).
        betas: decay rates of the first and second moment averages, each in [0, 1).
        eps: added to the denominator for numerical stability (>= 0).
        weight_decay: L2 penalty added to the gradient (>= 0); decoupled in :class:`AdamW`.
        amsgrad: normalise by the largest second moment seen (AMSGrad).
        maximize: ascend the objective instead of descending.

    Raises:
        TypeError, ValueError: bad parameters or settings; the message names the argument.
    """

    SETTINGS: ClassVar[dict[str, _Check]] = {
        "lr": _non_negative, "betas": _betas, "eps": _non_negative,
        "weight_decay": _non_negative, "amsgrad": _flag, "maximize": _flag,
    }
    STATE_KEYS: ClassVar[tuple[str, ...]] = ("step", "exp_avg", "exp_avg_sq")
    DECOUPLED: ClassVar[bool] = False  # weight decay applied to the parameter (AdamW)

    betas = _Setting[tuple[float, float]]("Decay rates of the moment averages.")
    eps = _Setting[float]("Added to the denominator for numerical stability.")
    weight_decay = _Setting[float]("Weight decay factor.")
    amsgrad = _Setting[bool]("Whether the AMSGrad variant is used.")
    maximize = _Setting[bool]("Whether the objective is maximised.")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "amsgrad": amsgrad, "maximize": maximize,
        })

    def _updated(self, data: list[float], grads: list[float | None],
                 state: list[Any]) -> tuple[list[float], list[Any]]:
        s = self._settings
        lr: float = s["lr"]
        beta1, beta2 = s["betas"]
        eps: float = s["eps"]
        wd: float = s["weight_decay"]
        amsgrad: bool = s["amsgrad"]
        maximize: bool = s["maximize"]
        decoupled = wd != 0.0 and self.DECOUPLED
        coupled = wd != 0.0 and not self.DECOUPLED
        decay = 1.0 - lr * wd
        weight = 1.0 - beta1
        small_weight = weight < 0.5  # torch.lerp switches formula at 0.5, for accuracy
        one_minus_weight = 1.0 - weight
        one_minus_beta2 = 1.0 - beta2
        sqrt = math.sqrt
        # (lr / (1 - beta1^t), sqrt(1 - beta2^t)) per step count t: usually one t for all
        corrections: dict[int, tuple[float, float]] = {}
        new_data = list(data)
        new_state = list(state)
        for i, g in enumerate(grads):
            if g is None:
                continue
            p = data[i]
            if maximize:
                g = -g
            st = state[i]
            t, m, v, v_max = (0, 0.0, 0.0, 0.0) if st is None else st
            t += 1
            if decoupled:
                p = p * decay
            elif coupled:
                g = g + wd * p
            if small_weight:
                m = m + weight * (g - m)
            else:
                m = g - (g - m) * one_minus_weight
            v = v * beta2 + one_minus_beta2 * g * g
            c = corrections.get(t)
            if c is None:
                c = corrections[t] = (lr / (1.0 - beta1**t), (1.0 - beta2**t) ** 0.5)
            step_size, bias_correction2_sqrt = c
            if amsgrad:
                if not v <= v_max:  # torch.maximum: a NaN wins
                    v_max = v
                denom = sqrt(v_max) / bias_correction2_sqrt + eps
            else:
                denom = sqrt(v) / bias_correction2_sqrt + eps
            new_data[i] = p + -step_size * m / denom
            new_state[i] = (t, m, v, v_max)
        return new_data, new_state

    def _state_keys(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        return self.STATE_KEYS + (("max_exp_avg_sq",) if settings["amsgrad"] else ())

    def _state_to_dict(self, s: Any) -> dict[str, Any]:
        if s is None:
            return {}
        t, m, v, v_max = s
        out = {"step": t, "exp_avg": m, "exp_avg_sq": v}
        if self._settings["amsgrad"]:
            out["max_exp_avg_sq"] = v_max
        return out

    def _state_from_dict(self, e: Mapping[str, Any], settings: Mapping[str, Any],
                         where: str) -> Any:
        t = _step_count(e["step"], f"{where}['step']")
        m = finite_float(e["exp_avg"], f"{where}['exp_avg']")
        v = _non_negative(e["exp_avg_sq"], f"{where}['exp_avg_sq']")
        v_max = 0.0
        if settings["amsgrad"]:
            v_max = _non_negative(e["max_exp_avg_sq"], f"{where}['max_exp_avg_sq']")
        return (t, m, v, v_max)


class AdamW(Adam):
    """AdamW (``torch.optim.AdamW``): Adam with decoupled weight decay.

    The decay shrinks the parameter directly, ``p = p * (1 - lr * weight_decay)``, before the
    Adam step, instead of entering the gradient and the moment averages. Arguments as
    :class:`Adam`, with PyTorch's default ``weight_decay=1e-2``.
    """

    DECOUPLED: ClassVar[bool] = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
