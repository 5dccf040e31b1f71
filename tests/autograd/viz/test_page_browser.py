"""The interactive page of ``to_html``, driven in a real headless Chromium by playwright.

Chromium comes from the distribution (``apt-get install chromium``; ``.ci/run`` installs it
when missing), not from ``playwright install``. Without it, or without playwright, these tests
skip locally with the reason, and FAIL under CI (``CI=true``): they never skip silently there.

Set ``UPDATE_ASSETS=1`` to write the screenshot the README shows
(``notebooks/assets/interactive_page.png``).
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd import Value, topological_order
from autograd.explain import local_formula, name_of, node_lines
from autograd.viz import draw_dot, to_html
from nn import MLP

from ..conftest import WorkedExample

REPO = Path(__file__).resolve().parents[3]
SCREENSHOT = REPO / "notebooks" / "assets" / "interactive_page.png"
HOSTILE = [
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)>',
    "]]><script>alert(4)</script>",
    "&lt;b&gt;not bold&lt;/b&gt;",
]


def _chromium() -> str | None:
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}. Install Chromium "
                    "(apt-get install -y chromium) and playwright (pip install '.[browser]').")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright)")
    executable = _chromium()
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        # --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
        b = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield b
        b.close()


class Page:
    """A loaded page, with every console error, page error, dialog and request recorded."""

    def __init__(self, browser: Any, html: str, path: Path, *, ours: bool = True) -> None:
        path.write_text(html, encoding="utf-8")
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())
        # The first view is set when the frame first has a size (a ResizeObserver callback,
        # which may come after "load"): act only after it, as a person would. A page that
        # holds ours in a frame (``ours=False``) waits for the frame's.
        where = self.page if ours else self.page.frame_locator("iframe")
        where.locator('html[data-view="ready"]').wait_for(state="attached")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def node(self, name: str) -> Any:
        return self.page.locator(f'g.node[data-name="{name}"]')

    def tooltip(self) -> dict[str, str]:
        rows = self.page.locator("#tooltip > div").all_inner_texts()
        return dict(row.split(": ", 1) for row in rows)

    def names(self, selector: str) -> list[str]:
        return self.page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.name)")

    def status(self) -> str:
        return self.page.locator("#status").inner_text().strip()

    def in_view(self, name: str) -> bool:
        """True when the node's box lies inside the graph's frame (and so the window)."""
        return self.page.evaluate(IN_VIEW, name)

    def text_px(self) -> list[float]:
        """The CSS pixel size of every node text, as drawn now."""
        return self.page.evaluate(TEXT_PX)

    def hover_edge(self, title: str, k: int = 0) -> dict[str, str]:
        """Moves the pointer to the middle of the k-th edge titled ``title``; its tooltip."""
        x, y = self.page.evaluate(EDGE_MIDDLE, [title, k])
        self.page.mouse.move(x, y)
        return self.tooltip()


IN_VIEW = """name => {
  const r = document.querySelector(`g.node[data-name="${name}"]`).getBoundingClientRect();
  const f = document.getElementById("graph").getBoundingClientRect();
  return r.width > 0 && r.left >= f.left && r.right <= f.right && r.top >= f.top &&
    r.bottom <= f.bottom && f.right <= window.innerWidth && f.bottom <= window.innerHeight;
}"""
TEXT_PX = """() => [...document.querySelectorAll("g.node text")].map(
  t => t.getScreenCTM().a * parseFloat(t.getAttribute("font-size")))"""
EDGE_MIDDLE = """([title, k]) => {
  const g = [...document.querySelectorAll("g.edge")].filter(
    e => e.querySelector("title").textContent === title)[k];
  const path = g.querySelector("path:not(.hit)");
  const p = path.getPointAtLength(path.getTotalLength() / 2);
  const m = path.getScreenCTM();
  return [p.x * m.a + p.y * m.c + m.e, p.x * m.b + p.y * m.d + m.f];
}"""


def neuron_graph(labels: tuple[str, str] = ("x2", "w2")) -> tuple[Value, dict[str, Value]]:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label=labels[0])
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label=labels[1])
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n, "o": o}


def engine_steps(root: Value, drawing: Any) -> list[str]:
    """The names of the drawn nodes in the order the engine's backward pass reaches them."""
    order: list[str] = []
    for node in reversed(topological_order(root)):
        name = drawing.node_of.get(node)
        if name is not None and name not in order:
            order.append(name)
    return order


