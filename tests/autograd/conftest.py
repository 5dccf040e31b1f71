"""Fixtures of the autograd tests: the textbook's worked example of backpropagation.

The 2-2-2 sigmoid network of Matt Mazur's "A Step by Step Backpropagation Example" (2015), built
by hand from Values, as a learner copies it off the page: inputs i1 = 0.05, i2 = 0.10 and
targets 0.01, 0.99 are numbers (data); the weights w1..w8 and the biases b1 (shared by the
hidden neurons) and b2 (by the output neurons) are labelled Values;
``net_h1 = w1 * i1 + w2 * i2 + b1``, ``out_h1 = sigmoid(net_h1)``, and
``E_total = 1/2 (0.01 - out_o1)^2 + 1/2 (0.99 - out_o2)^2``. That is 37 Values: 10 leaves,
4 x 4 for the weighted sums (two products, two additions), 4 sigmoids, 2 x 3 for the errors
(difference, square, half) and their sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from autograd import Value

WEIGHTS = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)
INPUTS = (0.05, 0.10)
TARGETS = (0.01, 0.99)


@dataclass
class WorkedExample:
    """The network's output (``E_total``, after ``backward``) and its labelled Values."""

    root: Value
    values: dict[str, Value]


def _neuron(w: tuple[Value, Value], x: tuple[float | Value, float | Value], b: Value,
            name: str) -> Value:
    net = w[0] * x[0] + w[1] * x[1] + b
    net.label = f"net_{name}"
    out = net.sigmoid()
    out.label = f"out_{name}"
    return out


def build_worked_example() -> WorkedExample:
    """The worked example, built and differentiated (``E_total.backward()``)."""
    w = [Value(x, label=f"w{i + 1}") for i, x in enumerate(WEIGHTS)]
    b1, b2 = Value(0.35, label="b1"), Value(0.60, label="b2")
    i1, i2 = INPUTS
    h1 = _neuron((w[0], w[1]), (i1, i2), b1, "h1")
    h2 = _neuron((w[2], w[3]), (i1, i2), b1, "h2")
    o1 = _neuron((w[4], w[5]), (h1, h2), b2, "o1")
    o2 = _neuron((w[6], w[7]), (h1, h2), b2, "o2")
    e1 = 0.5 * (TARGETS[0] - o1) ** 2
    e1.label = "E_o1"
    e2 = 0.5 * (TARGETS[1] - o2) ** 2
    e2.label = "E_o2"
    total = e1 + e2
    total.label = "E_total"
    total.backward()
    named = [*w, b1, b2, h1, h2, o1, o2, e1, e2, total]
    named += [v.parents[0] for v in (h1, h2, o1, o2)]  # net_h1, ...
    return WorkedExample(total, {v.label: v for v in named})


@pytest.fixture
def worked_example() -> WorkedExample:
    return build_worked_example()
