// The connection: one WebSocket to /ws; the state arrives from the server and the page redraws
// from it. The page computes nothing of its own (every number comes from the engine).

const query = new URL(import.meta.url).search; // carries ?token=... when the server wants one
const socket = new WebSocket(new URL("../ws" + query, import.meta.url).href.replace(/^http/, "ws"));
let current = null;
let nextId = 1;
const pending = new Set();
const waiting = [];

function send(message) {
  const id = nextId++;
  pending.add(id);
  socket.send(JSON.stringify({ ...message, id }));
  return id;
}

function settled() {
  return current !== null && pending.size === 0 && !current.playing;
}

function show(id, value) {
  const el = document.getElementById(id);
  el.textContent = value === null || value === undefined ? "–" : String(value);
}

function last(column) {
  return column && column.length ? column[column.length - 1] : null;
}

function round(x) {
  return x === null ? null : Number(x).toFixed(4);
}

function redraw(state) {
  document.getElementById("status").textContent =
    state.playing ? "training…" : state.stop_reason ? `stopped (${state.stop_reason})` : "paused";
  show("epoch", state.epoch);
  show("train_loss", round(last(state.history.train_loss)));
  show("val_loss", round(last(state.history.val_loss)));
  show("test_accuracy", round(last(state.history.test_accuracy)));
  document.getElementById("play").textContent = state.playing ? "pause" : "play";
  for (const input of document.querySelectorAll("input[name]")) {
    if (document.activeElement !== input) input.value = state.settings[input.name];
  }
  const error = document.getElementById("error");
  error.hidden = !state.error;
  error.textContent = state.error ? `Error: ${state.error.message}` : "";
  if (state.saved) {
    const saved = document.getElementById("saved");
    saved.hidden = false;
    saved.textContent = `saved ${state.saved}`;
  }
}

socket.addEventListener("message", (event) => {
  const message = JSON.parse(event.data);
  if (message.type !== "state") {
    document.getElementById("status").textContent = `Error: ${message.message}`;
    return;
  }
  if (message.answered !== null) pending.delete(message.answered);
  current = message.state;
  redraw(current);
  if (settled()) waiting.splice(0).forEach((resolve) => resolve(current));
});

socket.addEventListener("open", () => {
  for (const button of document.querySelectorAll("button")) button.disabled = false;
});

socket.addEventListener("close", () => {
  document.getElementById("status").textContent = "disconnected: reload the page";
  for (const button of document.querySelectorAll("button")) button.disabled = true;
});

document.getElementById("play").addEventListener("click", () =>
  send({ type: current && current.playing ? "pause" : "play" }));
document.getElementById("step").addEventListener("click", () => send({ type: "step" }));
document.getElementById("reset").addEventListener("click", () => send({ type: "reset" }));
document.getElementById("save").addEventListener("click", () => send({ type: "save" }));

for (const input of document.querySelectorAll("input[name]")) {
  input.addEventListener("change", () => {
    const text = input.value.trim();
    const number = Number(text);
    send({ type: "set", key: input.name, value: text !== "" && !Number.isNaN(number) ? number : text });
  });
}

window.irisnn = {
  state: () => (current === null ? null : { ...current, settled: settled() }),
  ready: () => new Promise((resolve) => (settled() ? resolve(current) : waiting.push(resolve))),
  select: (row) => send({ type: "select", row }),
  setWeight: (name, i, j, value) =>
    send(value === undefined ? { type: "weight", name, i, value: j } : { type: "weight", name, i, j, value }),
};