def test_the_page_loads_with_no_console_error_and_no_network(browser: Any,
                                                             tmp_path: Path) -> None:
    o, _ = neuron_graph()
    page = Page(browser, to_html(o), tmp_path / "page.html")
    assert page.page.locator("#graph svg g.node").count() == 15
    assert page.errors == [] and page.dialogs == []
    assert page.requests == [(tmp_path / "page.html").as_uri()]
    assert "press Step" in page.page.locator("#status").inner_text()


def test_hover_shows_op_label_data_and_grad(browser: Any, tmp_path: Path) -> None:
    o, v = neuron_graph()
    drawing = draw_dot(o)
    page = Page(browser, to_html(o), tmp_path / "page.html")
    for key in ("w1", "n"):
        page.node(drawing.node_of[v[key]]).hover()
        tip = page.tooltip()
        assert tip["label"] == key
        assert float(tip["data"]) == v[key].data
        assert float(tip["grad"]) == v[key].grad
    assert page.tooltip()["op"] == "add"
    page.node(drawing.node_of[v["o"]] + "_op").hover()
    assert page.tooltip()["op"] == "tanh"
    assert page.errors == []


def test_stepping_reveals_gradients_in_the_engines_order(browser: Any, tmp_path: Path) -> None:
    o, _ = neuron_graph()
    drawing = draw_dot(o)
    expected = engine_steps(o, drawing)
    assert len(expected) == 10
    page = Page(browser, to_html(o, step_order="engine"), tmp_path / "page.html")
    hidden = "text.grad-hidden"
    seen = []
    for k in range(len(expected)):
        page.page.click("#step")
        current = page.names("g.node.current[data-step]")
        assert len(current) == 1
        seen.append(current[0])
        reached = page.page.eval_on_selector_all(
            "g.node[data-step]", "els => els.map(e => [e.dataset.step, e.dataset.name])")
        assert sorted(reached, key=lambda r: int(r[0])) == [
            [str(i + 1), name] for i, name in enumerate(expected[: k + 1])]
        # Gradients still to come are hidden; reached ones are shown.
        assert page.page.locator(hidden).count() == len(expected) - (k + 1)
        assert f"step {k + 1} of 10" in page.page.locator("#status").inner_text()
    assert seen == expected
    assert "backward pass done" in page.page.locator("#status").inner_text()
    page.page.click("#reset")
    assert page.page.locator(hidden).count() == 0
    assert page.errors == []


def test_hover_while_stepping_hides_gradients_not_reached(browser: Any, tmp_path: Path) -> None:
    o, v = neuron_graph()
    drawing = draw_dot(o)
    page = Page(browser, to_html(o), tmp_path / "page.html")
    page.page.click("#step")
    page.node(drawing.node_of[v["x1"]]).hover()
    assert page.tooltip()["grad"] == "(not reached yet)"
    page.node(drawing.node_of[v["o"]]).hover()
    assert float(page.tooltip()["grad"]) == 1.0


def test_a_click_highlights_the_paths_to_the_output(browser: Any, tmp_path: Path) -> None:
    o, v = neuron_graph()
    drawing = draw_dot(o)
    page = Page(browser, to_html(o), tmp_path / "page.html")
    page.node(drawing.node_of[v["x1"]]).click()
    # The Values downstream of x1 (those with x1 among their ancestors), and their op nodes.
    below = [n for n in topological_order(v["o"]) if v["x1"] in set(topological_order(n))]
    chain = [n for n in below if n is not v["x1"]]
    assert len(chain) == 4  # x1*w1, the sum, n, o
    expected = {drawing.node_of[x] for x in below} | {drawing.node_of[x] + "_op" for x in chain}
    assert set(page.names("g.node.on-path")) == expected
    assert page.page.locator("g.edge.on-path").count() == 2 * len(chain)
    page.page.mouse.click(2, 790)  # the background clears it
    assert page.names("g.node.on-path") == []


