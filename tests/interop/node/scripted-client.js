'use strict';
// A scripted `ws` client for wsexplorer's interop tests (tests/interop/test_node_ws.py).
//
// Usage: node scripted-client.js URL SCRIPT_JSON
//
// SCRIPT_JSON is {"deflate": bool, "maxPayload": N, "steps": [STEP, ...]}; the steps run in order once
// the connection is open:
//   {"op": "send", "kind": "text", "data": "..."}         one text message
//   {"op": "send", "kind": "binary", "hex": "00ff"}       one binary message
//   {"op": "send", "kind": "text"|"binary", "size": N}     N pseudo-random bytes (text: printable ASCII)
//   {"op": "fragments", "kind": "text", "parts": [...]}   one message in len(parts) frames, sent with
//   {"op": "fragments", "kind": "binary", "hex": [...]}     ws.send(part, {fin: false}) but the last
//   {"op": "wait", "messages": N}                         wait until N messages were received in all
//   {"op": "ping", "data": "..."}                         ping, and wait for the pong
//   {"op": "raw", "hex": "..."}                           write bytes to the TCP socket as they are
//   {"op": "close", "code": N, "reason": "..."}           close (without "code": no status code)
//   {"op": "terminate"}                                   destroy the socket, no closing handshake
// After the last step the client waits for the connection to close (the server may close it).
//
// It prints one JSON line per event: open (negotiated extensions), sent (kind, length, sha256, frames),
// message (kind, length, sha256, text if short), ping, pong (data, rtt_ms), error (ws's error code),
// close (code, reason), and finally done. Exit status 0 unless the script itself broke.

const crypto = require('crypto');
const WebSocket = require('ws');

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

function payload(kind, step) {
  if (step.size !== undefined) {
    const bytes = crypto.randomBytes(step.size);
    // Text: map each random byte to printable ASCII so the message is valid UTF-8.
    if (kind === 'text') for (let i = 0; i < bytes.length; i++) bytes[i] = 0x20 + (bytes[i] % 95);
    return bytes;
  }
  return kind === 'text' ? Buffer.from(step.data, 'utf8') : Buffer.from(step.hex, 'hex');
}

function sendAsync(ws, data, options) {
  return new Promise((resolve, reject) => ws.send(data, options, (err) => (err ? reject(err) : resolve())));
}

async function main() {
  const [url, scriptJson] = process.argv.slice(2);
  const script = JSON.parse(scriptJson);
  const ws = new WebSocket(url, {
    perMessageDeflate: script.deflate ? { threshold: 0 } : false,
    maxPayload: script.maxPayload || 100 * 1024 * 1024
  });

  let received = 0;
  let waiter = null;
  let pongWaiter = null;
  const closed = new Promise((resolve) => {
    ws.on('close', (code, reason) => {
      emit({ event: 'close', code, reason: reason.toString('utf8') });
      if (waiter) waiter.resolve();
      if (pongWaiter) pongWaiter();
      resolve();
    });
  });
  ws.on('error', (err) => emit({ event: 'error', code: err.code, message: err.message }));
  ws.on('message', (data, isBinary) => {
    received += 1;
    const event = { event: 'message', kind: isBinary ? 'binary' : 'text', length: data.length };
    event.sha256 = sha256(data);
    if (!isBinary && data.length <= 200) event.text = data.toString('utf8');
    emit(event);
    if (waiter && received >= waiter.count) waiter.resolve();
  });
  ws.on('ping', (data) => emit({ event: 'ping', data: data.toString('utf8') }));

  const opened = await new Promise((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('close', () => resolve(false));
  });
  if (!opened) return;
  emit({ event: 'open', extensions: ws.extensions, protocol: ws.protocol });

  for (const step of script.steps) {
    if (ws.readyState !== WebSocket.OPEN) break;
    if (step.op === 'send') {
      const data = payload(step.kind, step);
      emit({ event: 'sent', kind: step.kind, length: data.length, sha256: sha256(data), frames: 1 });
      await sendAsync(ws, data, { binary: step.kind === 'binary' });
    } else if (step.op === 'fragments') {
      const parts = step.kind === 'text' ? step.parts.map((p) => Buffer.from(p, 'utf8')) : step.hex.map((h) => Buffer.from(h, 'hex'));
      const whole = Buffer.concat(parts);
      emit({ event: 'sent', kind: step.kind, length: whole.length, sha256: sha256(whole), frames: parts.length });
      for (let i = 0; i < parts.length; i++) {
        await sendAsync(ws, parts[i], { binary: step.kind === 'binary', fin: i === parts.length - 1 });
      }
    } else if (step.op === 'wait') {
      if (received < step.messages) {
        await new Promise((resolve) => {
          waiter = { count: step.messages, resolve };
        });
        waiter = null;
      }
    } else if (step.op === 'ping') {
      const start = process.hrtime.bigint();
      const pong = new Promise((resolve) => {
        pongWaiter = resolve;
        ws.once('pong', (data) => resolve(data));
      });
      ws.ping(step.data);
      const data = await pong;
      pongWaiter = null;
      if (data !== undefined) {
        const rtt = Number(process.hrtime.bigint() - start) / 1e6;
        emit({ event: 'pong', data: data.toString('utf8'), rtt_ms: rtt });
      }
    } else if (step.op === 'raw') {
      ws._socket.write(Buffer.from(step.hex, 'hex')); // ws keeps its net.Socket here
    } else if (step.op === 'close') {
      if (step.code === undefined) ws.close();
      else ws.close(step.code, step.reason || '');
    } else if (step.op === 'terminate') {
      ws.terminate();
    } else {
      throw new Error(`unknown step ${JSON.stringify(step)}`);
    }
  }
  await closed;
  emit({ event: 'done' });
}

// A safety net: never outlive a broken test by more than 20 s.
setTimeout(() => {
  emit({ event: 'timeout' });
  process.exit(3);
}, 20000).unref();

main().catch((err) => {
  emit({ event: 'script-error', message: String(err && err.stack) });
  process.exitCode = 2;
});
