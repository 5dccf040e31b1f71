"""Code generation for ``jit``: a :class:`~autograd.jit.trace.Trace` as straight-line Python.

The forward pass is one statement per op, built from the op table's expression templates
(:meth:`Op.forward_expr`); the backward pass is the chain rule written out, one statement per
edge, ``g_w = g_t5 * x`` for the first contribution to a node and ``g_w += ...`` for the next
ones, over the engine's own reverse topological order (so sums are added in the engine's order),
with the local derivatives from :meth:`Op.partial_exprs`. Guards come right after the statement
computing their operand: ``if not (t7 > 0.0): return _GUARD[0]``; what the data was compared
with, when it is not a float (an int, a Decimal, a NumPy scalar), is bound as ``_K[i]``, so
the guard compares exactly as Python did while tracing.

The result is the engine's to the last bit, the sign of a zero included: a node of three or
more arguments whose gradient is zero is skipped under the engine's own test (an n-ary op's
output finite, a custom op's partials' sum finite), and a gradient only such nodes reach is
the sweep's starting ``-0.0``.

Generated code is data: it is built only from identifiers this module chooses and numbers it
formats itself. A label becomes a local name only when it is a plain ASCII identifier that is no
keyword, builtin or name of ours; custom ops are called through names bound in the function's
namespace and their comment is a generic one. Nothing of the user's text reaches the source.

Custom ops (which have no templates) are called as bound functions. ``sum``, ``mean`` and
``dot`` are written as ``fsum`` of a tuple display: the same exactly rounded value the engine
computes, without the generic helpers' per-call overhead.
"""

from __future__ import annotations

import builtins
import keyword
import math
import numbers
import re
import types
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from ..core.backprop import topological_order
from ..core.generated import file_name, register_lazily, unique_title
from ..core.node import Value
from ..core.ops import NAMESPACE, OPS, Op
from .trace import Guard, Trace

__all__ = ["Generated", "GuardFailed", "generate"]


class GuardFailed:
    """What generated code returns when guard ``index`` (seen at ``site``) fails."""

    __slots__ = ("index", "site")

    def __init__(self, index: int, site: str) -> None:
        self.index = index
        self.site = site

    def __repr__(self) -> str:
        return f"<guard {self.index} failed>"


class Generated:
    """Generated source and the namespace it runs in; ``function`` compiles it (once).

    A big graph is generated as several functions (``parts``, each a ``(name, source)`` pair,
    the entry point last), compiled one by one: CPython's compiler takes time and memory that
    grow faster than linearly with the size of one function. Each part is compiled under a
    file name of its own, ``<jit 3: f backward>`` in the package's folder (``title`` and the
    part's name), and entered in ``linecache`` (without a copy of its text) for as long as the
    compiled function lives, so that tracebacks and ``pdb`` show the generated lines.
    """

    def __init__(
        self, name: str, parts: list[tuple[str, str]], namespace: dict[str, Any], nodes: int,
        title: str = "",
    ) -> None:
        self.name = name
        self.parts = parts
        self.source = "\n".join(source for _, source in parts)
        self.namespace = namespace
        self.nodes = nodes
        self.title = unique_title(title or "generated")
        self._function: Callable[..., Any] | None = None

    def file_name(self, part: str) -> str:
        """The file name the part called ``part`` is compiled under."""
        return file_name(f"{self.title} {part}")

    def function(self) -> Callable[..., Any]:
        if self._function is None:
            namespace = dict(self.namespace)
            files = []
            for name, source in self.parts:
                # The module code holds one ``def``; its code object becomes the function
                # directly, with the namespace as globals (nothing but the def is ever run).
                filename = self.file_name(name)
                module = compile(source, filename, "exec")
                (code,) = [c for c in module.co_consts if isinstance(c, types.CodeType)]
                namespace[name] = types.FunctionType(code, namespace, name)
                files.append((filename, source))
            self._function = namespace[self.name]
            for filename, source in files:
                register_lazily(filename, source, self._function)
        return self._function


