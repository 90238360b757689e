// The page: one state object, sent by the server; each view redraws from it. The page computes no
// forward pass or gradient: every number on it comes from the engine.

import { connect } from "./connection.js";
import { buildControls, buildPlane, buildSpeed, showPlane, showSettings } from "./controls.js";
import { drawCurves } from "./curves.js";
import { drawExplain } from "./explain.js";
import { buildDrawing, drawPictures, whereCell } from "./pictures.js";
import { readLink, writeLink } from "./link.js";
import { buildEditor, drawNetwork } from "./network.js";
import { drawRegions, legend, rowAt, whereRow } from "./regions.js";
import { drawSoftmax } from "./softmax.js";
import { drawStep } from "./stepview.js";
import { buildUpload, showUpload } from "./upload.js";

const $ = (id) => document.getElementById(id);
let current = null; // the state, as the server last sent it
let start = null; // the start config's settings: a link holds what differs from them
let linked = false; // the link's settings have been sent
let fields = new Map();
let upload = null;
let drawn = true;
const waiting = [];
const connection = connect({ onControls, onState, onClose });
const send = (message) => connection.send(message);
const plane = buildPlane($("plane"), send);
const edit = buildEditor($("weight-editor"), (name, i, j, value) => irisnn.setWeight(name, i, j, value));
buildSpeed($("speed"), send);
const drawing = buildDrawing($("drawing"), $("clear"), send);

function settled() {
  return current !== null && connection.answeredAll() && !current.playing;
}

function onControls(message) {
  start = message.start;
  fields = buildControls($("controls"), message.controls, send);
  upload = buildUpload(fields, connection);
}

function onState(state) {
  // the server sends the history's new entries only: those from history_from on
  if (state.history_from > 0 && current !== null) {
    const held = current.history;
    for (const key of Object.keys(state.history)) {
      state.history[key] = held[key].slice(0, state.history_from).concat(state.history[key]);
    }
  }
  current = state;
  document.documentElement.dataset.style = state.settings["plots.style"] || "paper"; // room.css
  if (!linked) {
    linked = true;
    const order = [...fields.keys()];
    const pairs = readLink().filter(([key]) => fields.has(key));
    pairs.sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
    for (const [key, value] of pairs) send({ type: "set", key, value });
  } else if (start) {
    writeLink(state.settings, start, onUpload(state) ? state.upload.unlinked : []);
  }
  if (drawn) {
    drawn = false;
    requestAnimationFrame(redraw);
  }
}

// the page trains on a CSV uploaded from it (not on a data set a link can name)
function onUpload(state) {
  return state.upload !== null && state.settings["data.dataset"] === state.upload.dataset;
}

function onClose(text) {
  $("status").textContent = text;
  for (const button of document.querySelectorAll("button")) button.disabled = true;
}

function redraw() {
  drawn = true;
  const state = current;
  for (const button of document.querySelectorAll("header button")) button.disabled = false;
  $("status").textContent = state.playing ? "training…"
    : state.stop_reason ? `stopped: ${state.stop_reason}` : "paused";
  $("epoch").textContent = state.epoch;
  $("play").textContent = state.playing ? "pause" : "play";
  $("play").classList.toggle("on", state.playing);
  if (document.activeElement !== $("speed")) $("speed").value = String(state.speed);
  if (upload) showUpload(upload, fields, state, onUpload(state) ? start["data.dataset"] : null);
  showSettings(fields, state);
  const general = state.error && !fields.has(state.error.key) && state.error.key !== "data.upload";
  $("error").hidden = !general;
  $("error").textContent = general ? `Error: ${state.error.message}` : "";
  if (state.saved) {
    $("saved").hidden = false;
    $("saved").textContent = `saved to ${state.saved}`;
  }
  drawPictures(drawing, $("plane-view"), $("drawing-view"), $("unit-weights"), $("drawn-prediction"), state);
  showPlane(plane, state);
  drawRegions($("regions"), state);
  legend($("legend"), state);
  drawCurves($("loss"), $("accuracy"), state);
  drawNetwork($("network"), state, edit);
  edit.show(state.weights);
  drawSoftmax($("softmax"), state);
  drawExplain($("explain"), state);
  $("backprop").disabled = false;
  $("backprop").textContent = state.step ? "hide the step" : "show one step";
  $("backprop").classList.toggle("on", Boolean(state.step));
  $("apply").disabled = !state.step || Boolean(state.step.error);
  drawStep($("step-view"), state);
  irisnn.drawn += 1;
  // ready() resolves once the answer is drawn: a script then sees the page as the learner does
  if (settled()) waiting.splice(0).forEach((resolve) => resolve(irisnn.state()));
}

$("play").addEventListener("click", () => send({ type: current && current.playing ? "pause" : "play" }));
$("step").addEventListener("click", () => send({ type: "step" }));
$("reset").addEventListener("click", () => {
  edit.clear();
  send({ type: "reset" });
});
$("save").addEventListener("click", () => send({ type: "save" }));
$("backprop").addEventListener("click", () => send({ type: "backprop", show: !(current && current.step) }));
$("apply").addEventListener("click", () => send({ type: "apply" }));
$("regions").addEventListener("click", (event) => {
  if (!current) return;
  const box = event.currentTarget.getBoundingClientRect();
  const row = rowAt(event.currentTarget, current, event.clientX - box.left, event.clientY - box.top);
  if (row !== null) irisnn.select(row);
});
window.addEventListener("resize", () => current && redraw());

const irisnn = {
  state() {
    if (current === null) return null;
    const s = current.selected;
    return {
      epoch: current.epoch,
      settings: current.settings,
      weights: current.weights,
      history: current.history,
      selected: s && {
        row: s.row, inputs: s.inputs, raw_outputs: s.raw_outputs,
        probabilities: s.probabilities, prediction: s.prediction,
      },
      error: current.error,
      settled: settled(),
    };
  },
  ready: () => new Promise((resolve) => (settled() && drawn ? resolve(irisnn.state()) : waiting.push(resolve))),
  select: (row) => send({ type: "select", row }),
  // where a click selects row ``row`` (page coordinates), for tests that click as a learner does
  where(row) {
    const box = $("regions").getBoundingClientRect();
    const at = whereRow($("regions"), current, row);
    return at && [box.left + at[0], box.top + at[1]];
  },
  // the selected row's step of backprop as iris-nn backprop --format json prints it, or null
  step: () => (current && current.step) || null,
  drawn: 0, // views drawn so far: a benchmark waits for the drawing after an answer
  // where a stroke paints cell (i, j) of the drawing grid on image data (page coordinates)
  cell: (i, j) => whereCell(drawing, i, j),
  setWeight: (name, i, j, value) =>
    send(value === undefined ? { type: "weight", name, i, value: j } : { type: "weight", name, i, j, value }),
};
window.irisnn = irisnn;
