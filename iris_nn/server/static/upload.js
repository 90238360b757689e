// A CSV from this computer (at most 100 MB): the page reads the file, then sends it over its socket
// in binary pieces right after an "upload" message; the server reads it with the project's CSV
// reader. The reader's error shows beside the control, its warnings under it.

import { element } from "./draw.js";

export const MAX_UPLOAD = 100 * 1024 * 1024;
const PIECE = 1024 * 1024; // bytes a message: well under the server's limit for one message

export function buildUpload(fields, connection) {
  const dataset = fields.get("data.dataset");
  const row = element("div", { class: "setting upload" });
  const label = element("label", { for: "upload" }, "upload a CSV");
  const input = element("input", { id: "upload", type: "file", accept: ".csv,text/csv" });
  input.title = "a CSV file of at most 100 MB: a header row, then one row per example";
  const message = element("p", { class: "message", role: "alert", "data-key": "data.upload" });
  const notes = element("p", { class: "notes", id: "upload-notes" });
  const link = element("p", { class: "notes", id: "upload-link" });
  let local = null; // a refusal made here, before anything was sent
  message.hidden = notes.hidden = link.hidden = true;
  row.append(label, input, message, notes, link);
  (dataset ? dataset.field.closest(".setting") : null)?.after(row);
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    input.value = "";
    if (file.size > MAX_UPLOAD) {
      local = `${file.name} has ${file.size.toLocaleString("en")} bytes; allowed: at most 100 MB`;
      message.hidden = false;
      message.textContent = `Error: ${local}`;
      return;
    }
    local = null;
    const bytes = await file.arrayBuffer();
    // no await between the pieces: nothing else the page sends can come between them
    connection.send({ type: "upload", name: file.name, size: bytes.byteLength });
    for (let at = 0; at < bytes.byteLength; at += PIECE) connection.sendBytes(bytes.slice(at, at + PIECE));
  });
  return { message, notes, link, local: () => local };
}

// ``linkOpens``: the data set a copied link opens on, while the page trains on an uploaded file
export function showUpload(upload, fields, state, linkOpens) {
  const dataset = fields.get("data.dataset");
  if (dataset && state.upload) {
    const select = dataset.field;
    let option = select.querySelector("option.uploaded");
    if (!option) {
      option = element("option", { class: "uploaded" });
      select.append(option);
    }
    option.value = state.upload.dataset;
    option.textContent = `${state.upload.name} (uploaded)`;
  }
  const mine = state.error && state.error.key === "data.upload";
  if (mine || !upload.local()) {
    upload.message.hidden = !mine;
    upload.message.textContent = mine ? `Error: ${state.error.message}` : "";
  }
  upload.notes.hidden = state.notes.length === 0;
  upload.notes.textContent = state.notes.map((note) => `Warning: ${note}`).join("\n");
  upload.link.hidden = !linkOpens;
  upload.link.textContent = linkOpens
    ? `The link leaves out the uploaded file (a link cannot carry a file): it opens on ${linkOpens}.`
    : "";
}