CHUNK_LINES = 100_000
"""Lines per generated function: a longer function is split into parts of about this size.

CPython's compiler needs about 3 KB of memory per line of the function it compiles (240 MB for
the 79,000 lines of the benchmark's moons step in one function); parts bound that peak. Each
part boundary costs storing and gathering the values crossing it (the moons step split into
parts of 6,000 lines ran about 25% slower), so parts are kept large."""


_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}\Z")
_ATOM = re.compile(r"\((-?[A-Za-z0-9_.]+)\)\Z")
_OURS = {"A", "D", "S", "fsum", "isfinite", "sum", "_GUARD", "_K"}
_RESERVED = set(NAMESPACE) | set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist)
_RESERVED |= _OURS


def safe_name(text: str) -> bool:
    """True when ``text`` may be used as a local name of generated code."""
    return (
        type(text) is str
        and _SAFE_NAME.match(text) is not None
        and text.isidentifier()
        and text not in _RESERVED
    )


def literal(x: float) -> str:
    """A float as source text: ``repr`` when finite, else the bound names ``inf``/``nan``."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "(-inf)"
    text = repr(x)
    return f"({text})" if text.startswith("-") else text


def _product(a: str, b: str) -> str:
    """``a * b`` as source; ``x * 1.0`` is exactly ``x``, so the factor 1.0 is left out."""
    if b == "1.0":
        return a
    if a == "1.0":
        return b
    return f"{a} * {b}"


def _strip(expr: str) -> str:
    """``expr`` without outer parentheses that enclose all of it."""
    if not (expr.startswith("(") and expr.endswith(")")):
        return expr
    depth = 0
    for k, ch in enumerate(expr):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and k != len(expr) - 1:
                return expr
    return expr[1:-1]


class _Names:
    """Unique local names: hints when safe, else ``t<k>``."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, hint: str, fallback: str) -> str:
        base = hint if safe_name(hint) else fallback
        name = base
        k = 1
        while name in self.used or name in _RESERVED:
            name = f"{base}_{k}"
            k += 1
        self.used.add(name)
        return name


def generate(trace: Trace, kind: str, wrt: Sequence[Value] = (), of: str = "") -> Generated:
    """Source of one compiled function for ``trace``.

    Args:
        kind: ``"forward"`` (returns the flat outputs), ``"backward"`` (returns the first
            output, its gradient for each of ``trace.params`` and the other outputs if any) or
            ``"grad"`` (the scalar output and its gradient for each of ``wrt``, input leaves).
        wrt: for ``"grad"``, the leaves to differentiate by.
        of: the traced function's name, for the file name tracebacks show.

    The function takes ``A`` (the input numbers, flattened) and ``D`` (the parameters' data).
    """
    return _Generator(trace, kind, wrt).run(of)


