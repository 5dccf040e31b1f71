"""Drawing an ``nn`` model's architecture: :func:`draw_model`.

Where :func:`autograd.viz.draw_dot` draws the Values one computation made, this draws the
model itself: its input, one cluster per layer with a dot per neuron, and its output. Models
are recognised by their attributes (:func:`is_model`), so viz never imports ``nn``: an ``MLP``
has ``layers``, a ``Layer`` ``neurons``, a ``Neuron`` ``w``, ``b`` and ``activation``, a
``Linear`` ``weight``, ``bias`` and ``nin``; an activation module (``ReLU``, ``Softmax``, ...)
only an ``activation`` name, and a ``Sequential`` is a sequence of these, flattened.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..core.node import Value
from .drawing_result import Drawing
from .labels import FONT, RANKDIRS, STYLE, escape, grad_norm, shade

__all__ = ["draw_model", "is_model"]


# One drawn layer: its input count, each neuron's parameters (weights, then bias), activation.
_DrawnLayer = tuple[int, list[list[Value]], str | None]


def is_model(obj: Any) -> bool:
    """An ``nn`` model (MLP, Layer, Neuron, Linear, or a Sequential of these and activation
    modules), recognised by its attributes (viz never imports nn)."""
    return _model_layers(obj) is not None


def _model_layers(model: Any, entered: frozenset[int] = frozenset()) -> list[_DrawnLayer] | None:
    """The layers of a model, in order; None when ``model`` is not one drawn here (``entered``:
    the sequences being read, so a list that holds itself is no model)."""
    if hasattr(model, "layers"):
        # An MLP (or a user's model keeping its layers in a list); a softmax output reads
        # the last layer's sums.
        layers = _model_layers(model.layers, entered | {id(model)})
        if getattr(model, "output_activation", None) == "softmax" and layers:
            nin, units, _ = layers[-1]
            layers[-1] = (nin, units, "softmax")
        return layers
    if hasattr(model, "neurons"):
        return [(model.nin, [[*n.w, n.b] for n in model.neurons], model.activation)]
    if hasattr(model, "w") and hasattr(model, "b") and hasattr(model, "activation"):
        return [(len(model.w), [[*model.w, model.b]], model.activation)]
    if hasattr(model, "weight") and hasattr(model, "bias") and hasattr(model, "nin"):
        bias = model.bias
        units = ([[*row] for row in model.weight] if bias is None else
                 [[*row, b] for row, b in zip(model.weight, bias, strict=True)])
        return [(model.nin, units, None)]
    if (isinstance(model, (str, bytes, Mapping, Value)) or not hasattr(model, "__len__")
            or not hasattr(model, "__iter__") or id(model) in entered):
        return None
    return _sequence_layers(model, entered | {id(model)})


def _sequence_layers(modules: Any, entered: frozenset[int]) -> list[_DrawnLayer] | None:
    """A Sequential's layers, its modules' flattened; an activation module becomes the
    activation of the layer before it. None unless every item is a model or an activation
    that follows one."""
    out: list[_DrawnLayer] = []
    for item in modules:
        layers = _model_layers(item, entered)
        if layers is not None:
            out.extend(layers)
            continue
        name = getattr(item, "activation", None)
        if not isinstance(name, str) or not out:
            return None
        nin, units, before = out[-1]
        out[-1] = (nin, units, name if before is None else f"{before}, {name}")
    return out or None


def draw_model(model: Any, *, rankdir: str = "LR", show_grad: bool = True) -> Drawing:
    """Draws an ``nn`` model's architecture: its input, one cluster per layer (a dot per
    neuron, shaded by the size of its parameters' gradient when ``show_grad``), the output.

    >>> from nn import MLP
    >>> g = draw_model(MLP(2, [16, 16, 1], seed=0))
    >>> g.source.count("subgraph cluster_"), g.values_drawn
    (3, 33)
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}")
    layers = _model_layers(model)
    if layers is None:
        raise TypeError(f"draw_model expects an nn model (MLP, Layer, Neuron, Linear or a "
                        f"Sequential of them), got {type(model).__name__}")
    norms = [[grad_norm(params) for params in units] for _, units, _ in layers]
    largest = max((x for row in norms for x in row if not math.isnan(x)), default=0.0)
    g = Drawing(
        name="model",
        graph_attr={"rankdir": rankdir, "compound": "true", "nodesep": "0.08"},
        node_attr={"fontname": FONT, "fontsize": "11", "style": "filled"},
        edge_attr={"arrowsize": "0.6"},
    )
    add = g.body.append
    nin = layers[0][0]
    add(f'\tinput [label="input\\n{nin} values" shape=box style="rounded,filled" '
        f'fillcolor="{STYLE["leaf"][1]}" color="{STYLE["leaf"][0]}"]\n')
    g.nodes["input"] = {"kind": "input", "label": f"{nin} inputs"}
    previous, previous_names = "input", ["input"]
    for i, (lin, neurons, activation) in enumerate(layers):
        names = _write_layer(g, i, lin, neurons, activation, norms[i],
                             largest if show_grad else None, previous_names)
        head = names[len(names) // 2]
        tail_attr = "" if previous == "input" else f" ltail=cluster_{i - 1}"
        add(f"\t{previous} -> {head} [lhead=cluster_{i}{tail_attr} penwidth=2]\n")
        previous, previous_names = head, names
    nout = len(layers[-1][1])
    add(f'\toutput [label="output\\n{nout} value{"s" if nout != 1 else ""}" shape=box '
        f'style="rounded,filled" fillcolor="{STYLE["output"][1]}" '
        f'color="{STYLE["output"][0]}"]\n')
    g.nodes["output"] = {"kind": "output", "label": f"{nout} outputs"}
    add(f"\t{previous} -> output [ltail=cluster_{len(layers) - 1} penwidth=2]\n")
    g.edges.extend((tail, "output") for tail in previous_names)
    g.values_drawn = sum(len(neurons) for _, neurons, _ in layers)
    g.root_name = "output"
    return g


def _write_layer(g: Drawing, i: int, nin: int, neurons: list[list[Value]],
                 activation: str | None, norms: list[float], largest: float | None, inputs: list[str]) -> list[str]:
    """Layer ``i`` as a titled cluster with a dot per neuron, shaded by its gradient norm
    against ``largest`` (white when ``None``); returns the dots' names."""
    add = g.body.append
    nparams = sum(len(params) for params in neurons)
    title = escape(f"layer {i + 1}: {nin} \u2192 {len(neurons)}, "
                   f"{activation or 'linear'}\n{nparams:,} parameters", limit=200)
    add(f'\tsubgraph cluster_{i} {{\n\t\tlabel="{title}" style="rounded,filled" '
        f'color="#90a4ae" fillcolor="#f5f7f8"\n')
    names = [f"n{i}_{j}" for j in range(len(neurons))]
    for j, name in enumerate(names):
        fill = shade(norms[j], largest) if largest is not None else "#ffffff"
        add(f'\t\t{name} [label="" shape=circle width=0.25 fixedsize=true '
            f'fillcolor="{fill}" color="#616161"]\n')
        g.nodes[name] = {"kind": "neuron", "label": f"layer {i + 1} neuron {j + 1}",
                         "op": activation or "linear", "inputs": nin,
                         "weight_grad_norm": norms[j]}
        g.edges.extend((tail, name) for tail in inputs)
    add("\t}\n")
    return names

