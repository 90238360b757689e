// One step of backprop for the selected row, as iris-nn backprop shows it (SPEC 13): the loss
// before and after, each layer's deltas, and every weight's a × delta = gradient and its new value
// w - lr × gradient. The numbers come from the server (inference/backprop.py); the diagram draws
// the gradients on their edges and the deltas beside their units (network.js).

import { element } from "./draw.js";

const MAX_UNITS = 8; // wider layers: the 8 largest gradients, as backprop's table shows them

const f = (x, digits = 4) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));

// The inputs of each layer for the row: the scaled inputs, then each hidden layer's activations.
function layerInputs(forward) {
  return [Object.values(forward.scaled_inputs), ...forward.layers.map((layer) => layer.a)];
}

function weightRows(layer, a, lr) {
  const W = layer.W;
  const rows = [];
  W.value.forEach((row, j) => row.forEach((w, k) => rows.push({ j, k, w, g: W.grad[j][k], n: W.new[j][k] })));
  const wide = W.value.length > MAX_UNITS || W.value[0].length > MAX_UNITS;
  const shown = wide ? [...rows].sort((p, q) => Math.abs(q.g) - Math.abs(p.g)).slice(0, MAX_UNITS) : rows;
  return shown.map(({ j, k, w, g, n }) => {
    const tr = element("tr", { "data-name": `W${layer.layer}`, "data-i": j, "data-j": k });
    tr.append(
      element("th", {}, `W${layer.layer}[${j}, ${k}]`),
      element("td", {}, `${f(a[j])} × ${f(layer.delta[0][k])} = ${f(g)}`),
      element("td", {}, `${f(w)} − ${lr} × ${f(g)} = ${f(n)}`),
    );
    return tr;
  });
}

function biasRows(layer, lr) {
  const b = layer.b;
  const wide = b.value.length > MAX_UNITS;
  const order = [...b.value.keys()];
  const shown = wide ? order.sort((p, q) => Math.abs(b.grad[q]) - Math.abs(b.grad[p])).slice(0, MAX_UNITS) : order;
  return shown.map((k) => {
    const tr = element("tr", { "data-name": `b${layer.layer}`, "data-i": k });
    tr.append(
      element("th", {}, `b${layer.layer}[${k}]`),
      element("td", {}, `δ = ${f(b.grad[k])}`),
      element("td", {}, `${f(b.value[k])} − ${lr} × ${f(b.grad[k])} = ${f(b.new[k])}`),
    );
    return tr;
  });
}

export function drawStep(root, state) {
  const step = state.step;
  if (!step) {
    root.replaceChildren(element("p", { class: "hint" },
      state.selected ? "“show one step” works one step of gradient descent on the selected row"
        : "select a row, then “show one step”"));
    return;
  }
  if (step.error) {
    root.replaceChildren(element("p", { class: "message" }, `Error: ${step.error}`));
    return;
  }
  const inputs = layerInputs(step.forward[0]);
  const parts = [];
  const loss = element("p", { id: "step-loss" });
  loss.append(
    "loss ", element("output", { id: "loss-before" }, f(step.loss_before, 6)),
    " → after the step ", element("output", { id: "loss-after" }, f(step.loss_after, 6)),
    ` (learning rate ${step.lr})`,
  );
  parts.push(loss);
  for (const layer of [...step.layers].reverse()) {
    const table = element("table", { class: "step-layer", "data-layer": layer.layer });
    const last = layer.layer === step.layers.length;
    const deltas = layer.delta[0];
    const shownDeltas = deltas.length <= MAX_UNITS ? deltas.map((d) => f(d)).join(", ")
      : `[${deltas.map((d) => f(d, 2)).join(", ")}]`;
    table.append(element("caption", {}, `layer ${layer.layer}: δ ${last ? "= p − y" : "= (W δ) × f′(z)"}: ${shownDeltas}`));
    const head = element("tr");
    head.append(element("th", {}, ""), element("th", {}, "dL/dw = a × δ"), element("th", {}, "new = w − lr × dL/dw"));
    table.append(head, ...weightRows(layer, inputs[layer.layer - 1], step.lr), ...biasRows(layer, step.lr));
    parts.push(table);
  }
  root.replaceChildren(...parts);
}
