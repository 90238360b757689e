// The selected row's forward pass as predict --explain shows it: inputs, scaled inputs, each hidden
// unit's z and activation, raw outputs, SoftMax adding up to 1, ArgMax, and the row's true class.

import { element } from "./draw.js";

const MAX_UNITS = 8; // wider layers as rounded vectors, as --explain writes them

function line(label, text, cls = "") {
  const row = element("tr", cls ? { class: cls } : {});
  row.append(element("th", {}, label), element("td", {}, text));
  return row;
}

function pairs(object, digits = 3) {
  return Object.entries(object).map(([k, v]) => `${k} ${Number(v).toFixed(digits)}`).join(", ");
}

export function drawExplain(root, state) {
  const selected = state.selected;
  if (!selected) {
    root.replaceChildren(element("p", { class: "hint" }, "no row selected"));
    return;
  }
  const e = selected.explain;
  const table = element("table", { id: "explain-table" });
  table.append(element("caption", {}, selected.drawn ? "your drawing"
    : `row ${selected.row}: true class ${selected.true_class}`));
  if (state.image) { // pixels: the picture is the grid; hundreds of numbers would hide the rest
    table.append(line("inputs", `${state.image.shape.join(" x ")} pixels, as drawn`));
  } else if (selected.columns) { // text columns: the row's values, then their encoding
    const values = Object.entries(selected.columns)
      .map(([k, v]) => `${k} ${typeof v === "string" ? v : Number(v).toFixed(3)}`).join(", ");
    table.append(line("columns", values));
    table.append(line("encoded inputs", pairs(e.inputs)));
    table.append(line("scaled inputs", pairs(e.scaled_inputs)));
  } else {
    table.append(line("inputs", pairs(e.inputs)));
    table.append(line("scaled inputs", pairs(e.scaled_inputs)));
  }
  for (const layer of e.layers) {
    const units = layer.z.length <= MAX_UNITS
      ? layer.z.map((z, u) => `z${u + 1} ${z.toFixed(3)} → ${layer.a[u].toFixed(3)}`).join(", ")
      : `z [${layer.z.map((z) => z.toFixed(2)).join(", ")}] → [${layer.a.map((a) => a.toFixed(2)).join(", ")}]`;
    table.append(line(`hidden ${layer.layer} (${layer.activation})`, units));
  }
  table.append(line("raw outputs", pairs(e.logits, 2)));
  const sum = Object.values(e.probabilities).reduce((a, b) => a + b, 0);
  table.append(line("SoftMax", `${pairs(e.probabilities)} (sum ${sum.toFixed(3)})`));
  table.append(line("ArgMax", `[${e.argmax.join(", ")}] → ${e.prediction}`,
    selected.drawn ? "" : e.prediction === selected.true_class ? "right" : "wrong"));
  root.replaceChildren(table);
}
