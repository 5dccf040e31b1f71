"""Benchmark 2: forward + backward nanoseconds per op on a wide random DAG.

The op sequence is drawn first, outside the timed region: each op is ``a + b``, ``a * b``,
``relu(a)`` or ``a * 0.5`` (only ops micrograd has), its operands drawn uniformly from every
earlier node, so the graph is wide and shallow with random fan-out. Nodes nobody consumed are
then added up by a balanced tree of ``+`` so that one backward pass reaches every node.

The sequence is turned into one straight-line Python function per implementation (``v7 = v3 *
v5`` ...), so the timing holds the ops themselves and no interpreter loop or list indexing
around them. Each sample builds the graph from the same leaves and runs backward from its root.

Two references frame the figures (informational, not peers):
- ``hand-written``: the same DAG as straight-line float code, forward and backward written out
  (``g3 += g7 * v5``): no graph at all, the speed limit of pure Python for this math;
- ``bare node graph``: a minimal node-per-op engine, written into this file: a slotted node
  holding its parents and partials, an iterative sort, one sweep; no checks, no modes, no
  constants, no labels. It does only the work of the design ``valuegrad`` shares with micrograd
  and PyTorch's eager mode: one object per op, allocated, traced by the cycle collector while
  alive, sorted, swept and freed.
"""

from __future__ import annotations

import gc
import random
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .common import Config, Prepared, Section, fmt_ratio, interleaved, runnable

ADD, MUL, RELU, SCALE = range(4)


@dataclass(frozen=True)
class Program:
    """A random DAG: ``n_leaves`` inputs, then ``ops`` as (kind, operand, operand) triples."""

    n_leaves: int
    ops: list[tuple[int, int, int]]
    leaves: list[float]

    @property
    def n_ops(self) -> int:
        return len(self.ops)


def make_program(n_ops: int, n_leaves: int, seed: int = 0) -> Program:
    """Draws the ops, then appends the ``+`` chain that joins every unconsumed node."""
    rng = random.Random(seed)
    leaves = [rng.uniform(-1.0, 1.0) for _ in range(n_leaves)]
    ops: list[tuple[int, int, int]] = []
    used = [False] * n_leaves
    for k in range(n_ops):
        n = n_leaves + k
        kind = rng.randrange(4)
        a = rng.randrange(n)
        b = rng.randrange(n) if kind in (ADD, MUL) else a
        used[a] = used[b] = True
        used.append(False)
        ops.append((kind, a, b))
    # A balanced tree of additions keeps the graph shallow (micrograd's recursive sort would
    # overflow the stack on a long chain).
    level = [i for i, u in enumerate(used) if not u]
    while len(level) > 1:
        pairs = []
        for a, b in zip(level[0::2], level[1::2], strict=False):
            ops.append((ADD, a, b))
            pairs.append(n_leaves + len(ops) - 1)
        if len(level) % 2:
            pairs.append(level[-1])
        level = pairs
    if level[0] != n_leaves + len(ops) - 1:  # the root must be the last node
        ops.append((SCALE, level[0], level[0]))
    return Program(n_leaves, ops, leaves)


TEMPLATES = {
    # implementation -> (add, mul, relu, scale)
    "method": ("{a} + {b}", "{a} * {b}", "{a}.relu()", "{a} * 0.5"),
    "torch": ("{a} + {b}", "{a} * {b}", "relu({a})", "{a} * 0.5"),
}


def compile_program(program: Program, style: str) -> Callable[..., Any]:
    """One straight-line function ``build(leaves, relu)`` returning the root node."""
    forms = TEMPLATES[style]
    lines = ["def build(leaves, relu):"]
    names = [f"v{i}" for i in range(program.n_leaves + program.n_ops)]
    lines.append(f"    {', '.join(names[: program.n_leaves])}, = leaves")
    for k, (kind, a, b) in enumerate(program.ops):
        expr = forms[kind].format(a=names[a], b=names[b])
        lines.append(f"    {names[program.n_leaves + k]} = {expr}")
    lines.append(f"    return {names[-1]}")
    module = compile("\n".join(lines), f"<dag of {program.n_ops} ops>", "exec")
    # The module's only constant code object is the function's body: make it a function
    # without running the module.
    (body,) = [c for c in module.co_consts if isinstance(c, types.CodeType)]
    return types.FunctionType(body, {"__builtins__": __builtins__}, "build")


