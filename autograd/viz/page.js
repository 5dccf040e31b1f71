// The interactive graph page written by autograd.viz.to_html.
//
// Reads the graph's facts from the JSON block #graph-data and wires up the inline SVG:
// - the view: drag to pan; the wheel, the + and - buttons or keys zoom; "Fit" (or 0) shows
//   the whole graph. Zoom works on the SVG's viewBox, so text stays sharp at any size, and
//   the scale is in CSS pixels, so the browser's own zoom enlarges the graph too;
// - hovering a node shows its op, label, data, grad and chain-rule line; hovering an edge
//   into an op shows the op's local derivative (the op table's formula, and its value);
// - clicking a node highlights every path from it to the output;
// - "Step" plays the backward pass in the order the page was made with, revealing each
//   node's gradient, bringing the node into view and showing its chain-rule line.
//
// User text (labels, names, formulas) only ever enters the page through textContent: never
// innerHTML.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const facts = new Map(Object.entries(data.nodes));
  const main = document.getElementById("graph");
  const svg = main.querySelector("svg");
  const tip = document.getElementById("tooltip");
  const status = document.getElementById("status");
  const zoomText = document.getElementById("zoom");

  // DOT node name -> its <g class="node">, and the edges' <g> by tail and head.
  const nodeEls = new Map();
  for (const g of svg.querySelectorAll("g.node")) {
    const name = g.querySelector("title").textContent;
    if (facts.has(name)) {
      nodeEls.set(name, g);
      g.dataset.name = name;
    }
  }
  const edgeEls = [];
  for (const g of svg.querySelectorAll("g.edge")) {
    const [tail, head] = g.querySelector("title").textContent.split("->");
    edgeEls.push({ g, tail, head });
  }
  const heads = new Map();
  for (const [tail, head] of data.edges) {
    if (!heads.has(tail)) heads.set(tail, []);
    heads.get(tail).push(head);
  }

  // The Value a node speaks for: an op node and a copy follow their Value.
  const owner = (name) => facts.get(name).of || name;
  const show = (x) => (typeof x === "number" ? String(x) : x);

  // -- the view: pan and zoom ----------------------------------------------------------
  // The view is the SVG point at the frame's top-left corner (x, y) and the scale s, in CSS
  // pixels per SVG unit (a point of Graphviz's layout): at s = 1 text of font size 11 is
  // 11 CSS pixels tall.
  const READABLE = 1; // the smallest font in a drawing (10) is 10 CSS px here
  const MAX_SCALE = 8;
  const FIT_MAX = 1.5; // "Fit" does not blow a small graph up past this
  const MARGIN = 16; // CSS px kept around the graph and around a node brought into view
  const box = svg.viewBox.baseVal;
  const content = { x: box.x, y: box.y, w: box.width, h: box.height };
  const view = { x: content.x, y: content.y, s: READABLE };
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("preserveAspectRatio", "xMinYMin meet");

  const frame = () => main.getBoundingClientRect();
  const fitScale = () => {
    const f = frame();
    const room = Math.min((f.width - 2 * MARGIN) / content.w, (f.height - 2 * MARGIN) / content.h);
    return Math.min(Math.max(room, 0.01), FIT_MAX); // a tiny frame still gets a positive scale
  };
  const minScale = () => Math.min(fitScale(), READABLE) / 2;

  // Along one axis: a graph narrower than the frame is centred; a wider one cannot leave
  // the frame empty (its edge stops MARGIN pixels inside).
  function clampAxis(start, span, lo, len) {
    const pad = MARGIN / view.s;
    if (len + 2 * pad <= span) return lo + (len - span) / 2;
    return Math.min(Math.max(start, lo - pad), lo + len + pad - span);
  }

  function apply() {
    const f = frame();
    if (f.width <= 0 || f.height <= 0) return;
    const w = f.width / view.s;
    const h = f.height / view.s;
    view.x = clampAxis(view.x, w, content.x, content.w);
    view.y = clampAxis(view.y, h, content.y, content.h);
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${w} ${h}`);
    zoomText.textContent = Math.round(view.s * 100) + "%";
  }

  // Zooms by `factor` keeping the SVG point under (px, py) (CSS px in the frame) in place.
  function zoomAt(factor, px, py) {
    begun();
    const s = Math.min(Math.max(view.s * factor, minScale()), MAX_SCALE);
    view.x += px / view.s - px / s;
    view.y += py / view.s - py / s;
    view.s = s;
    apply();
  }

  function zoomCentre(factor) {
    const f = frame();
    zoomAt(factor, f.width / 2, f.height / 2);
  }

  // Puts the SVG point (ux, uy) at the frame's centre, at the current scale.
  function centreOn(ux, uy) {
    const f = frame();
    view.x = ux - f.width / 2 / view.s;
    view.y = uy - f.height / 2 / view.s;
    apply();
  }

  function fit() {
    begun();
    view.s = fitScale();
    centreOn(content.x + content.w / 2, content.y + content.h / 2);
  }

  // The SVG point at the centre of an element.
  function centreOf(el) {
    const r = el.getBoundingClientRect();
    const f = frame();
    return [view.x + (r.left + r.width / 2 - f.left) / view.s,
      view.y + (r.top + r.height / 2 - f.top) / view.s];
  }

  // Pans (zooming out only if the node is larger than the frame) so that the node lies
  // inside the frame; a node already inside stays where it is.
  function bringIntoView(el) {
    apply(); // the frame may have changed size since the last layout
    const f = frame();
    let r = el.getBoundingClientRect();
    const room = Math.min((f.width - 2 * MARGIN) / r.width, (f.height - 2 * MARGIN) / r.height);
    if (room < 1) {
      view.s = Math.max(view.s * room, minScale());
      apply();
      r = el.getBoundingClientRect();
    }
    const inside = r.left >= f.left + MARGIN && r.right <= f.right - MARGIN &&
      r.top >= f.top + MARGIN && r.bottom <= f.bottom - MARGIN;
    if (!inside) centreOn(...centreOf(el));
  }

  // The first view: the whole graph when its text is readable so, else readable text
  // around the output. A zoom or pan that comes first (before the frame has a size) is the
  // first view instead. The page says it has one on <html data-view="ready">.
  let started = false;
  function begun() {
    started = true;
    document.documentElement.dataset.view = "ready";
  }
  function start() {
    const f = frame();
    if (started || f.width <= 0 || f.height <= 0) return;
    begun();
    if (fitScale() >= READABLE) {
      fit();
    } else {
      view.s = READABLE;
      apply();
      const rootEl = nodeEls.get(data.root);
      if (rootEl) centreOn(...centreOf(rootEl));
      else fit();
    }
  }

  // Follows the frame's size (the window, the header's height, browser zoom), keeping the
  // scale and the top-left corner.
  new ResizeObserver(() => (started ? apply() : start())).observe(main);

  // In a frame (a notebook's output), the plain wheel scrolls the notebook past the graph
  // and Ctrl + wheel (a trackpad's pinch) zooms; on a page of its own, the wheel zooms.
  const embedded = window.self !== window.top;
  if (embedded) {
    document.getElementById("hint").textContent =
      "drag to move; Ctrl + wheel, + and \u2212 zoom; 0 fits; 1 is 100%";
  }
  main.addEventListener("wheel", (e) => {
    if (embedded && !e.ctrlKey && !e.metaKey) return;
    e.preventDefault();
    const lines = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? frame().height : 1;
    const f = frame();
    zoomAt(Math.exp(-e.deltaY * lines * 0.002), e.clientX - f.left, e.clientY - f.top);
  }, { passive: false });

  // Drag to pan. A press that moves less than a few pixels stays a click.
  let drag = null;
  let swallowClick = false;
  main.addEventListener("pointerdown", (e) => {
    swallowClick = false;
    if (e.button !== 0) return;
    drag = { id: e.pointerId, x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
  });
  main.addEventListener("pointermove", (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved) {
      if (Math.hypot(dx, dy) < 4) return;
      drag.moved = true;
      main.setPointerCapture(e.pointerId);
      main.classList.add("dragging");
      tip.hidden = true;
    }
    begun();
    view.x = drag.vx - dx / view.s;
    view.y = drag.vy - dy / view.s;
    apply();
  });
  const endDrag = () => {
    if (drag && drag.moved) swallowClick = true;
    drag = null;
    main.classList.remove("dragging");
  };
  main.addEventListener("pointerup", endDrag);
  main.addEventListener("pointercancel", endDrag);

  document.getElementById("zoom-in").addEventListener("click", () => zoomCentre(1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoomCentre(0.8));
  document.getElementById("fit").addEventListener("click", fit);

  const PAN_KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return; // the browser's own zoom and shortcuts
    const f = frame();
    if (e.key === "+" || e.key === "=") zoomCentre(1.25);
    else if (e.key === "-" || e.key === "_") zoomCentre(0.8);
    else if (e.key === "0") fit();
    else if (e.key === "1") zoomCentre(1 / view.s);
    else if (PAN_KEYS[e.key]) {
      const [dx, dy] = PAN_KEYS[e.key];
      begun();
      view.x += (dx * f.width * 0.2) / view.s;
      view.y += (dy * f.height * 0.2) / view.s;
      apply();
    } else return;
    e.preventDefault();
  });

  // -- hover ---------------------------------------------------------------------------
  let stepping = false;
  const reached = new Set();

  function nodeLines(name) {
    const f = facts.get(name);
    const lines = [];
    if (f.kind === "op") lines.push(["op", f.op]);
    else if (f.kind === "neuron") lines.push(["neuron", f.activation || f.op]);
    else lines.push(["op", f.op || "(leaf)"]);
    if (f.label !== undefined) lines.push(["label", f.label === "" ? "(none)" : f.label]);
    if (f.data !== undefined) lines.push(["data", show(f.data)]);
    const hidden = stepping && !reached.has(owner(name));
    if (f.grad !== undefined) lines.push(["grad", hidden ? "(not reached yet)" : show(f.grad)]);
    if (f.weight_grad_norm !== undefined) lines.push(["|grad w|", show(f.weight_grad_norm)]);
    const line = (facts.get(owner(name)) || {}).explain;
    if (line && !hidden) lines.push(["chain rule", line]);
    return lines;
  }

  function showTip(lines, event) {
    tip.replaceChildren();
    for (const [key, value] of lines) {
      const row = document.createElement("div");
      const k = document.createElement("span");
      k.className = "key";
      k.textContent = key + ": ";
      const v = document.createElement("span");
      v.className = "val " + key.replace(/[^a-z]/g, "");
      v.textContent = value;
      row.append(k, v);
      tip.append(row);
    }
    tip.hidden = false;
    // Beside the pointer, flipped to its other side near the window's right or bottom edge.
    const { width, height } = tip.getBoundingClientRect();
    const x = event.clientX + 14 + width > window.innerWidth ? event.clientX - 14 - width
      : event.clientX + 14;
    const y = event.clientY + 14 + height > window.innerHeight ? event.clientY - 14 - height
      : event.clientY + 14;
    tip.style.left = Math.max(0, x) + "px";
    tip.style.top = Math.max(0, y) + "px";
  }

  function hoverable(g, lines) {
    g.addEventListener("mousemove", (e) => { if (!drag || !drag.moved) showTip(lines(), e); });
    g.addEventListener("mouseleave", () => { tip.hidden = true; });
  }

  for (const [name, g] of nodeEls) hoverable(g, () => nodeLines(name));

  // An edge into an op node: the k-th edge from the same tail is the k-th argument that
  // tail feeds (a * a has two edges from a), in the order Graphviz writes them.
  const seenEdges = new Map();
  for (const { g, tail, head } of edgeEls) {
    const args = (facts.get(head) || {}).args;
    if (!args || !facts.has(tail)) continue;
    const key = tail + "->" + head;
    const k = seenEdges.get(key) || 0;
    seenEdges.set(key, k + 1);
    const arg = args.filter((a) => a.from === tail)[k];
    if (!arg) continue;
    // A wide invisible stroke along the edge, so that the pointer finds it.
    const path = g.querySelector("path");
    if (path) {
      const hit = path.cloneNode(false);
      hit.setAttribute("class", "hit");
      g.insertBefore(hit, path);
    }
    g.classList.add("derivative");
    const of = facts.get(owner(head)).name || facts.get(head).op;
    const by = facts.get(owner(tail)).name || facts.get(owner(tail)).label;
    hoverable(g, () => [
      ["edge", `${by} \u2192 ${of}`],
      ["local derivative", `${arg.formula} = ${show(arg.value)}`],
    ]);
  }

  // -- click: the paths from a node to the output --------------------------------------
  function downstream(begin) {
    const seen = new Set([begin]);
    const todo = [begin];
    while (todo.length) {
      for (const next of heads.get(todo.pop()) || []) {
        if (!seen.has(next)) {
          seen.add(next);
          todo.push(next);
        }
      }
    }
    return seen;
  }

  function highlight(name) {
    const on = name === null ? new Set() : downstream(name);
    const groups = new Set([...on].map((n) => facts.get(n).group).filter(Boolean));
    svg.classList.toggle("dim", name !== null);
    for (const [n, g] of nodeEls) g.classList.toggle("on-path", on.has(n));
    for (const { g, tail, head } of edgeEls) {
      const fromOn = on.has(tail) || groups.has((facts.get(tail) || {}).group);
      g.classList.toggle("on-path", on.has(head) && fromOn);
    }
  }

  // A click on a node highlights its paths; a click anywhere else in the graph clears them;
  // the click that ends a drag does neither.
  main.addEventListener("click", (e) => {
    if (swallowClick) {
      swallowClick = false;
      return;
    }
    const g = e.target.closest("g.node");
    highlight(g && g.dataset.name ? g.dataset.name : null);
  });

  // -- step: the backward pass ---------------------------------------------------------
  // A node's gradient field is the last text of its record that starts with "grad".
  const gradText = new Map();
  for (const [name, g] of nodeEls) {
    const texts = [...g.querySelectorAll("text")].filter((t) =>
      t.textContent.replace(/\s/g, " ").startsWith("grad "));
    if (texts.length) gradText.set(name, texts[texts.length - 1]);
  }

  const steps = data.steps;
  const orderText = data.order === "engine" ? "in the engine's order"
    : "layer by layer from the output";
  let next = 0;

  function startStepping() {
    stepping = true;
    reached.clear();
    next = 0;
    for (const [name, g] of nodeEls) {
      g.classList.remove("reached", "current");
      g.classList.toggle("pending", facts.get(name).kind !== "cut");
      g.removeAttribute("data-step");
    }
    for (const t of gradText.values()) t.classList.add("grad-hidden");
  }

  function reveal(value, index) {
    reached.add(value);
    for (const [name, g] of nodeEls) {
      g.classList.remove("current");
      if (owner(name) !== value) continue;
      g.classList.remove("pending");
      g.classList.add("reached", "current");
      if (name === value) g.dataset.step = String(index + 1);
      const t = gradText.get(name);
      if (t) t.classList.remove("grad-hidden");
    }
  }

  function step() {
    if (!stepping || next >= steps.length) startStepping();
    const value = steps[next];
    reveal(value, next);
    next += 1;
    const f = facts.get(value);
    const what = f.explain || `${f.label || (f.kind === "neuron" ? `${f.activation} neuron`
      : f.op) || "leaf"}, grad ${show(f.grad)}`;
    status.textContent = `step ${next} of ${steps.length}: ${what}` +
      (next === steps.length ? " (backward pass done)" : "");
    bringIntoView(nodeEls.get(value));
  }

  function reset() {
    stepping = false;
    reached.clear();
    next = 0;
    for (const g of nodeEls.values()) {
      g.classList.remove("pending", "reached", "current");
      g.removeAttribute("data-step");
    }
    for (const t of gradText.values()) t.classList.remove("grad-hidden");
    highlight(null);
    status.textContent = steps.length === 0 ? "" :
      `${steps.length} steps in the backward pass, ${orderText}: press Step to play it.`;
  }

  document.getElementById("step").addEventListener("click", step);
  document.getElementById("reset").addEventListener("click", reset);
  document.getElementById("step").disabled = steps.length === 0;
  reset();
  start();
})();
