// The interactive graph page written by autograd.viz.to_html.
//
// Reads the graph's facts from the JSON block #graph-data and wires up the inline SVG:
// hovering a node shows its op, label, data and grad; clicking one highlights every path
// from it to the output; "Step" plays the backward pass in the engine's order, revealing
// each node's gradient as the chain rule reaches it.
//
// User text (labels) only ever enters the page through textContent: never innerHTML.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const facts = new Map(Object.entries(data.nodes));
  const svg = document.querySelector("#graph svg");
  const tip = document.getElementById("tooltip");
  const status = document.getElementById("status");

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

  // -- hover -------------------------------------------------------------------------
  const show = (x) => (typeof x === "number" ? String(x) : x);
  let stepping = false;
  const reached = new Set();

  function tooltipLines(name) {
    const f = facts.get(name);
    const lines = [];
    if (f.kind === "op") lines.push(["op", f.op]);
    else if (f.kind === "neuron") lines.push(["neuron", f.activation || f.op]);
    else lines.push(["op", f.op || "(leaf)"]);
    if (f.label !== undefined) lines.push(["label", f.label === "" ? "(none)" : f.label]);
    if (f.data !== undefined) lines.push(["data", show(f.data)]);
    if (f.grad !== undefined) {
      const hidden = stepping && !reached.has(owner(name));
      lines.push(["grad", hidden ? "(not reached yet)" : show(f.grad)]);
    }
    if (f.weight_grad_norm !== undefined) lines.push(["|grad w|", show(f.weight_grad_norm)]);
    return lines;
  }

  function showTip(name, event) {
    tip.replaceChildren();
    for (const [key, value] of tooltipLines(name)) {
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

  for (const [name, g] of nodeEls) {
    g.addEventListener("mousemove", (e) => showTip(name, e));
    g.addEventListener("mouseleave", () => { tip.hidden = true; });
  }

  // -- click: the paths from a node to the output --------------------------------------
  function downstream(start) {
    const seen = new Set([start]);
    const todo = [start];
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

  // A click on a node highlights its paths; a click anywhere else (but the buttons) clears.
  document.addEventListener("click", (e) => {
    if (e.target.closest("header")) return;
    const g = e.target.closest("g.node");
    highlight(g && g.dataset.name ? g.dataset.name : null);
  });

  // -- step: the backward pass in the engine's order -----------------------------------
  // A node's gradient field is the last text of its record that starts with "grad".
  const gradText = new Map();
  for (const [name, g] of nodeEls) {
    const texts = [...g.querySelectorAll("text")].filter((t) =>
      t.textContent.replace(/\s/g, " ").startsWith("grad "));
    if (texts.length) gradText.set(name, texts[texts.length - 1]);
  }

  const steps = data.steps;
  let next = 0;

  function setStatus(text) {
    status.textContent = text;
  }

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
    for (const g of nodeEls.values()) g.classList.remove("current");
    reveal(value, next);
    next += 1;
    const f = facts.get(value);
    const what = f.label ? f.label : (f.kind === "neuron" ? `${f.activation} neuron` : f.op) ||
      "leaf";
    setStatus(`step ${next} of ${steps.length}: ${what}, grad ${show(f.grad)}` +
      (next === steps.length ? " (backward pass done)" : ""));
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
    setStatus(`${steps.length} steps in the backward pass; press Step to play it.`);
  }

  document.getElementById("step").addEventListener("click", step);
  document.getElementById("reset").addEventListener("click", reset);
  document.getElementById("step").disabled = steps.length === 0;
  reset();
})();