def test_hostile_labels_are_shown_as_text_and_run_nothing(browser: Any, tmp_path: Path) -> None:
    labels = [Value(float(i), label=label) for i, label in enumerate(HOSTILE)]
    out = labels[0]
    for x in labels[1:]:
        out = out + x
    out.label = HOSTILE[0]
    out.backward()
    drawing = draw_dot(out)
    page = Page(browser, to_html(out), tmp_path / "page.html")
    page.page.wait_for_timeout(200)
    assert page.dialogs == [] and page.errors == []
    assert page.page.locator("img").count() == 0
    assert page.page.locator("script").count() == 2  # the JSON block and ours
    assert page.page.locator("svg svg").count() == 0
    texts = page.page.eval_on_selector_all("g.node text", "els => els.map(e => e.textContent)")
    flat = [re.sub(r"\s", " ", t) for t in texts]
    for label in HOSTILE:
        assert label.replace(" ", " ") in flat, label
    page.page.keyboard.press("0")  # the whole graph: every node in the window
    for x, label in zip(labels, HOSTILE, strict=True):
        page.node(drawing.node_of[x]).hover()
        assert page.tooltip()["label"] == label
    page.page.click("#step")
    assert HOSTILE[0] in page.page.locator("#status").inner_text()
    assert page.dialogs == [] and page.errors == []


def test_collapsed_pages_step_and_hover_too(browser: Any, tmp_path: Path) -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -1.0])
    out.backward()
    for collapse in ("neuron", "layer"):
        drawing = draw_dot(out, collapse=collapse)
        expected = engine_steps(out, drawing)
        assert len(expected) == 33
        page = Page(browser, to_html(out, collapse=collapse, step_order="engine"),
                    tmp_path / f"{collapse}.html")
        for _ in expected:
            page.page.click("#step")
        reached = page.page.eval_on_selector_all(
            "g.node[data-step]", "els => els.map(e => [e.dataset.step, e.dataset.name])")
        assert [name for _, name in sorted(reached, key=lambda r: int(r[0]))] == expected
        page.node(drawing.root_name).hover()
        assert float(page.tooltip()["data"]) == out.data
        page.node(expected[-1]).click()  # a first-layer neuron: its paths reach the output
        assert drawing.root_name in page.names("g.node.on-path")
        assert page.errors == []


def shown_values(drawing: Any) -> dict[str, Value]:
    """The Value each drawn node stands for (a collapsed neuron: its output)."""
    shown: dict[str, Value] = {}
    for value, name in drawing.node_of.items():
        shown.setdefault(name, value)
    return shown


def current_step(page: Page) -> str:
    [name] = page.names("g.node.current[data-step]")
    return name


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_each_step_brings_its_node_into_view_and_states_the_chain_rule(
        browser: Any, tmp_path: Path, worked_example: WorkedExample, rankdir: str) -> None:
    root = worked_example.root
    drawing = draw_dot(root, rankdir=rankdir)
    shown = shown_values(drawing)
    lines = node_lines(root)
    page = Page(browser, to_html(root, rankdir=rankdir), tmp_path / "page.html")
    assert page.status().startswith("37 steps in the backward pass, layer by layer")
    for k in range(1, 38):
        page.page.click("#step")
        name = current_step(page)
        assert page.in_view(name), (k, shown[name].label or shown[name].op)
        expected = f"step {k} of 37: {lines[shown[name]]}"
        if k == 37:
            expected += " (backward pass done)"
        assert page.status() == expected
    # Moved away (to the far corner of the graph), the next step comes back into view.
    page.page.click("#reset")
    page.page.click("#step")
    for _ in range(40):
        page.page.keyboard.press("ArrowLeft" if rankdir == "LR" else "ArrowUp")
    assert not page.in_view(current_step(page))
    page.page.click("#step")
    assert page.in_view(current_step(page))
    assert page.errors == [] and page.requests == [(tmp_path / "page.html").as_uri()]


def test_the_steps_go_back_layer_by_layer_or_in_the_engines_order(
        browser: Any, tmp_path: Path, worked_example: WorkedExample) -> None:
    """Layers: the output layer's weights (w5..w8) before the hidden layer's (w1..w4), and
    every node after all of its consumers; engine: the engine's own order (w5 last)."""
    root, v = worked_example.root, worked_example.values
    drawing = draw_dot(root)
    for order in ("layers", "engine"):
        page = Page(browser, to_html(root, step_order=order), tmp_path / f"{order}.html")
        seen = []
        page.page.focus("#step")
        for _ in range(37):
            page.page.keyboard.press("Enter")  # the focused button: a click, quicker
            seen.append(current_step(page))
        position = {name: i for i, name in enumerate(seen)}
        w = [position[drawing.node_of[v[f"w{i}"]]] for i in range(1, 9)]
        if order == "engine":
            assert seen == engine_steps(root, drawing)
            assert w[4] == 36 and w[4] > max(w[:4])  # what the issue saw: w5 last, after w1
        else:
            assert max(w[4:]) < min(w[:4])
            for node in topological_order(root):
                for parent in node.parents:  # a consumer comes before what it reads
                    assert position[drawing.node_of[node]] < position[drawing.node_of[parent]]
        assert page.errors == []


