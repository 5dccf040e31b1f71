"""Drawing an ``nn`` model's architecture: :func:`draw_model`.

Where :func:`autograd.viz.draw_dot` draws the Values one computation made, this draws the
model itself: its input, one cluster per layer with a dot per neuron, and its output. Models
are recognised by their attributes (:func:`is_model`), so viz never imports ``nn``.
"""

from __future__ import annotations

import math
from typing import Any

from ..node import Value
from .drawing import Drawing
from .labels import FONT, RANKDIRS, STYLE, escape, grad_norm, shade

__all__ = ["draw_model", "is_model"]


def is_model(obj: Any) -> bool:
    """An ``nn`` MLP, Layer or Neuron, recognised by its attributes (viz never imports nn)."""
    return hasattr(obj, "layers") or hasattr(obj, "neurons") or (
        hasattr(obj, "w") and hasattr(obj, "b") and hasattr(obj, "activation"))


def _model_layers(model: Any) -> list[tuple[int, list[Any], str | None]]:
    """``(nin, neurons, activation)`` per layer of an MLP, Layer or Neuron."""
    if hasattr(model, "layers"):
        layers = list(model.layers)
    elif hasattr(model, "neurons"):
        layers = [model]
    else:
        return [(len(model.w), [model], model.activation)]
    return [(layer.nin, list(layer.neurons), layer.activation) for layer in layers]


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
    norms = [[grad_norm(_neuron_params(n)) for n in neurons] for _, neurons, _ in layers]
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


def _write_layer(g: Drawing, i: int, nin: int, neurons: list[Any], activation: str | None,
                 norms: list[float], largest: float | None, inputs: list[str]) -> list[str]:
    """Layer ``i`` as a titled cluster with a dot per neuron, shaded by its gradient norm
    against ``largest`` (white when ``None``); returns the dots' names."""
    add = g.body.append
    nparams = sum(len(_neuron_params(n)) for n in neurons)
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


def _neuron_params(neuron: Any) -> list[Value]:
    """A neuron's parameters: its weights, then its bias."""
    return [*neuron.w, neuron.b]
