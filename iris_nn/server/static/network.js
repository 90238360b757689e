// The network with its weights: inputs, hidden units, outputs, then SoftMax and ArgMax, in columns
// as the lesson draws them. Edge colour by sign, width by size, the number on hover; a layer wider
// than 12 units shows the 12 with the largest weights and says how many are left out. A click on
// an edge or a unit (its bias) opens the weight's editor. With one step of backprop shown, the edges
// are its gradients instead (colour by sign, width by size, the number on the edge when both layers
// have at most 8 units and it finds a free spot there) and each unit has its delta beside it.

import { NEGATIVE, POSITIVE, element } from "./draw.js";

const SVG = "http://www.w3.org/2000/svg";
const CAP = 12;

function svg(tag, attributes = {}, text = "") {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (text) el.textContent = text;
  return el;
}

// Return the indices of a layer's units to draw: all, or the CAP with the largest weights.
function shownUnits(size, strength) {
  const all = [...Array(size).keys()];
  if (size <= CAP) return all;
  return all.sort((a, b) => strength[b] - strength[a]).slice(0, CAP).sort((a, b) => a - b);
}

export function drawNetwork(root, state, edit) {
  const weights = state.weights;
  const layers = Object.keys(weights).filter((k) => k.startsWith("W")).length;
  const sizes = [state.features.length];
  for (let l = 1; l <= layers; l++) sizes.push(weights[`b${l}`].length);
  // a unit's strength: the sum of |w| on its edges in and out
  const strength = sizes.map((n) => new Array(n).fill(0));
  let biggest = 1e-9;
  for (let l = 1; l <= layers; l++) {
    weights[`W${l}`].forEach((row, i) => row.forEach((w, j) => {
      strength[l - 1][i] += Math.abs(w);
      strength[l][j] += Math.abs(w);
      biggest = Math.max(biggest, Math.abs(w));
    }));
  }
  const shown = sizes.map((n, l) => shownUnits(n, strength[l]));
  const step = state.step && !state.step.error ? state.step : null;
  let biggestGrad = 1e-12;
  if (step) {
    for (const layer of step.layers) layer.W.grad.flat().forEach((g) => { biggestGrad = Math.max(biggestGrad, Math.abs(g)); });
  }
  const columns = sizes.length + 2; // + SoftMax, ArgMax
  const width = root.clientWidth || 600;
  const rows = Math.max(...shown.map((s) => s.length));
  // with a step shown each unit carries its bias above and its delta below: 56 px a unit keeps a
  // delta clear of the next unit's bias, even in a column of 12 (the default's 16 hidden units)
  const height = step ? Math.max(320, 50 + rows * 56) : Math.max(200, Math.min(560, 40 + rows * 38));
  // the layers spread over the width; SoftMax and ArgMax sit in two narrow columns on the right,
  // after room for the longest class name (about 7 px a character): the rest goes to the edges
  const left = 104, tail = Math.max(60, 45 + 7 * Math.max(...state.classes.map((c) => c.length)));
  const colX = (c) => c < columns - 2
    ? left + (c * (width - left - tail - 90)) / Math.max(1, columns - 3)
    : width - (c === columns - 2 ? 90 : 30);
  const unitY = (l, k) => {
    const n = shown[l].length;
    return 30 + ((k + 0.5) * (height - 50)) / n;
  };
  const picture = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "the network" });
  const labels = []; // the gradients' numbers, placed on their edges once everything else is drawn
  for (let l = 1; l <= layers; l++) {
    const W = weights[`W${l}`];
    const grad = step ? step.layers[l - 1].W.grad : null;
    const labelled = grad && shown[l - 1].length <= 8 && shown[l].length <= 8;
    shown[l - 1].forEach((i, a) => shown[l].forEach((j, b) => {
      const w = W[i][j];
      const shade = grad ? grad[i][j] : w; // what the edge's colour and width say
      const line = svg("line", {
        x1: colX(l - 1), y1: unitY(l - 1, a), x2: colX(l), y2: unitY(l, b),
        stroke: shade >= 0 ? POSITIVE : NEGATIVE,
        "stroke-width": (0.4 + (4.5 * Math.abs(shade)) / (grad ? biggestGrad : biggest)).toFixed(2),
        "stroke-opacity": 0.75, class: "edge", "data-name": `W${l}`, "data-i": i, "data-j": j,
      });
      const title = `W${l}[${i}, ${j}] = ${w.toFixed(4)}`;
      line.append(svg("title", {}, grad ? `${title}, dL/dw = ${grad[i][j].toFixed(4)}, new ${step.layers[l - 1].W.new[i][j].toFixed(4)}` : title));
      line.addEventListener("click", () => edit.open(`W${l}`, i, j, w));
      picture.append(line);
      if (labelled) {
        labels.push({
          from: [colX(l - 1), unitY(l - 1, a)], to: [colX(l), unitY(l, b)],
          text: svg("text", { "text-anchor": "middle", class: "grad", "data-name": `W${l}`, "data-i": i, "data-j": j },
            grad[i][j].toFixed(3)),
        });
      }
    }));
  }
  const selected = state.selected;
  sizes.forEach((n, l) => {
    shown[l].forEach((unit, k) => {
      const x = colX(l), y = unitY(l, k);
      const group = svg("g", { class: "unit" });
      group.append(svg("circle", { cx: x, cy: y, r: 11, fill: "#fff", stroke: "#444" }));
      if (l === 0) {
        group.append(svg("text", { x: x - 16, y: y + 4, "text-anchor": "end" }, state.features[unit]));
      } else {
        const b = weights[`b${l}`][unit];
        const glyph = l < layers ? (state.settings["model.activation"] || "").slice(0, 4) : "";
        group.append(svg("text", { x, y: y + 4, "text-anchor": "middle", class: "glyph" }, glyph));
        const bias = svg("text", { x: x + 3, y: y - 14, class: "bias" }, `b ${b.toFixed(2)}`);
        bias.append(svg("title", {}, `b${l}[${unit}] = ${b.toFixed(4)} (click to edit)`));
        group.addEventListener("click", () => edit.open(`b${l}`, unit, undefined, b));
        group.append(bias);
        if (step) {
          const delta = step.layers[l - 1].delta[0][unit];
          group.append(svg("text", { x: x + 3, y: y + 24, class: "delta", "data-layer": l, "data-unit": unit }, `δ ${delta.toFixed(3)}`));
        }
        if (l === layers) {
          group.append(svg("text", { x: x + 16, y: y + 4 }, state.classes[unit]));
        }
      }
      picture.append(group);
    });
    if (shown[l].length < n) {
      picture.append(svg("text", { x: colX(l), y: height - 4, "text-anchor": "middle", class: "note" },
        `+${n - shown[l].length} not shown`));
    }
  });
  // SoftMax and ArgMax of the selected row
  const out = layers;
  const heads = [["SoftMax", columns - 2], ["ArgMax", columns - 1]];
  for (const [name, c] of heads) {
    picture.append(svg("text", { x: colX(c), y: 16, "text-anchor": "middle", class: "head" }, name));
  }
  picture.append(svg("text", { x: colX(0), y: 16, "text-anchor": "middle", class: "head" }, "inputs"));
  picture.append(svg("text", { x: colX(out), y: 16, "text-anchor": "middle", class: "head" }, "raw outputs"));
  if (selected) {
    const best = selected.probabilities.indexOf(Math.max(...selected.probabilities));
    shown[out].forEach((unit, k) => {
      const y = unitY(out, k) + 4;
      picture.append(svg("text", { x: colX(columns - 2), y, "text-anchor": "middle" }, selected.probabilities[unit].toFixed(3)));
      picture.append(svg("text", { x: colX(columns - 1), y, "text-anchor": "middle" }, unit === best ? "1" : "0"));
    });
  }
  root.replaceChildren(picture);
  placeLabels(picture, labels);
}

