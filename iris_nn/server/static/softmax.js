// The selected row's SoftMax bars: one bar per class, its probability written beside it.

import { classColour, element } from "./draw.js";

export function drawSoftmax(root, state) {
  const selected = state.selected;
  if (!selected) {
    const how = state.image ? "draw on the grid" : "click a row in the plane";
    root.replaceChildren(element("p", { class: "hint" }, `${how} to see its SoftMax`));
    return;
  }
  const rows = state.classes.map((name, k) => {
    const p = selected.probabilities[k];
    const bar = element("span", { class: "bar" });
    bar.style.width = `${(100 * p).toFixed(1)}%`;
    bar.style.background = classColour(k);
    const track = element("span", { class: "track" });
    track.append(bar);
    return [element("span", { class: "name" }, name), track, element("span", { class: "value" }, p.toFixed(3))];
  });
  const grid = element("div", { class: "bars" });
  grid.append(...rows.flat());
  root.replaceChildren(grid);
}
