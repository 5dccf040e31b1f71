"""What a drawn node shows: user text escaped for DOT, numbers formatted, fills shaded.

Labels are user text, and DOT is a language: a label reading ``"]; evil -> x; "`` must not
become an edge, ``{a|b}`` must not split a record into fields, ``\\N`` must not turn into the
node's name, and ``<script>`` must not become an SVG element. Labels are Graphviz *record*
labels escaped character by character (see :func:`escape`); HTML-like labels would be simpler
to escape, but the WebAssembly Graphviz is built without the XML parser they need and silently
draws the node's name instead. Characters XML cannot carry (control characters, lone
surrogates) are shown as visible escapes, and labels longer than :data:`LABEL_LIMIT`
characters are shortened with an ellipsis.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from ..core.node import Value
from ..core.ops import OPS

__all__ = [
    "CUT_STYLE",
    "FONT",
    "LABEL_LIMIT",
    "OP_STYLE",
    "RANKDIRS",
    "STYLE",
    "escape",
    "grad_float",
    "grad_norm",
    "label_text",
    "number",
    "op_label",
    "shade",
]

#: Longest label shown, in characters; longer ones end in an ellipsis.
LABEL_LIMIT = 48

#: The layout directions Graphviz accepts for ``rankdir``.
RANKDIRS = ("LR", "RL", "TB", "BT")
FONT = "Helvetica"

#: Node kinds: (outline colour, fill colour).
STYLE = {
    "output": ("#2e7d32", "#dcedc8"),
    "parameter": ("#c62828", "#ffcdd2"),
    "leaf": ("#1565c0", "#bbdefb"),
    "inner": ("#616161", "#ffffff"),
}
OP_STYLE = 'shape=oval fillcolor="#eeeeee" fontsize=10 height=0.3 margin="0.04,0.02"'
CUT_STYLE = 'shape=box style="dashed,rounded" color="#757575" fontcolor="#424242"'
_SHADE_RGB = (255, 143, 0)  # full-strength gradient colour (amber); zero gradient is white
_SHADE_NAN = "#bdbdbd"  # NaN gradients: grey

# Characters XML 1.0 cannot contain (or that render invisibly and confuse): C0 and C1 control
# characters other than newline, surrogates, and the two non-characters U+FFFE/FFFF.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# Escapes inside a quoted DOT string holding a record label. In order of the pipeline that
# reads it: the DOT lexer turns \" into "; Graphviz then expands \N, \G, \L... to object
# names and decodes HTML entities (&lt; &#1;); the record parser splits on { } | and reads
# < > as port markers; and the line breaker reads \n, \l, \r. A backslash before any of
# these characters makes it literal, a doubled backslash is one backslash, and "&amp;" is
# one ampersand, so no user character reaches any stage with a meaning. A backslash before a
# space makes it a hard space, which keeps runs of spaces. (Both renderers are verified by
# tests that read the text back out of the SVG.)
_ESCAPES = {ord("\\"): "\\\\", ord("\n"): "\\n", ord("&"): "&amp;", ord('"'): '\\"'}
_ESCAPES.update({ord(c): "\\" + c for c in "{}|<> "})


# ---------------------------------------------------------------------------------------------
# Text: user strings to escaped label text.
# ---------------------------------------------------------------------------------------------

def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _trim_lines(text: str) -> str:
    r"""Line breaks normalised to ``\n``, and blank lines at either end dropped.

    A record field that starts with a line break corrupts Graphviz's state (the WebAssembly
    build trapped two renders later), and blank lines around a label show nothing anyway.

    >>> _trim_lines("\r\n"), _trim_lines(" \n a\r\n\r\nb \n\t\n")
    ('', ' a\n\nb ')
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def escape(text: str, limit: int = LABEL_LIMIT) -> str:
    r"""User text as a literal field of a Graphviz record label (also fine in plain labels).

    >>> print(escape(r'a{b}|"c"\N'))
    a\{b\}\|\"c\"\\N
    >>> print(escape("bell\x07 & line\nbreak"))
    bell\\x07\ &amp;\ line\nbreak
    """
    text = _trim_lines(text)
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return _UNSAFE.sub(_visible, text).translate(_ESCAPES)