def test_pan_and_zoom_make_a_37_value_graph_readable(
        browser: Any, tmp_path: Path, worked_example: WorkedExample) -> None:
    """The page opens at readable text (>= 10 CSS px) around the output; "Fit" shows the
    whole graph, too small to read; the buttons, keys and wheel zoom back to readable."""
    root = worked_example.root
    drawing = draw_dot(root)
    page = Page(browser, to_html(root), tmp_path / "page.html")
    assert min(page.text_px()) >= 10 and page.in_view(drawing.root_name)
    for zoom_in in ("#zoom-in", "+", "wheel"):
        page.page.click("#fit")
        assert max(page.text_px()) < 5
        assert all(page.in_view(name) for name in shown_values(drawing))
        clicks = 0
        while min(page.text_px()) < 10 and clicks < 20:
            clicks += 1
            if zoom_in == "wheel":
                before = page.page.inner_text("#zoom")
                page.page.mouse.move(640, 450)
                page.page.mouse.wheel(0, -120)
                for _ in range(100):  # the wheel event arrives asynchronously
                    if page.page.inner_text("#zoom") != before:
                        break
                    page.page.wait_for_timeout(10)
            elif zoom_in == "+":
                page.page.keyboard.press("+")
            else:
                page.page.click(zoom_in)
        assert min(page.text_px()) >= 10, zoom_in
        assert clicks <= 8, (zoom_in, clicks)
    page.page.keyboard.press("0")
    fitted = max(page.text_px())
    for _ in range(10):
        page.page.click("#zoom-out")
    assert max(page.text_px()) == pytest.approx(fitted / 2)  # zooming out stops there
    page.page.keyboard.press("1")  # 100%: font size 11 is 11 CSS px
    assert max(page.text_px()) == pytest.approx(11.0)
    assert page.page.inner_text("#zoom") == "100%"
    assert page.errors == [] and page.requests == [(tmp_path / "page.html").as_uri()]


def test_drag_pans_and_the_window_size_keeps_the_scale(
        browser: Any, tmp_path: Path, worked_example: WorkedExample) -> None:
    root = worked_example.root
    drawing = draw_dot(root, rankdir="TB")  # the output at the bottom
    page = Page(browser, to_html(root, rankdir="TB"), tmp_path / "page.html")
    page.page.keyboard.press("+")
    page.page.keyboard.press("+")  # taller and wider than the window: room to pan both ways
    name = next(n for n in shown_values(drawing) if page.in_view(n))
    before = page.node(name).bounding_box()
    page.page.mouse.move(before["x"] + 5, before["y"] + 5)  # a drag that starts on a node
    page.page.mouse.down()
    page.page.mouse.move(before["x"] + 155, before["y"] + 105, steps=5)
    page.page.mouse.up()
    after = page.node(name).bounding_box()
    assert (after["x"] - before["x"], after["y"] - before["y"]) == pytest.approx((150, 100))
    assert page.names("g.node.on-path") == []  # the drag was not a click
    # The browser's zoom makes the window narrower in CSS pixels: the graph keeps its CSS
    # size, so it grows on screen with the rest of the page.
    text = page.text_px()
    page.page.set_viewport_size({"width": 640, "height": 400})
    assert page.text_px() == pytest.approx(text)
    assert page.errors == []


def test_hovering_an_edge_shows_its_local_derivative(
        browser: Any, tmp_path: Path, worked_example: WorkedExample) -> None:
    """The edge from w5 into w5 * out_h1: d(w5 * out_h1)/dw5 = out_h1 = 0.5933 (the hidden
    neuron's output, 1 / (1 + exp(-0.3775)) in the textbook); and both edges of x ** x,
    whose derivatives by the base and the exponent differ."""
    root, v = worked_example.root, worked_example.values
    drawing = draw_dot(root)
    product = v["net_o1"].parents[0].parents[0]  # (w5 * out_h1 + w6 * out_h2) + b2
    assert product.parents == (v["w5"], v["out_h1"])
    page = Page(browser, to_html(root), tmp_path / "page.html")
    page.page.click("#fit")
    tip = page.hover_edge(f"{drawing.node_of[v['w5']]}->{drawing.node_of[product]}_op")
    assert tip["edge"] == f"w5 \u2192 {name_of(product)}"
    formula, value = tip["local derivative"].rsplit(" = ", 1)
    assert formula == local_formula(product, 0)
    assert float(value) == pytest.approx(1 / (1 + math.exp(-0.3775)), abs=1e-4)
    assert float(value) == product.local_grads[0]

    x = Value(2.0, label="x")
    y = x ** x
    y.backward()
    drawing = draw_dot(y)
    page = Page(browser, to_html(y), tmp_path / "pow.html")
    title = f"{drawing.node_of[x]}->{drawing.node_of[y]}_op"
    shown = [page.hover_edge(title, k)["local derivative"].rsplit(" = ", 1) for k in (0, 1)]
    assert [formula for formula, _ in shown] == [local_formula(y, 0), local_formula(y, 1)]
    assert [float(value) for _, value in shown] == pytest.approx([4.0, 4 * math.log(2)])
    assert page.errors == []