def compile_handwritten(program: Program) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Straight-line float code for the DAG: ``forward(leaves)`` returns the root's value,
    ``forward_backward(leaves)`` the gradient of the root for every leaf."""
    n_leaves = program.n_leaves
    root = n_leaves + program.n_ops - 1
    fwd = [f"    {', '.join(f'v{i}' for i in range(n_leaves))}, = leaves"]
    for k, (kind, a, b) in enumerate(program.ops):
        out = n_leaves + k
        if kind == ADD:
            fwd.append(f"    v{out} = v{a} + v{b}")
        elif kind == MUL:
            fwd.append(f"    v{out} = v{a} * v{b}")
        elif kind == RELU:
            fwd.append(f"    v{out} = v{a} if v{a} > 0.0 else 0.0")
        else:
            fwd.append(f"    v{out} = v{a} * 0.5")
    bwd = [f"    g{root} = 1.0"]
    written = {root}

    def add(target: int, expr: str) -> None:
        # The first contribution assigns, the later ones accumulate.
        bwd.append(f"    g{target} {'+=' if target in written else '='} {expr}")
        written.add(target)

    for k in range(program.n_ops - 1, -1, -1):
        kind, a, b = program.ops[k]
        out = n_leaves + k
        if out not in written:  # nothing downstream reached this node
            continue
        if kind == ADD:
            add(a, f"g{out}")
            add(b, f"g{out}")
        elif kind == MUL:
            add(a, f"g{out} * v{b}")
            add(b, f"g{out} * v{a}")
        elif kind == RELU:
            add(a, f"g{out} if v{a} > 0.0 else 0.0")
        else:
            add(a, f"g{out} * 0.5")
    grads = ", ".join(f"g{i}" if i in written else "0.0" for i in range(n_leaves))

    def function(name: str, body: list[str]) -> Callable[..., Any]:
        module = compile("\n".join([f"def {name}(leaves):", *body]), f"<{name}>", "exec")
        (code,) = [c for c in module.co_consts if isinstance(c, types.CodeType)]
        return types.FunctionType(code, {"__builtins__": __builtins__}, name)

    forward = function("forward", [*fwd, f"    return v{root}"])
    forward_backward = function("forward_backward", [*fwd, *bwd, f"    return [{grads}]"])
    return forward, forward_backward


class BareNode:
    """The floor of a node-per-op engine (see the module docstring): only ``+ * relu``."""

    __slots__ = ("_d0", "_d1", "_g", "_p0", "_p1", "data", "grad")

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad = self._g = self._d0 = self._d1 = 0.0
        self._p0 = self._p1 = None

    def __add__(self, other: Any) -> BareNode:
        out = _bare_new(BareNode)
        out.grad = out._g = 0.0
        out._p0 = self
        out._d0 = 1.0
        if type(other) is BareNode:
            out.data = self.data + other.data
            out._p1 = other
            out._d1 = 1.0
        else:
            out.data = self.data + other
            out._p1 = None
        return out

    def __mul__(self, other: Any) -> BareNode:
        out = _bare_new(BareNode)
        out.grad = out._g = 0.0
        out._p0 = self
        if type(other) is BareNode:
            out.data = self.data * other.data
            out._d0 = other.data
            out._p1 = other
            out._d1 = self.data
        else:
            out.data = self.data * other
            out._d0 = other
            out._p1 = None
        return out

    def relu(self) -> BareNode:
        out = _bare_new(BareNode)
        positive = self.data > 0.0
        out.data = self.data if positive else 0.0
        out.grad = out._g = 0.0
        out._p0 = self
        out._d0 = 1.0 if positive else 0.0
        out._p1 = None
        return out

    def backward(self) -> None:
        # Post-order DFS with a visited set, then one sweep summing into _g.
        order: list[BareNode] = []
        seen: set[BareNode] = set()
        stack: list[Any] = [self]
        while stack:
            node = stack.pop()
            if node is None:
                order.append(stack.pop())
            elif node not in seen:
                seen.add(node)
                stack.append(node)
                stack.append(None)
                if node._p1 is not None:
                    stack.append(node._p1)
                if node._p0 is not None:
                    stack.append(node._p0)
        self._g = 1.0
        for node in reversed(order):
            g = node._g
            node._g = 0.0
            node.grad += g
            if node._p0 is not None:
                node._p0._g += g * node._d0
                if node._p1 is not None:
                    node._p1._g += g * node._d1


_bare_new = object.__new__


def _method_style(value_type: type) -> Callable[[Program], tuple[Callable[[], Any], ...]]:
    """Builds the forward and forward+backward runners for an engine with a ``Value`` class."""

    def runners(program: Program) -> tuple[Callable[[], Any], Callable[[], Any]]:
        build = compile_program(program, "method")
        leaves = [value_type(x) for x in program.leaves]

        def forward() -> None:
            build(leaves, None)

        def forward_backward() -> None:
            build(leaves, None).backward()

        return forward, forward_backward

    return runners


def _valuegrad(program: Program) -> tuple[Callable[[], Any], Callable[[], Any]]:
    from autograd import Value

    return _method_style(Value)(program)


def _micrograd(program: Program) -> tuple[Callable[[], Any], Callable[[], Any]]:
    from micrograd.engine import Value

    return _method_style(Value)(program)


def _torch(program: Program) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import torch

    build = compile_program(program, "torch")
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in program.leaves]
    relu = torch.relu

    def forward() -> None:
        build(leaves, relu)

    def forward_backward() -> None:
        build(leaves, relu).backward()

    return forward, forward_backward


def _handwritten(program: Program) -> tuple[Callable[[], Any], Callable[[], Any]]:
    forward, forward_backward = compile_handwritten(program)
    leaves = list(program.leaves)
    return (lambda: forward(leaves)), (lambda: forward_backward(leaves))


def _bare(program: Program) -> tuple[Callable[[], Any], Callable[[], Any]]:
    return _method_style(BareNode)(program)


def _valuegrad_paused(program: Program) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """valuegrad with the cycle collector disabled around each run (informational)."""
    forward, forward_backward = _valuegrad(program)

    def paused(fn: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            gc.disable()
            try:
                fn()
            finally:
                gc.enable()

        return run

    return paused(forward), paused(forward_backward)


IMPLEMENTATIONS: dict[str, Callable[[Program], Any]] = {
    "hand-written": _handwritten,
    "bare node graph": _bare,
    "valuegrad": _valuegrad,
    "valuegrad, gc paused": _valuegrad_paused,
    "micrograd": _micrograd,
    "torch (0-dim)": _torch,
}
PEERS = {"micrograd": "micrograd", "torch (0-dim)": "torch"}


def prepare(name: str, cfg: Config) -> Prepared:
    """One implementation's ``forward`` and ``forward_backward`` on the shared program."""
    program = make_program(cfg.dag_ops, cfg.dag_leaves)
    forward, forward_backward = IMPLEMENTATIONS[name](program)
    return {"forward": forward, "forward_backward": forward_backward}, {"n_ops": program.n_ops}


