// A link reproduces a setup: the settings that differ from the start config live in the URL's
// fragment (#train.lr=0.1&model.hidden=[8,4]), as TF Playground keeps its state there.

export function readLink() {
  const pairs = [];
  const fragment = decodeURIComponent(window.location.hash.replace(/^#/, ""));
  for (const part of fragment.split("&")) {
    const at = part.indexOf("=");
    if (at <= 0) continue;
    const key = part.slice(0, at);
    try {
      pairs.push([key, JSON.parse(part.slice(at + 1))]);
    } catch {
      pairs.push([key, part.slice(at + 1)]);
    }
  }
  return pairs;
}

// ``unlinked``: keys left out (an uploaded file's place: a link cannot carry the file)
export function writeLink(settings, start, unlinked = []) {
  const parts = [];
  for (const [key, value] of Object.entries(settings)) {
    if (unlinked.includes(key)) continue;
    if (JSON.stringify(value) !== JSON.stringify(start[key])) {
      parts.push(`${key}=${encodeURIComponent(JSON.stringify(value))}`);
    }
  }
  const hash = parts.length ? "#" + parts.join("&") : "";
  if (hash !== window.location.hash) {
    history.replaceState(null, "", window.location.pathname + window.location.search + hash);
  }
}