def test_the_page_displays_inline_in_a_notebook_frame(browser: Any, tmp_path: Path) -> None:
    """What Jupyter shows (``_repr_html_``), in a page of its own: the frame's script runs
    under its own policy, steps, and loads nothing."""
    labels = [Value(float(i), label=label) for i, label in enumerate(HOSTILE)]
    out = labels[0] * labels[1] + labels[2]
    out.label = HOSTILE[0]
    out.backward()
    frame_html = to_html(out)._repr_html_()
    wrapper = f"<!DOCTYPE html><html><body><p>notebook</p>{frame_html}</body></html>"
    page = Page(browser, wrapper, tmp_path / "notebook.html", ours=False)
    # The sandbox makes the frame another origin: the notebook's page cannot reach into it.
    assert page.page.evaluate("() => document.querySelector('iframe').contentDocument") is None
    frame = page.page.frame_locator("iframe")
    assert "5 steps in the backward pass" in frame.locator("#status").inner_text()
    frame.locator("#step").click()
    assert frame.locator("#status").inner_text() == f"step 1 of 5: {node_lines(out)[out]}"
    assert frame.locator("g.node").count() == 5 + 2
    # The wheel scrolls the notebook; Ctrl + wheel (a pinch) zooms the graph: after a plain
    # and a Ctrl wheel event, the graph has zoomed once (by exp(120 * 0.002)).
    inner = page.page.frames[1]
    before = max(inner.evaluate(TEXT_PX))
    box = page.page.locator("iframe").bounding_box()
    page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.page.mouse.wheel(0, -120)
    page.page.keyboard.down("Control")
    page.page.mouse.wheel(0, -120)
    page.page.keyboard.up("Control")
    for _ in range(500):  # wheel events arrive asynchronously
        if max(inner.evaluate(TEXT_PX)) != before:
            break
        page.page.wait_for_timeout(10)
    assert max(inner.evaluate(TEXT_PX)) / before == pytest.approx(math.exp(0.24))
    assert page.dialogs == [] and page.errors == []
    assert page.requests == [(tmp_path / "notebook.html").as_uri()]


def test_screenshot_of_the_page(browser: Any, tmp_path: Path,
                                worked_example: WorkedExample) -> None:
    """The picture the README shows: the textbook's worked example stepped back to w5, the
    pointer on the edge from w5 (its local derivative)."""
    root, v = worked_example.root, worked_example.values
    drawing = draw_dot(root)
    product = v["net_o1"].parents[0].parents[0]  # w5 * out_h1
    page = Page(browser, to_html(root), tmp_path / "page.html")
    page.page.set_viewport_size({"width": 1200, "height": 600})
    page.page.focus("#step")
    while not page.names("g.node.current[data-step]") or current_step(page) != drawing.node_of[
            v["w5"]]:
        page.page.keyboard.press("Enter")
    assert page.status().startswith("step 19 of 37: dE_total/dw5 = ")
    tip = page.hover_edge(f"{drawing.node_of[v['w5']]}->{drawing.node_of[product]}_op")
    assert tip["local derivative"].startswith("out_h1 = 0.593")
    shot = tmp_path / "page.png"
    page.page.screenshot(path=str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    if os.environ.get("UPDATE_ASSETS") == "1":
        SCREENSHOT.write_bytes(data)
    assert SCREENSHOT.exists(), "run with UPDATE_ASSETS=1 to write the README's screenshot"
    assert page.errors == []


def test_missing_browser_fails_under_ci_and_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser tests never skip silently in CI."""
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run in CI: no chromium"):
        _unavailable("no chromium")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        _unavailable("no chromium")
