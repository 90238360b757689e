// The decision regions over the plane: the ArgMax class colour, paler where SoftMax is less sure
// (the server computes the grid's probabilities with the engine), and the rows as
// decision_regions.png marks them: colour = true class, shape = own prediction, a ring = wrong,
// edge = part (train white, validation grey, test black). A click selects the nearest row.

import { classColour, context, element, rgb } from "./draw.js";

const EDGES = { train: "#ffffff", val: "#777777", test: "#000000" };
const SIZES = { train: 4, val: 4.5, test: 5 };
const MARGIN = { left: 48, right: 10, top: 10, bottom: 36 };

function marker(ctx, k, x, y, r) {
  ctx.beginPath();
  switch (k % 4) {
    case 0: ctx.arc(x, y, r, 0, 2 * Math.PI); break; // circle
    case 1: ctx.rect(x - r, y - r, 2 * r, 2 * r); break; // square
    case 2: ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.1, y + r * 0.8); ctx.lineTo(x - r * 1.1, y + r * 0.8); ctx.closePath(); break;
    default: ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.2, y); ctx.lineTo(x, y + r * 1.2); ctx.lineTo(x - r * 1.2, y); ctx.closePath();
  }
}

function frame(plane, width, height) {
  const w = width - MARGIN.left - MARGIN.right, h = height - MARGIN.top - MARGIN.bottom;
  const [x0, x1] = plane.x, [y0, y1] = plane.y;
  return {
    px: (v) => MARGIN.left + ((v - x0) / (x1 - x0 || 1)) * w,
    py: (v) => MARGIN.top + (1 - (v - y0) / (y1 - y0 || 1)) * h,
    w, h,
  };
}

const tick = (v) => String(Number(v.toPrecision(3)));

const image = document.createElement("canvas");

export function drawRegions(canvas, state) {
  const plane = state.plane;
  const { ctx, width, height } = context(canvas);
  const { px, py, w, h } = frame(plane, width, height);
  const n = plane.grid, k = state.classes.length;
  image.width = n;
  image.height = n;
  const pixels = image.getContext("2d").createImageData(n, n);
  const colours = state.classes.map((_, c) => rgb(classColour(c)));
  plane.probabilities_e4.forEach((p, index) => { // ten-thousandths
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    const confidence = (p[best] / 10000 - 1 / k) / (1 - 1 / k || 1);
    const strength = 0.08 + 0.42 * confidence;
    const row = n - 1 - Math.floor(index / n); // grid row 0 is the lowest y: the image's bottom
    const at = 4 * (row * n + (index % n));
    for (let j = 0; j < 3; j++) pixels.data[at + j] = 255 - strength * (255 - colours[best][j]);
    pixels.data[at + 3] = 255;
  });
  image.getContext("2d").putImageData(pixels, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(image, MARGIN.left, MARGIN.top, w, h);
  ctx.strokeStyle = "#999";
  ctx.strokeRect(MARGIN.left, MARGIN.top, w, h);
  // axes: the two inputs, their ends
  ctx.fillStyle = "#222";
  ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.fillText(plane.features[0], MARGIN.left + w / 2, height - 6);
  ctx.fillText(tick(plane.x[0]), MARGIN.left, MARGIN.top + h + 14);
  ctx.fillText(tick(plane.x[1]), MARGIN.left + w, MARGIN.top + h + 14);
  ctx.save();
  ctx.translate(12, MARGIN.top + h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(plane.features[1], 0, 0);
  ctx.restore();
  ctx.textAlign = "right";
  ctx.fillText(tick(plane.y[0]), MARGIN.left - 4, MARGIN.top + h);
  ctx.fillText(tick(plane.y[1]), MARGIN.left - 4, MARGIN.top + 10);
  const order = ["train", "val", "test"];
  const selected = state.selected ? state.selected.row : null;
  for (const part of order) {
    plane.rows.forEach((row, m) => {
      if (plane.part[m] !== part) return;
      const x = px(plane.xs[m]), y = py(plane.ys[m]);
      marker(ctx, plane.predicted[m], x, y, SIZES[part]);
      ctx.fillStyle = classColour(plane.truth[m]);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = EDGES[part];
      ctx.stroke();
    });
  }
  plane.rows.forEach((row, m) => {
    const x = px(plane.xs[m]), y = py(plane.ys[m]);
    if (plane.predicted[m] !== plane.truth[m]) {
      ctx.beginPath();
      ctx.arc(x, y, 8, 0, 2 * Math.PI);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#000";
      ctx.stroke();
    }
    if (row === selected) {
      ctx.beginPath();
      ctx.arc(x, y, 11, 0, 2 * Math.PI);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#c00";
      ctx.stroke();
    }
  });
}

// Return where row ``row`` is drawn, in CSS pixels of the canvas, or null when it is not shown.
export function whereRow(canvas, state, row) {
  const { width, height } = canvas.getBoundingClientRect();
  const { px, py } = frame(state.plane, width, height);
  const m = state.plane.rows.indexOf(row);
  return m < 0 ? null : [px(state.plane.xs[m]), py(state.plane.ys[m])];
}

// Return the shown row nearest to a click at (x, y) CSS pixels, or null when none is near.
export function rowAt(canvas, state, x, y) {
  const { width, height } = canvas.getBoundingClientRect();
  const { px, py } = frame(state.plane, width, height);
  let best = null, distance = 12 ** 2;
  state.plane.rows.forEach((row, m) => {
    const d = (px(state.plane.xs[m]) - x) ** 2 + (py(state.plane.ys[m]) - y) ** 2;
    if (d < distance) { distance = d; best = row; }
  });
  return best;
}

export function legend(root, state) {
  const key = state.classes.join("\n");
  if (root.dataset.classes === key) return;
  root.dataset.classes = key;
  const items = state.classes.map((c, k) => {
    const swatch = element("i");
    swatch.style.background = classColour(k);
    const item = element("span", {}, c);
    item.prepend(swatch);
    return item;
  });
  const how = element("span", { class: "how" },
    "colour: true class · shape: prediction · ringed: wrong · edge: white train, grey validation, black test");
  root.replaceChildren(...items, how);
}
