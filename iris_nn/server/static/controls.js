// The controls, built from the settings schema the server sends: each setting a field named by
// its dotted key (applied on change: Enter or leaving the field), a slider beside it where the
// schema has one, and the schema's message beside the field when the server refuses a value.

import { element } from "./draw.js";

const SECTIONS = { "": "run", data: "data", model: "network", train: "training", plots: "views" };
const SPEEDS = [[1, "1 epoch"], [5, "5 epochs"], [20, "20 epochs"], [100, "100 epochs"], [0, "full speed"]];

function shown(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

function parsed(text, control) {
  const t = text.trim();
  if (control.kind === "list") {
    if (t.startsWith("[")) {
      try { return JSON.parse(t); } catch { return t; }
    }
    const items = t === "" ? [] : t.split(",").map((s) => s.trim());
    return control.type === "list[int]" ? items.map((s) => (s !== "" && !Number.isNaN(Number(s)) ? Number(s) : s)) : items;
  }
  if (control.type === "int" || control.type === "float") {
    if (t === "") return null;
    const number = Number(t);
    return Number.isNaN(number) ? t : number;
  }
  return t;
}

// The slider's position for a value, and the value for a position (log sliders move in decades).
function toSlider(value, control) {
  return control.scale === "log" ? Math.log10(value) : value;
}
function fromSlider(position, control) {
  if (control.scale === "log") return Number((10 ** position).toPrecision(2));
  return control.integer ? Math.round(position) : Number(Number(position).toPrecision(3));
}

export function buildControls(root, controls, send) {
  const fields = new Map(); // key -> {control, field, slider, message}
  root.replaceChildren();
  const groups = new Map();
  for (const control of controls) {
    const section = control.key.includes(".") ? control.key.split(".")[0] : "";
    if (!groups.has(section)) {
      const fieldset = element("fieldset");
      fieldset.append(element("legend", {}, SECTIONS[section] || section));
      groups.set(section, fieldset);
      root.append(fieldset);
    }
    const row = element("div", { class: "setting" });
    const id = `setting-${control.key}`;
    // a zero-width space after "." and "_": a long key breaks there, not mid-word
    const label = element("label", { for: id, title: control.help }, control.key.replace(/([._])/g, "$1\u200b"));
    let field;
    if (control.kind === "choice") {
      field = element("select", { id, name: control.key });
      for (const option of control.options || []) field.append(element("option", { value: option }, option));
    } else if (control.kind === "toggle") {
      field = element("input", { id, name: control.key, type: "checkbox" });
    } else {
      field = element("input", { id, name: control.key, type: "text", spellcheck: "false", autocomplete: "off" });
    }
    field.title = `${control.help}; allowed: ${control.allowed}`;
    const message = element("p", { class: "message", role: "alert", "data-key": control.key });
    message.hidden = true;
    row.append(label, field);
    let slider = null;
    if (control.kind === "slider") {
      const low = toSlider(control.low, control);
      const high = toSlider(control.high, control);
      const step = control.scale === "log" ? 0.01 : control.integer ? 1 : (high - low) / 100;
      slider = element("input", {
        type: "range", min: low, max: high, step, "aria-label": `${control.key} slider`,
      });
      slider.addEventListener("input", () => { field.value = String(fromSlider(Number(slider.value), control)); });
      slider.addEventListener("change", () => apply());
      field.addEventListener("input", () => {
        const v = Number(field.value);
        if (Number.isFinite(v) && v > 0 || control.scale !== "log") slider.value = toSlider(v, control);
      });
      row.append(slider);
      row.classList.add("with-slider");
    }
    row.append(message);
    const apply = () => {
      const value = control.kind === "toggle" ? field.checked : control.kind === "choice" ? field.value : parsed(field.value, control);
      send({ type: "set", key: control.key, value });
    };
    field.addEventListener("change", apply);
    if (control.kind !== "toggle" && control.kind !== "choice") {
      field.addEventListener("keydown", (e) => { if (e.key === "Enter") field.blur(); });
    }
    groups.get(section).append(row);
    fields.set(control.key, { control, field, slider, message });
  }
  return fields;
}

export function showSettings(fields, state) {
  for (const [key, { control, field, slider, message }] of fields) {
    const value = state.settings[key];
    const mine = state.error && state.error.key === key;
    message.hidden = !mine;
    message.textContent = mine ? `Error: ${state.error.message}` : "";
    field.classList.toggle("bad", mine);
    if (mine || document.activeElement === field) continue; // keep what the learner typed
    if (control.kind === "toggle") field.checked = Boolean(value);
    else if (control.kind === "choice") field.value = shown(value);
    else field.value = shown(value);
    if (slider && typeof value === "number" && (control.scale !== "log" || value > 0)) {
      slider.value = toSlider(value, control);
    }
  }
}

// The plane's two inputs as two choices of the numeric inputs, writing plots.plane.
export function buildPlane(root, send) {
  const x = element("select", { id: "plane-x", "aria-label": "plane x input" });
  const y = element("select", { id: "plane-y", "aria-label": "plane y input" });
  const change = () => send({ type: "set", key: "plots.plane", value: [x.value, y.value] });
  x.addEventListener("change", change);
  y.addEventListener("change", change);
  root.replaceChildren(element("span", {}, "plane: x "), x, element("span", {}, " y "), y);
  return { x, y };
}

export function showPlane(plane, state) {
  const inputs = state.plane.inputs; // numeric inputs only: a column=value input is never swept
  for (const [select, name] of [[plane.x, state.plane.features[0]], [plane.y, state.plane.features[1]]]) {
    const names = Array.from(select.options, (o) => o.value);
    if (names.join() !== inputs.join()) {
      select.replaceChildren(...inputs.map((f) => element("option", { value: f }, f)));
    }
    if (document.activeElement !== select) select.value = name;
  }
}

export function buildSpeed(select, send) {
  select.replaceChildren(...SPEEDS.map(([n, text]) => element("option", { value: n }, text)));
  select.addEventListener("change", () => send({ type: "speed", epochs: Number(select.value) }));
}
