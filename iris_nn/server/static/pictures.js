// The playground on image data (SPEC 16): a drawing grid of H x W cells painted with the mouse or a
// finger, whose grey levels the server turns into raw outputs, SoftMax and ArgMax after every
// stroke; and each first-layer unit's weights drawn as an image (blue positive, red negative).
// The page computes no forward pass: it sends the pixels and draws what comes back.

import { context, element } from "./draw.js";

const BLUE = [33, 102, 172];
const RED = [178, 24, 43];

export function buildDrawing(canvas, clear, send) {
  const drawing = { canvas, shape: null, low: 0, high: 1, pixels: null, painting: false };
  const cellAt = (event) => {
    const box = canvas.getBoundingClientRect();
    const [h, w] = drawing.shape;
    const i = Math.floor(((event.clientY - box.top) / box.height) * h);
    const j = Math.floor(((event.clientX - box.left) / box.width) * w);
    return i >= 0 && i < h && j >= 0 && j < w ? [i, j] : null;
  };
  const paint = (event) => {
    if (!drawing.shape || !drawing.painting) return;
    const at = cellAt(event);
    if (!at) return;
    const [h, w] = drawing.shape;
    const { low, high, pixels } = drawing;
    let changed = false;
    const ink = (i, j, level) => {
      if (i < 0 || i >= h || j < 0 || j >= w || pixels[i * w + j] >= level) return;
      pixels[i * w + j] = level;
      changed = true;
    };
    ink(at[0], at[1], high);
    if (w >= 16) { // a fine grid: a soft brush, half ink on the four neighbours
      const half = low + (high - low) / 2;
      for (const [di, dj] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) ink(at[0] + di, at[1] + dj, half);
    }
    if (changed) {
      paintGrid(drawing);
      send({ type: "draw", pixels: Array.from(pixels) });
    }
  };
  canvas.addEventListener("pointerdown", (event) => {
    drawing.painting = true;
    canvas.setPointerCapture(event.pointerId);
    paint(event);
  });
  canvas.addEventListener("pointermove", paint);
  for (const end of ["pointerup", "pointercancel"]) {
    canvas.addEventListener(end, () => (drawing.painting = false));
  }
  clear.addEventListener("click", () => {
    if (!drawing.shape) return;
    drawing.pixels.fill(drawing.low);
    paintGrid(drawing);
    send({ type: "draw", pixels: Array.from(drawing.pixels) });
  });
  return drawing;
}

function paintGrid(drawing) {
  const { ctx, width, height } = context(drawing.canvas);
  const [h, w] = drawing.shape;
  const span = drawing.high - drawing.low || 1;
  const cw = width / w, ch = height / h;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const shade = Math.round(255 * (1 - (drawing.pixels[i * w + j] - drawing.low) / span));
      ctx.fillStyle = `rgb(${shade},${shade},${shade})`;
      ctx.fillRect(j * cw, i * ch, cw + 0.5, ch + 0.5);
    }
  }
  if (w <= 16) { // a coarse grid shows its cells
    ctx.strokeStyle = "#ddd";
    ctx.lineWidth = 1;
    for (let k = 0; k <= w; k++) ctx.strokeRect(k * cw, 0, 0, height);
    for (let k = 0; k <= h; k++) ctx.strokeRect(0, k * ch, width, 0);
  }
}

function unitImage(weights, shape, limit) {
  const [h, w] = shape;
  const canvas = element("canvas", { width: String(w), height: String(h), class: "unit-image" });
  const ctx = canvas.getContext("2d");
  const pixels = ctx.createImageData(w, h);
  weights.forEach((v, k) => {
    const t = Math.min(1, Math.abs(v) / limit);
    const colour = v >= 0 ? BLUE : RED;
    for (let c = 0; c < 3; c++) pixels.data[4 * k + c] = Math.round(255 - t * (255 - colour[c]));
    pixels.data[4 * k + 3] = 255;
  });
  ctx.putImageData(pixels, 0, 0);
  return canvas;
}

// Show the drawing grid and the unit images instead of the plane when the data are images.
export function drawPictures(drawing, planeView, drawingView, unitsRoot, predictionLine, state) {
  const image = state.image;
  planeView.hidden = Boolean(image);
  drawingView.hidden = !image;
  if (!image) {
    drawing.shape = null;
    return;
  }
  const size = image.shape[0] * image.shape[1];
  if (!drawing.shape || drawing.shape.join() !== image.shape.join()) {
    drawing.shape = image.shape;
    drawing.pixels = new Float64Array(size).fill(image.low);
  }
  drawing.low = image.low;
  drawing.high = image.high;
  paintGrid(drawing);
  const selected = state.selected;
  predictionLine.textContent = selected && selected.drawn
    ? `ArgMax → ${selected.prediction} (SoftMax ${Math.max(...selected.probabilities).toFixed(3)})`
    : "draw with the mouse: the SoftMax bars and ArgMax follow every stroke";
  const limit = Math.max(1e-12, ...image.unit_weights.flat().map(Math.abs));
  const cells = image.unit_weights.map((weights, k) => {
    const cell = element("figure", { class: "unit" });
    const name = image.hidden ? `unit ${image.units[k]}` : state.classes[image.units[k] - 1];
    cell.append(unitImage(weights, image.shape, limit),
      element("figcaption", {}, `${name} b ${image.unit_biases[k].toFixed(2)}`));
    return cell;
  });
  unitsRoot.replaceChildren(...cells);
}

// Where cell (i, j) of the drawing grid is on the page, for tests that draw as a learner does.
export function whereCell(drawing, i, j) {
  if (!drawing.shape) return null;
  const box = drawing.canvas.getBoundingClientRect();
  const [h, w] = drawing.shape;
  return [box.left + ((j + 0.5) / w) * box.width, box.top + ((i + 0.5) / h) * box.height];
}