def label_text(node: Value) -> str:
    """The text a node's ``label`` shows, as an exact ``str`` (before :func:`escape`).

    ``Value(label=...)`` takes only strings, but ``.label`` is a plain attribute and may be
    reassigned to anything: a number, None or an object is drawn as its ``str()``, escaped
    like any label, and always as a plain ``str`` (a subclass from ``__str__`` is copied).
    A ``__str__`` that fails is reported as a TypeError naming the node.

    >>> x = Value(1.0)
    >>> x.label = 42
    >>> label_text(x)
    '42'
    """
    label = node.label
    if type(label) is str:
        return label
    try:
        text = str(label)
    except Exception as exc:  # whatever a label's __str__ raises, say which node
        raise TypeError(
            f"the label of the Value with data {node.data!r} cannot be drawn: str() of its "
            f"{type(label).__name__} raised {type(exc).__name__}: {exc}") from exc
    return str.__str__(text)


def number(x: float) -> str:
    """A float for a node: 4 decimals in the everyday range, else scientific; nan, inf.

    >>> number(2.0), number(-0.12345), number(1e-9), number(float("inf"))
    ('2.0000', '-0.1235', '1.000e-09', 'inf')
    """
    if x == 0.0 or 1e-3 <= abs(x) < 1e6 or math.isnan(x) or math.isinf(x):
        return f"{x:.4f}" if math.isfinite(x) else str(x)
    return f"{x:.3e}"


def op_label(node: Value) -> str:
    """The op's symbol from the op table; with the constants mixed in when there were any.

    ``x * y`` shows ``*``; ``3 - x`` shows ``3 - ·`` and ``x.leaky_relu(0.1)`` shows
    ``leaky_relu(·, 0.1)``, where ``·`` stands for a Value argument (drawn as an edge).
    """
    op = OPS.get(node.op)
    symbol = op.symbol if op is not None else (node.op or "?")
    args = node.arguments
    if all(isinstance(a, Value) for a in args):  # nothing to show but the symbol
        return symbol
    shown = ["\u00b7" if isinstance(a, Value) else number(a) for a in args]
    if len(shown) == 2 and not symbol.replace("_", "").isalnum():
        return f"{shown[0]} {symbol} {shown[1]}"
    if len(shown) > 6:
        return f"{symbol}({', '.join(shown[:5])}, \u2026 {len(shown)} args)"
    return f"{symbol}({', '.join(shown)})"


# ---------------------------------------------------------------------------------------------
# Gradients: the numbers shown and the fill they shade.
# ---------------------------------------------------------------------------------------------

def grad_float(grad: Any) -> float:
    """``.grad`` as a float: it is a Value after ``backward(create_graph=True)``."""
    return grad.data if isinstance(grad, Value) else float(grad)


def grad_norm(values: Iterable[Value]) -> float:
    """The Euclidean norm of the Values' gradients (a neuron's weights, say)."""
    return math.sqrt(math.fsum(grad_float(v.grad) ** 2 for v in values))


def shade(magnitude: float, largest: float) -> str:
    """Fill colour for a gradient of ``magnitude``: white at 0, amber at ``largest``."""
    if math.isnan(magnitude):
        return _SHADE_NAN
    if largest == 0.0 or math.isinf(largest):
        t = 1.0 if magnitude == largest and largest != 0.0 else 0.0
    else:
        t = min(magnitude / largest, 1.0)
    t = math.sqrt(t)  # lifts small gradients off white so they stay visible
    r, g, b = (round(255 + (c - 255) * t) for c in _SHADE_RGB)
    return f"#{r:02x}{g:02x}{b:02x}"