def run(cfg: Config) -> Section:
    program = make_program(cfg.dag_ops, cfg.dag_leaves)
    section = Section(
        "ops",
        f"2. Op throughput: random DAG of {program.n_ops:,} ops over {cfg.dag_leaves} leaves "
        "(+, *, relu, * const)",
        ["implementation", "forward ns/op", "backward ns/op", "total ns/op", "vs hand-written",
         "valuegrad speedup"],
    )
    names = runnable(IMPLEMENTATIONS, PEERS, cfg, section.notes)
    n = program.n_ops
    results = interleaved(cfg, prepare, names, ["forward", "forward_backward"])
    for name, (timings, _) in results.items():
        t_fwd = timings["forward"].median
        t_all = timings["forward_backward"].median
        section.data[name] = {
            "forward_ns": t_fwd / n * 1e9,
            "backward_ns": max(0.0, t_all - t_fwd) / n * 1e9,
            "total_ns": t_all / n * 1e9,
        }
    ours = section.data["valuegrad"]["total_ns"]
    limit = section.data["hand-written"]["total_ns"]
    for name, d in section.data.items():
        peer = name in PEERS
        section.rows.append([
            name, f"{d['forward_ns']:.0f}", f"{d['backward_ns']:.0f}", f"{d['total_ns']:.0f}",
            fmt_ratio(d["total_ns"] / limit),
            fmt_ratio(d["total_ns"] / ours) if peer else "-",
        ])
    section.notes.append(
        "hand-written and bare node graph are references, not peers (see "
        "`benchmarks/throughput.py`): straight-line float code with no graph (the limit of "
        "pure Python), and a minimal one-object-per-op engine (no checks, no modes)."
    )
    section.notes.append(
        "forward = building the graph; total = building + backward (graph freeing included); "
        "backward = total - forward (medians of separately timed runs)."
    )
    section.notes.append(
        "'gc paused' is informational (not used for the targets): the cycle collector disabled "
        "around each run; the graph has no cycles, so nothing is left for it to free."
    )
    return section
