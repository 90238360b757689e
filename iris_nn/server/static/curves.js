// The loss and accuracy curves: train, validation and test, one point per epoch from 0.

import { context, fixed } from "./draw.js";

const PARTS = [["train", "#222222", []], ["val", "#888888", [5, 3]], ["test", "#1f6fb4", [2, 2]]];
const NAMES = { train: "train", val: "validation", test: "test" };

function curve(canvas, history, measure, label) {
  const { ctx, width, height } = context(canvas);
  const left = 44, right = 8, top = 34, bottom = 24;
  const series = PARTS.map(([part, colour, dash]) => [part, colour, dash, history[`${part}_${measure}`] || []])
    .filter(([, , , values]) => values.some((v) => v !== null)); // no validation rows: no curve
  const n = Math.max(2, ...series.map(([, , , v]) => v.length));
  let hi = measure === "accuracy" ? 1 : 0;
  for (const [, , , values] of series) for (const v of values) if (v !== null && Number.isFinite(v)) hi = Math.max(hi, v);
  hi = hi || 1;
  const x = (i) => left + (i / (n - 1)) * (width - left - right);
  const y = (v) => top + (1 - v / hi) * (height - top - bottom);
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillStyle = "#222";
  ctx.textAlign = "left";
  ctx.fillText(label, left, 13);
  ctx.strokeStyle = "#bbb";
  ctx.lineWidth = 1;
  ctx.strokeRect(left, top, width - left - right, height - top - bottom);
  ctx.fillStyle = "#555";
  ctx.textAlign = "right";
  ctx.fillText(fixed(hi, 2), left - 4, top + 10);
  ctx.fillText("0", left - 4, height - bottom);
  ctx.textAlign = "center";
  ctx.fillText(`epoch ${n - 1}`, width - right - 30, height - 6);
  ctx.fillText("0", left, height - 6);
  let legendX = width - right;
  ctx.textAlign = "right";
  for (const [part, colour, dash, values] of series.slice().reverse()) {
    const last = values[values.length - 1];
    const text = `${NAMES[part]} ${fixed(last, measure === "accuracy" ? 3 : 4)}`;
    ctx.fillStyle = colour;
    ctx.fillText(text, legendX, 28);
    legendX -= ctx.measureText(text).width + 14;
    ctx.strokeStyle = colour;
    ctx.setLineDash(dash);
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    const stride = Math.max(1, Math.floor(values.length / (2 * width))); // no more points than pixels
    let drawing = false;
    for (let i = 0; i < values.length; i += stride) {
      const v = values[i];
      if (v === null || !Number.isFinite(v)) { drawing = false; continue; }
      if (drawing) ctx.lineTo(x(i), y(v)); else ctx.moveTo(x(i), y(v));
      drawing = true;
    }
    const i = values.length - 1;
    if (values[i] !== null) ctx.lineTo(x(i), y(values[i]));
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

export function drawCurves(lossCanvas, accuracyCanvas, state) {
  curve(lossCanvas, state.history, "loss", "loss (cross-entropy)");
  curve(accuracyCanvas, state.history, "accuracy", "accuracy");
}
