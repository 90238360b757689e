// The connection: one WebSocket to /ws. Every message sent carries an id; the server's answer
// echoes it, so the page knows when everything sent has been answered ("settled").

const query = new URL(import.meta.url).search; // carries ?token=... when the server wants one

export function connect({ onControls, onState, onClose }) {
  const url = new URL("../ws" + query, import.meta.url).href.replace(/^http/, "ws");
  const socket = new WebSocket(url);
  const pending = new Set();
  let nextId = 1;
  let opened = false;
  const queue = []; // messages asked for before the socket opened

  socket.addEventListener("open", () => {
    opened = true;
    queue.splice(0).forEach((text) => socket.send(text));
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "controls") onControls(message);
    else if (message.type === "state") {
      if (message.answered !== null) pending.delete(message.answered);
      onState(message.state, message.answered);
    } else onClose(`Error: ${message.message}`);
  });
  socket.addEventListener("close", () => onClose("disconnected: reload the page"));

  return {
    send(message) {
      const id = nextId++;
      pending.add(id);
      const text = JSON.stringify({ ...message, id });
      if (opened) socket.send(text);
      else queue.push(text);
      return id;
    },
    // raw bytes (an upload's pieces): no id, no answer of their own
    sendBytes(buffer) {
      if (opened) socket.send(buffer);
      else queue.push(buffer);
    },
    answeredAll: () => pending.size === 0,
  };
}
