"""Optimizers: ``SGD`` and ``Adam``, updating parameters exactly as ``torch.optim`` does.

Each optimizer holds a list of parameters (``Value`` leaves) and reads their ``.grad`` in
``step()``. The arithmetic follows PyTorch's single-tensor CPU code operation for operation, in
the same order, so on the same gradients the parameters agree with ``torch.optim`` on float64
tensors step after step up to the last bit or two (torch's CPU kernels fuse some multiply-adds
into one rounding; plain Python rounds twice). ``lr`` is a plain attribute: assign to it between steps
for a schedule.

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
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from autograd import Value

__all__ = ["SGD", "Adam", "Optimizer"]


def _hyper(x: Any, name: str, who: str, *, upper: float | None = None) -> float:
    """A finite, non-negative float hyperparameter (below ``upper`` when given)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{who}: {name} must be a number, got {type(x).__name__}: {x!r}")
    x = float(x)
    if not math.isfinite(x) or x < 0.0 or (upper is not None and x >= upper):
        bound = f" and < {upper}" if upper is not None else ""
        raise ValueError(f"{who}: {name} must be finite, >= 0{bound}; got {x!r}")
    return x


class Optimizer:
    """Base class: the parameter list and ``zero_grad``.

    Args:
        params: the Values to optimise, e.g. ``model.parameters()``; any iterable, kept as a
            list. Each must appear once.
    """

    def __init__(self, params: Iterable[Value]) -> None:
        who = type(self).__name__
        if isinstance(params, Value):
            raise TypeError(f"{who}: params must be an iterable of Values, got a single Value")
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(f"{who}: got an empty parameter list")
        seen: set[Value] = set()
        for i, p in enumerate(self.params):
            if type(p) is not Value:
                raise TypeError(f"{who}: params[{i}] is a {type(p).__name__}, not a Value")
            if p in seen:
                raise ValueError(f"{who}: params[{i}] appears more than once")
            seen.add(p)

    def zero_grad(self) -> None:
        """Sets every parameter's gradient to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:  # pragma: no cover - abstract
        """Updates the parameters from their gradients."""
        raise NotImplementedError

    @property
    def lr(self) -> float:
        """The learning rate, read at every ``step()``; assign to it for a schedule."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _hyper(value, "lr", type(self).__name__)


def _grad(p: Value) -> float:
    g = p.grad
    return g if type(g) is float else float(g)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum and weight decay (``torch.optim.SGD``).

    Per parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p              (if weight_decay)
        buf = g on the first step, else momentum * buf + g
        g = buf                               (if momentum)
        p = p - lr * g

    Args:
        params: the Values to optimise.
        lr: learning rate.
        momentum: momentum factor (0 disables it).
        weight_decay: L2 penalty added to the gradient.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr = lr
        self.momentum = _hyper(momentum, "momentum", "SGD")
        self.weight_decay = _hyper(weight_decay, "weight_decay", "SGD")
        self._buf: list[float] | None = None  # momentum buffers, created by the first step

    def step(self) -> None:
        """One update of every parameter from its current ``.grad``."""
        lr = self.lr
        wd = self.weight_decay
        momentum = self.momentum
        params = self.params
        if momentum == 0.0:
            for p in params:
                g = _grad(p)
                if wd != 0.0:
                    g = g + wd * p.data
                p.data = p.data + -lr * g
            return
        buf = self._buf
        first = buf is None
        if first:
            buf = self._buf = [0.0] * len(params)
        for i, p in enumerate(params):
            g = _grad(p)
            if wd != 0.0:
                g = g + wd * p.data
            b = g if first else buf[i] * momentum + g  # type: ignore[index]
            buf[i] = b  # type: ignore[index]
            p.data = p.data + -lr * b


class Adam(Optimizer):
    """Adam (``torch.optim.Adam``), with weight decay added to the gradient as torch does.

    Per parameter at step ``t`` (from 1)::

        g = g + weight_decay * p                    (if weight_decay)
        m = m + (1 - beta1) * (g - m)               (torch's lerp)
        v = beta2 * v + (1 - beta2) * g * g
        p = p - (lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Args:
        params: the Values to optimise.
        lr: learning rate.
        betas: decay rates of the first and second moment averages, each in [0, 1).
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty added to the gradient (not decoupled: that is AdamW).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr = lr
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair of numbers, got {betas!r}")
        self.betas = (
            _hyper(betas[0], "betas[0]", "Adam", upper=1.0),
            _hyper(betas[1], "betas[1]", "Adam", upper=1.0),
        )
        self.eps = _hyper(eps, "eps", "Adam")
        self.weight_decay = _hyper(weight_decay, "weight_decay", "Adam")
        self.steps = 0
        n = len(self.params)
        self._m = [0.0] * n
        self._v = [0.0] * n

    def step(self) -> None:
        """One update of every parameter from its current ``.grad``."""
        self.steps += 1
        t = self.steps
        beta1, beta2 = self.betas
        wd = self.weight_decay
        eps = self.eps
        weight = 1.0 - beta1
        one_minus_beta2 = 1.0 - beta2
        step_size = self.lr / (1.0 - beta1**t)
        bias_correction2_sqrt = math.sqrt(1.0 - beta2**t)
        m_all, v_all = self._m, self._v
        for i, p in enumerate(self.params):
            g = _grad(p)
            if wd != 0.0:
                g = g + wd * p.data
            m = m_all[i]
            # torch.lerp(m, g, weight), which switches formula at weight 0.5 for accuracy.
            if weight < 0.5:
                m = m + weight * (g - m)
            else:
                m = g - (g - m) * (1.0 - weight)
            v = v_all[i] * beta2 + one_minus_beta2 * g * g
            m_all[i] = m
            v_all[i] = v
            denom = math.sqrt(v) / bias_correction2_sqrt + eps
            p.data = p.data + -step_size * m / denom
