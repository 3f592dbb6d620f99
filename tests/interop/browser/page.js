"use strict";
// Adapted from the browser example of the seed text: new WebSocket(url) with onopen, onmessage,
// onclose and onerror handlers. Every event goes to window.__events (read by the test with
// page.evaluate) and to the visible log. Messages are described by type, byte length, SHA-256
// and (when short) the text itself.

window.__events = [];
let ws = null;
// Events are logged through one promise chain so that a message whose digest is still being
// computed is never overtaken by the close event that follows it.
let chain = Promise.resolve();

const SHORT = 200;
const encoder = new TextEncoder();

function describe(e) {
  switch (e.type) {
    case "open":
      return `open  ${e.url}  protocol=${JSON.stringify(e.protocol)}  extensions=${JSON.stringify(e.extensions)}`;
    case "message":
    case "sent":
      return `${e.type === "sent" ? "sent " : "recv "} ${e.kind} ${e.bytes} B  sha256=${e.sha256.slice(0, 16)}…` +
        (e.text !== undefined ? `  ${JSON.stringify(e.text)}` : "");
    case "close":
      return `close code=${e.code} reason=${JSON.stringify(e.reason)} wasClean=${e.wasClean}`;
    default:
      return `${e.type} ${e.message || ""}`;
  }
}

function log(event) {
  event.seq = window.__events.length;
  event.t = performance.now();
  window.__events.push(event);
  const li = document.createElement("li");
  li.className = event.type;
  li.textContent = describe(event);
  document.getElementById("log").appendChild(li);
}

function record(make) {
  chain = chain.then(make).then(log, (err) => log({ type: "page-error", message: String(err) }));
  return chain;
}

async function sha256(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function describeData(type, data) {
  if (typeof data === "string") {
    const bytes = encoder.encode(data);
    const e = { type, kind: "text", bytes: bytes.length, sha256: await sha256(bytes) };
    if (data.length <= SHORT) e.text = data;
    return e;
  }
  return { type, kind: "binary", bytes: data.byteLength, sha256: await sha256(data) };
}

// n bytes with byte i = i % 251 (the test builds the same pattern).
function pattern(n) {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = i % 251;
  return bytes;
}

window.wsConnect = function (url, protocols) {
  document.getElementById("url").textContent = url;
  ws = protocols ? new WebSocket(url, protocols) : new WebSocket(url);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => record(() => ({ type: "open", url: ws.url, protocol: ws.protocol, extensions: ws.extensions }));
  ws.onmessage = (event) => record(() => describeData("message", event.data));
  ws.onclose = (event) =>
    record(() => ({ type: "close", code: event.code, reason: event.reason, wasClean: event.wasClean }));
  ws.onerror = () => record(() => ({ type: "error", message: "WebSocket error event" }));
};

// The functions the test calls with page.evaluate; each returns once the send is logged.
window.wsSendText = function (text) {
  ws.send(text);
  return record(() => describeData("sent", text));
};

window.wsSendTextOfLength = function (n) {
  return window.wsSendText("wsexplorer ".repeat(Math.ceil(n / 11)).slice(0, n));
};

window.wsSendBinary = function (n) {
  const bytes = pattern(n);
  ws.send(bytes.buffer);
  return record(() => describeData("sent", bytes.buffer));
};

window.wsClose = function (code, reason) {
  ws.close(code, reason);
};

window.wsState = () => (ws ? ws.readyState : -1);

const target = new URLSearchParams(location.search).get("ws");
if (target) window.wsConnect(target);