// Along its edge, the first of these fractions of the way from the tail, just above the edge or
// else just below it, at which a number covers no other number, unit or text: where a layer's edges
// cross (the lesson's hidden units fan out to three outputs), the same fraction for every edge
// would stack two numbers on one spot.
const ALONG = [0.62, 0.5, 0.74, 0.4, 0.84, 0.3, 0.9, 0.2, 0.56, 0.68, 0.45, 0.79, 0.35, 0.25];
const SPOTS = ALONG.flatMap((t) => [[t, -2], [t, 10]]); // (fraction, baseline below the edge)

// Put each label on its edge where it covers nothing drawn (the picture is on the page, so texts
// can be measured) and no other label: the labels go in as listed, those with the fewest free spots
// first, or in reverse, whichever places the most. A label with no free spot is left out: its edge's
// tooltip and the step's table below still give the number.
function placeLabels(picture, labels) {
  const position = ({ from, to }, [t, dy]) => [from[0] + t * (to[0] - from[0]), from[1] + t * (to[1] - from[1]) + dy];
  const put = (label, spot) => {
    const [x, y] = position(label, spot);
    label.text.setAttribute("x", x);
    label.text.setAttribute("y", y);
    picture.append(label.text);
  };
  if (!picture.getBoundingClientRect().width) { // not laid out (a hidden panel): nothing to measure
    labels.forEach((label) => put(label, SPOTS[0]));
    return;
  }
  const box = (el) => { const b = el.getBBox(); return [b.x - 1, b.y - 1, b.x + b.width + 1, b.y + b.height + 1]; };
  const apart = (p, q) => p[2] <= q[0] || q[2] <= p[0] || p[3] <= q[1] || q[3] <= p[1];
  const drawn = [...picture.querySelectorAll("circle, text")].map(box);
  // each label's spots that cover nothing drawn, with its box there (measured once, then moved)
  const free = labels.map((label) => {
    put(label, SPOTS[0]);
    const first = box(label.text), [x0, y0] = position(label, SPOTS[0]);
    label.text.remove();
    return SPOTS.map((spot) => {
      const [x, y] = position(label, spot);
      return { spot, box: [first[0] + x - x0, first[1] + y - y0, first[2] + x - x0, first[3] + y - y0] };
    }).filter((s) => drawn.every((other) => apart(s.box, other)));
  });
  const arrange = (order) => {
    const taken = [], chosen = new Map();
    for (const k of order) {
      const spot = free[k].find((s) => taken.every((other) => apart(s.box, other)));
      if (spot) { chosen.set(k, spot.spot); taken.push(spot.box); }
    }
    return chosen;
  };
  const keys = [...labels.keys()];
  const orders = [keys, [...keys].sort((a, b) => free[a].length - free[b].length), [...keys].reverse()];
  let best = new Map();
  for (const order of orders) {
    const chosen = arrange(order);
    if (chosen.size > best.size) best = chosen;
    if (best.size === labels.length) break;
  }
  for (const [k, spot] of best) put(labels[k], spot);
}