class _Generator:
    def __init__(self, trace: Trace, kind: str, wrt: Sequence[Value]) -> None:
        self.trace = trace
        self.kind = kind
        self.wrt = list(trace.params) if kind == "backward" else list(wrt)
        self.names = _Names()
        self.expr: dict[Value, str] = {}  # node -> its name, or a literal for constants
        self.args_of: dict[Value, list[str]] = {}  # node -> its arguments as source
        # Units of code: (lines, names assigned, names read); a unit is never split.
        self.units: list[tuple[list[str], Sequence[str], Sequence[str]]] = []
        self.namespace: dict[str, Any] = dict(NAMESPACE)
        self.namespace["fsum"] = math.fsum
        self.namespace["isfinite"] = math.isfinite
        self.namespace["sum"] = builtins.sum  # the engine's test for skipping a node
        self.custom: dict[int, str] = {}  # id(op) -> the prefix of its bound names
        self.custom_ops: list[Op] = []
        self.compared: list[Any] = []  # what guards compare with, other than floats

    # -- names -------------------------------------------------------------------------------

    def _name_leaves(self) -> None:
        trace = self.trace
        for leaf, hint in zip(trace.inputs, trace.names, strict=True):
            self.expr[leaf] = self.names.take(hint, f"x{len(self.expr)}")
        for k, leaf in enumerate(trace.params):
            self.expr[leaf] = self.names.take(leaf.label, f"p{k}")
        for node in trace.order:
            if id(node) in trace.constants:
                self.expr[node] = literal(node.data)

    def _unit(self, lines: list[str], defs: Sequence[str], uses: Sequence[str]) -> None:
        self.units.append((lines, defs, uses))

    def _arg(self, a: Any) -> str:
        return self.expr[a] if type(a) is Value else literal(a)

    def _compared(self, a: Any) -> str:
        """What a guard compares with: a Value's name, a float literal, or any other object
        (an int, a Decimal, a NumPy scalar) bound as ``_K[i]``, so that the comparison is
        Python's own, exactly as while tracing."""
        if type(a) is Value or type(a) is float:
            return self._arg(a)
        self.compared.append(a)
        return f"_K[{len(self.compared) - 1}]"

    def _bind_custom(self, op: Op) -> str:
        prefix = self.custom.get(id(op))
        if prefix is None:
            prefix = f"_c{len(self.custom)}"
            self.custom[id(op)] = prefix
            self.custom_ops.append(op)
            self.namespace[f"{prefix}_f"] = _float_result(op.forward, op)
            for i, d in enumerate(_derivatives(op)):
                self.namespace[f"{prefix}_d{i}"] = _float_result(d, op)
        return prefix

    # -- forward -----------------------------------------------------------------------------

    def _forward_expr(self, node: Value, args: list[str]) -> tuple[str, str]:
        op = node.primitive
        assert op is not None
        if _is_custom(op):
            prefix = self._bind_custom(op)
            return f"{prefix}_f({', '.join(args)})", "custom op"
        name = op.name
        # fsum of a list display: the engine's exactly rounded sums (a list is faster than a
        # tuple here); an intermediate overflow raises, and the call reruns in the engine.
        if name == "sum":
            return f"fsum([{', '.join(args)}])", name
        if name == "mean":
            return f"fsum([{', '.join(args)}]) / {len(args)}", name
        if name == "dot":
            half = len(args) // 2
            terms = [_product(a, b) for a, b in zip(args[:half], args[half:], strict=True)]
            return f"fsum([{', '.join(terms)}])", name
        expr = op.forward_expr(args)
        assert expr is not None
        return _strip(expr), name

    def _emit_forward(self) -> None:
        trace = self.trace
        guards_after: dict[Value, list[int]] = {}
        position = {node: k for k, node in enumerate(trace.order)}
        ready: list[int] = []
        for k, g in enumerate(trace.guards):
            last = max(
                (position[v] for v in (g.left, g.right) if type(v) is Value and not v.is_leaf),
                default=-1,
            )
            if last < 0:
                ready.append(k)
            else:
                guards_after.setdefault(trace.order[last], []).append(k)
        self._emit_guards(ready)
        count = 0
        for node in trace.order:
            if node.is_leaf:
                continue
            count += 1
            args = [self._arg(a) for a in node.arguments]
            self.args_of[node] = args
            name = self.names.take(node.label, f"t{count}")
            self.expr[node] = name
            expr, comment = self._forward_expr(node, args)
            self._unit([f"{name} = {expr}  # {comment}"], (name,), args)
            self._emit_guards(guards_after.get(node, ()))

    def _emit_guards(self, indices: Sequence[int]) -> None:
        for k in indices:
            g: Guard = self.trace.guards[k]
            left, right = self._arg(g.left), self._compared(g.right)
            test = f"{left} {g.op} {right}"
            line = f"if not ({test}): return _GUARD[{k}]" if g.outcome else (
                f"if {test}: return _GUARD[{k}]")
            self._unit([line], (), (left, right))

    # -- backward ----------------------------------------------------------------------------

    def _emit_backward(self, root: Value) -> dict[Value, str]:
        """The chain rule from ``root`` to ``self.wrt``; returns each reached node's g-name."""
        order = topological_order(root)  # the engine's order: contributions add up alike
        wanted = set(self.wrt)
        needs: set[Value] = set()
        for node in order:
            if node in wanted or any(p in needs for p in node.parents):
                needs.add(node)
        grads: dict[Value, str] = {}
        if root not in needs:
            return grads
        gname = self.names.take("g_" + self.expr[root], "g")
        grads[root] = gname
        self._unit([f"{gname} = 1.0"], (gname,), ())
        for node in reversed(order):
            if node.is_leaf or node not in needs:
                continue
            g = grads[node]
            op = node.primitive
            assert op is not None
            arguments = node.arguments
            args = self.args_of[node]
            out = self.expr[node]
            lines: list[str] = []
            first: list[str] = []
            targets: list[str] = []
            partials: list[str] | None
            before: list[str] = []  # computed whether or not the node is skipped
            if _is_custom(op):
                prefix = self._bind_custom(op)
                call = ", ".join(args)
                partials = [f"{prefix}_d{i}({call})" for i in range(len(args))]
            else:
                partials = _partial_exprs(op, args, out)
                if partials is None:  # a bulk partial (logsumexp's softmax)
                    bulk = op.bulk_expr(f"({', '.join(args)},)", out)
                    dname = self.names.take("d_" + out, "d")
                    before.append(f"{dname} = {bulk}  # d {op.name}")
                    targets.append(dname)
                    partials = [f"{dname}[{i}]" for i in range(len(args))]
            for a, d in zip(arguments, partials, strict=True):
                if type(a) is not Value or a not in needs:
                    continue
                if d == "(1.0)":
                    term = g
                elif d == "(-1.0)":
                    term = f"-{g}"
                else:
                    m = _ATOM.match(d)
                    term = f"{g} * {m.group(1) if m else d}"
                target = grads.get(a)
                if target is None:
                    target = self.names.take("g_" + self.expr[a], "g")
                    grads[a] = target
                    first.append(target)
                    lines.append(f"{target} = {term}")
                else:
                    lines.append(f"{target} += {term}")
                targets.append(target)
            if len(arguments) > 2:
                # The engine's sweep skips a node of three or more arguments whose gradient
                # is zero while its local derivatives are finite (a dead ReLU's weighted sum):
                # no product is added, so a gradient that only such nodes reach stays the
                # sweep's starting -0.0. Tested here as the engine tests it, so that even the
                # sign of a zero gradient is the engine's.
                values = [d for a, d in zip(arguments, partials, strict=True) if type(a) is Value]
                block = [f"if {_skip_test(g, out, op, values)}:"]
                block.extend("    " + line for line in lines)
                if first:
                    block.append("else:")
                    block.extend(f"    {target} = -0.0" for target in first)
                lines = block
            lines = before + lines
            self._unit(lines, targets, [g, out, *args, *targets])
        return grads

    # -- the function ------------------------------------------------------------------------

    def run(self, of: str = "") -> Generated:
        trace = self.trace
        self._name_leaves()
        fname = {"forward": "forward", "backward": "backward", "grad": "gradient"}[self.kind]
        self.names.used.add(fname)
        self.leaves: list[tuple[str, list[str]]] = []  # ("A", input names), ("D", parameters)
        for leaves, source in ((trace.inputs, "A"), (trace.params, "D")):
            if leaves:
                self.leaves.append((source, [self.expr[v] for v in leaves]))
        self._emit_forward()
        if self.kind == "forward":
            outs = [self._arg(o) for o in trace.outputs]
            self._unit([f"return ({', '.join(outs)},)" if outs else "return ()"], (), outs)
        else:
            root = trace.outputs[0]
            if type(root) is Value:
                grads = self._emit_backward(root)
                value = self.expr[root]
            else:
                grads, value = {}, literal(root)
            # A leaf the output does not reach: grad's derivative is 0.0, and backward adds
            # nothing (None), as the engine's pass leaves such a parameter's .grad alone.
            missing = "None" if self.kind == "backward" else "0.0"
            results = [grads.get(w, missing) for w in self.wrt]
            comma = "," if len(results) == 1 else ""
            line = f"return {value}, ({', '.join(results)}{comma})"
            extras: list[str] = []
            if self.kind == "backward" and len(trace.outputs) > 1:  # g.backward's has_aux
                extras = [self._arg(o) for o in trace.outputs[1:]]
                line += f", ({', '.join(extras)}{',' if len(extras) == 1 else ''})"
            self._unit([line], (), [value, *results, *extras])
        self.namespace["_GUARD"] = tuple(
            GuardFailed(k, g.site) for k, g in enumerate(trace.guards)
        )
        self.namespace["_K"] = tuple(self.compared)
        nodes = sum(1 for n in trace.order if not n.is_leaf)
        return Generated(fname, self._functions(fname), self.namespace, nodes, of)

    def _functions(self, fname: str) -> list[tuple[str, str]]:
        """The units as one function, or as parts passing live values through a list ``S``
        and an entry function calling them in turn (a part may return a failed guard)."""
        units = self.units
        if sum(len(lines) for lines, _, _ in units) <= CHUNK_LINES:
            body = [_unpack(names, source) for source, names in self.leaves]
            body.extend(line for lines, _, _ in units for line in lines)
            return [(fname, _def(fname, "A, D", body))]
        chunks: list[list[tuple[list[str], Sequence[str], Sequence[str]]]] = [[]]
        size = 0
        for unit in units:
            if size >= CHUNK_LINES:
                chunks.append([])
                size = 0
            chunks[-1].append(unit)
            size += len(unit[0])
        defs = [{n for _, d, _ in chunk for n in d} for chunk in chunks]
        uses = [{n for _, _, u in chunk for n in u} for chunk in chunks]
        first_def: dict[str, int] = {}
        for c, names in enumerate(defs):
            for n in names:
                first_def.setdefault(n, c)
        later: list[set[str]] = [set() for _ in chunks]
        for c in range(len(chunks) - 2, -1, -1):
            later[c] = later[c + 1] | uses[c + 1]
        slots: dict[str, int] = {}
        live_out = []
        for c in range(len(chunks)):
            out = sorted(defs[c] & later[c])
            live_out.append(out)
            for n in out:
                slots.setdefault(n, len(slots))
        parts = []
        calls = [f"S = [0.0] * {len(slots)}"]
        for c, chunk in enumerate(chunks):
            # Inputs and parameters are unpacked afresh from A and D by each part using them;
            # other values a part reads from earlier parts come from S in one gather.
            body = [_unpack(names, source) for source, names in self.leaves
                    if not uses[c].isdisjoint(names)]
            live_in = sorted(
                (n for n in uses[c] if first_def.get(n, c) < c), key=lambda n: slots[n]
            )
            if len(live_in) == 1:
                body.append(f"{live_in[0]} = S[{slots[live_in[0]]}]")
            elif live_in:
                getter = f"_load{c + 1}"
                self.namespace[getter] = itemgetter(*(slots[n] for n in live_in))
                body.append(f"{', '.join(live_in)} = {getter}(S)")
            body.extend(line for lines, _, _ in chunk for line in lines)
            if live_out[c]:
                body.append(_transfer([f"S[{slots[n]}]" for n in live_out[c]], live_out[c]))
            name = self.names.take(f"{fname}_{c + 1}", f"{fname}_{c + 1}")
            parts.append((name, _def(name, "A, D, S", body)))
            if c == len(chunks) - 1:
                calls.append(f"return {name}(A, D, S)")
            else:
                calls.extend([f"failed = {name}(A, D, S)", "if failed is not None: return failed"])
        parts.append((fname, _def(fname, "A, D", calls)))
        return parts


