'use strict';
// STOMP over WebSocket peers for tests/interop/subprotocols/test_stomp.py.
//
//   node stomp.js server          a small STOMP 1.2 broker on `ws` (127.0.0.1, free port), speaking
//                                 v12.stomp: CONNECTED, MESSAGE to every subscriber of a destination,
//                                 RECEIPT for any frame with a receipt header, DISCONNECT; prints {"port": N}
//   node stomp.js client URL      an @stomp/stompjs Client: CONNECT, SUBSCRIBE, SEND with a receipt (the
//                                 MESSAGE comes back), SEND with a content-type and a body holding a
//                                 newline, UNSUBSCRIBE, DISCONNECT; prints {"event": "done"}
//   node stomp.js client URL --no-host
//                                 the same without connectHeaders: stompjs then sends CONNECT without the
//                                 host header STOMP 1.2 requires (its default)
const WebSocket = require('ws');

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

function frame(command, headers, body = '') {
  const lines = Object.entries(headers).map(([k, v]) => `${k}:${v}`);
  return `${command}\n${lines.join('\n')}\n\n${body}\0`;
}

function parse(text) {
  const frames = [];
  for (const raw of text.split('\0')) {
    const chunk = raw.replace(/^[\r\n]+/, '');
    if (!chunk) continue;
    const split = chunk.indexOf('\n\n');
    const head = (split < 0 ? chunk : chunk.slice(0, split)).split('\n');
    const headers = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0 && !(line.slice(0, i) in headers)) headers[line.slice(0, i)] = line.slice(i + 1);
    }
    frames.push({ command: head[0], headers, body: split < 0 ? '' : chunk.slice(split + 2) });
  }
  return frames;
}

async function server() {
  const wss = new WebSocket.Server({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('v12.stomp') ? 'v12.stomp' : false)
  });
  const subscriptions = new Map(); // destination -> [[ws, id]]
  let messageId = 0;
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      for (const f of parse(data.toString())) {
        const h = f.headers;
        if (f.command === 'CONNECT' || f.command === 'STOMP') {
          ws.send(frame('CONNECTED', { version: '1.2', 'heart-beat': '0,0', server: 'wsexplorer-test/1' }));
        } else if (f.command === 'SUBSCRIBE') {
          const list = subscriptions.get(h.destination) || [];
          list.push([ws, h.id]);
          subscriptions.set(h.destination, list);
        } else if (f.command === 'UNSUBSCRIBE') {
          for (const [dest, list] of subscriptions) subscriptions.set(dest, list.filter(([w, id]) => !(w === ws && id === h.id)));
        } else if (f.command === 'SEND') {
          for (const [w, id] of subscriptions.get(h.destination) || []) {
            const out = { subscription: id, 'message-id': String(++messageId), destination: h.destination };
            if (h['content-type']) out['content-type'] = h['content-type'];
            out['content-length'] = String(Buffer.byteLength(f.body));
            w.send(frame('MESSAGE', out, f.body));
          }
        }
        if (h.receipt) ws.send(frame('RECEIPT', { 'receipt-id': h.receipt }));
        if (f.command === 'DISCONNECT') setTimeout(() => ws.close(1000), 20);
      }
    });
  });
  await new Promise((r) => wss.on('listening', r));
  emit({ port: wss.address().port });
}

async function client(url, flag) {
  const { Client } = require('@stomp/stompjs');
  const received = [];
  const stomp = new Client({
    webSocketFactory: () => new WebSocket(url, ['v12.stomp', 'v11.stomp', 'v10.stomp']),
    connectHeaders: flag === '--no-host' ? {} : { host: '127.0.0.1' },
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    reconnectDelay: 0
  });
  const connected = new Promise((r) => (stomp.onConnect = r));
  stomp.activate();
  await connected;
  const got = new Promise((r) => {
    const sub = stomp.subscribe('/topic/chat', (m) => {
      received.push(m.body);
      if (received.length === 2) r(sub);
    });
  });
  const receipt = new Promise((r) => stomp.watchForReceipt('send-1', r));
  stomp.publish({ destination: '/topic/chat', body: 'hello, stomp', headers: { receipt: 'send-1' } });
  await receipt;
  stomp.publish({ destination: '/topic/chat', body: '{"text": "two\\nlines"}', headers: { 'content-type': 'application/json' } });
  const sub = await got;
  sub.unsubscribe();
  await stomp.deactivate();
  emit({ event: 'done', received });
  process.exit(0);
}

const [mode, url, flag] = process.argv.slice(2);
({ server, client })[mode](url, flag).catch((err) => {
  emit({ event: 'error', message: String(err && err.stack ? err.stack : err) });
  process.exit(1);
});
