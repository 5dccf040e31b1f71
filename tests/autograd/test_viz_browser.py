"""The interactive page of ``to_html``, driven in a real headless Chromium by playwright.

Chromium comes from the distribution (``apt-get install chromium``; ``.ci/run`` installs it
when missing), not from ``playwright install``. Without it, or without playwright, these tests
skip locally with the reason, and FAIL under CI (``CI=true``): they never skip silently there.

Set ``UPDATE_ASSETS=1`` to write the screenshot the README shows
(``notebooks/assets/interactive_page.png``).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd import Value, topological_order
from autograd.viz import draw_dot, to_html
from nn import MLP

REPO = Path(__file__).resolve().parents[2]
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

    def __init__(self, browser: Any, html: str, path: Path) -> None:
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
    page = Page(browser, to_html(o), tmp_path / "page.html")
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
        page = Page(browser, to_html(out, collapse=collapse), tmp_path / f"{collapse}.html")
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


def test_screenshot_of_the_page(browser: Any, tmp_path: Path) -> None:
    """The picture the README shows: the demo network by neuron, mid-way through stepping."""
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -1.0])
    out.backward()
    drawing = draw_dot(out, collapse="neuron")
    page = Page(browser, to_html(out, collapse="neuron"), tmp_path / "page.html")
    page.page.set_viewport_size({"width": 1200, "height": 600})
    for _ in range(9):
        page.page.click("#step")
    page.node(drawing.root_name).hover()
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