def _unpack(names: Sequence[str], source: str) -> str:
    """``a, b = A`` (``a, = A`` for one name)."""
    return f"{', '.join(names)}{',' if len(names) == 1 else ''} = {source}"


def _def(name: str, params: str, body: list[str]) -> str:
    return "\n".join([f"def {name}({params}):"] + ["    " + line for line in body]) + "\n"


def _transfer(targets: Sequence[str], sources: Sequence[str]) -> str:
    """``a, b = x, y`` (with the one-element forms)."""
    if len(targets) == 1:
        return f"{targets[0]} = {sources[0]}"
    return f"{', '.join(targets)} = {', '.join(sources)}"


_PATTERNS: dict[tuple[str, int], list[str] | None] = {}


def _partial_exprs(op: Op, args: Sequence[str], out: str) -> list[str] | None:
    """``op.partial_exprs(args, out)``, from a pattern made once per op and argument count
    (a layer's thousands of ``dot`` nodes share one)."""
    key = (op.name, len(args))
    if key not in _PATTERNS:
        slots = [f"{{{i}}}" for i in range(len(args))]
        patterns = op.partial_exprs(slots, "{out}")
        probe = [f"a{i}" for i in range(len(args))]
        if patterns is not None and [p.format(*probe, out="o") for p in patterns] != (
            op.partial_exprs(probe, "o")
        ):
            patterns = None  # a template the pattern cannot stand for: format every time
        _PATTERNS[key] = patterns
    patterns = _PATTERNS[key]
    if patterns is None:
        return op.partial_exprs(args, out)
    index = _ARG_INDEX
    return [
        # "({k})" (a dot's partner operand) is the argument itself: no formatting needed
        f"({args[index[p]]})" if p in index else p.format(*args, out=out) for p in patterns
    ]