// The weight editor under the diagram: a number field (Enter sets the value through the server) and a
// handle to drag: up raises the value, down lowers it, 0.01 a pixel (0.001 with shift held). While
// dragging, at most one value every DRAG_MS goes to the server, and the last one always does.
const DRAG_MS = 40;

export function buildEditor(root, setWeight) {
  const label = element("label", { for: "weight-value" }, "click a weight or a unit (its bias) to edit it");
  const field = element("input", { id: "weight-value", type: "text", size: 10, disabled: "" });
  const handle = element("span", {
    id: "weight-drag", class: "drag", role: "slider", "aria-label": "drag up or down to change the weight (shift: fine)",
    title: "drag up or down (shift: fine steps)", "aria-disabled": "true",
  }, "⇕ drag");
  let target = null;
  const send = (value) => target && setWeight(target.name, target.i, target.j, value);
  field.addEventListener("change", () => {
    const value = Number(field.value);
    send(Number.isFinite(value) && field.value.trim() !== "" ? value : field.value);
  });
  field.addEventListener("keydown", (e) => { if (e.key === "Enter") field.blur(); });
  let drag = null; // {y, value, sent, timer}
  const flush = () => {
    drag.timer = null;
    if (drag.value !== drag.sent) send((drag.sent = drag.value));
  };
  handle.addEventListener("pointerdown", (e) => {
    if (!target) return;
    handle.setPointerCapture(e.pointerId);
    drag = { y: e.clientY, value: Number(field.value), sent: Number(field.value), timer: null };
    e.preventDefault();
  });
  handle.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const step = e.shiftKey ? 0.001 : 0.01;
    drag.value = Number((drag.value + (drag.y - e.clientY) * step).toFixed(e.shiftKey ? 3 : 2));
    drag.y = e.clientY;
    field.value = String(drag.value);
    if (drag.timer === null) drag.timer = setTimeout(flush, DRAG_MS);
  });
  const end = () => {
    if (!drag) return;
    clearTimeout(drag.timer);
    flush();
    drag = null;
  };
  handle.addEventListener("pointerup", end);
  handle.addEventListener("pointercancel", end);
  root.replaceChildren(label, field, handle);
  const prompt = label.textContent;
  const clear = () => {
    target = drag = null;
    label.textContent = prompt;
    field.value = "";
    field.disabled = true;
    handle.setAttribute("aria-disabled", "true");
  };
  return {
    open(name, i, j, value) {
      target = { name, i, j };
      label.textContent = j === undefined ? `${name}[${i}] =` : `${name}[${i}, ${j}] =`;
      field.disabled = false;
      handle.setAttribute("aria-disabled", "false");
      field.value = String(value);
      field.focus();
      field.select();
    },
    clear, // a reset: the weight shown is gone
    // the weight's value as the state has it now (training moves it), unless it is being edited;
    // a weight the network no longer has (a new shape) closes the editor
    show(weights) {
      if (!target) return;
      const values = weights[target.name];
      const value = values && (target.j === undefined ? values[target.i] : values[target.i]?.[target.j]);
      if (typeof value !== "number") clear();
      else if (!drag && document.activeElement !== field) field.value = String(value);
    },
  };
}
