// What the views share: class colours (those of the figures, views/style.py CLASS_COLOURS),
// the colours of a weight's sign, and a canvas sized for the screen's pixels.

export const CLASS_COLOURS = [
  "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
  "#66CCEE", "#AA3377", "#332288", "#DDCC77", "#666633",
];
export const POSITIVE = "#1f6fb4";
export const NEGATIVE = "#d9540f";
export const PART_COLOURS = { train: "#222222", val: "#888888", test: "#1f6fb4" };

export function classColour(k) {
  return CLASS_COLOURS[k % CLASS_COLOURS.length];
}

export function rgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

// Return the canvas's 2-D context scaled so that one unit is one CSS pixel.
export function context(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const { width, height } = canvas.getBoundingClientRect();
  const w = Math.max(1, Math.round(width * ratio));
  const h = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

export function fixed(x, digits = 3) {
  return x === null || x === undefined ? "–" : Number(x).toFixed(digits);
}

export function element(tag, attributes = {}, text = "") {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (text) el.textContent = text;
  return el;
}