_ARG_INDEX = {f"({{{k}}})": k for k in range(4096)}


def _skip_test(g: str, out: str, op: Op, partials: Sequence[str]) -> str:
    """The condition under which the engine's sweep does NOT skip a node of three or more
    arguments with gradient ``g`` (see :func:`autograd.core.backprop.sweep`): ``g`` nonzero, or
    the node's output ``out`` not finite (an n-ary op), or the plain left-to-right sum of its
    Value arguments' local derivatives not finite (a custom op)."""
    if op.nary:
        return f"{g} != 0.0 or not isfinite({out})"
    return f"{g} != 0.0 or not isfinite(sum(({', '.join(partials)},)))"


def _is_custom(op: Op) -> bool:
    """True for an op declared with ``custom_op`` (no templates; its name is user text)."""
    return op.custom or OPS.get(op.name) is not op


def _derivatives(op: Op) -> list[Callable[..., Any]]:
    """A custom op's derivative functions, each through the op's public ``partial``."""
    assert op.arity is not None
    return [_partial_of(op, i) for i in range(op.arity)]


def _partial_of(op: Op, i: int) -> Callable[..., Any]:
    def partial(*args: float) -> Any:
        return op.partial(i, args, None)

    return partial


def _float_result(fn: Callable[..., Any], op: Op) -> Callable[..., float]:
    """``fn`` returning a float, as the engine stores it (a Value's data, a real as float)."""

    def call(*args: float) -> float:
        out = fn(*args)
        if type(out) is float:
            return out
        if type(out) is Value:
            return out.data
        if isinstance(out, numbers.Real) and not isinstance(out, bool):
            return float(out)
        raise TypeError(f"custom op: a function of the op returned {type(out).__name__}")

    return call
