'use strict';
// A `ws` echo server for wsexplorer's interop tests (tests/interop/test_node_ws.py).
//
// Adapted from the Node.js example of the handshake reference (a `WebSocket.Server` that answers every
// message), with these changes: it binds 127.0.0.1 on a free port and prints {"port": N} as its first
// stdout line; it echoes each message as it came (text as text, binary as binary, no "Echo: " prefix);
// it reports what it sees as one JSON line per event; and a text message starting with "!" is a command:
//
//   !close CODE      close with CODE and the reason "node closes with CODE"
//   !close           close without a status code (the peer sees 1005)
//   !terminate       destroy the socket without a closing handshake (the peer sees 1006)
//   !ping DATA       send a ping with payload DATA (the pong is reported)
//   !big N           send N random bytes as one binary message
//   !raw HEX         write HEX to the TCP socket as is (hand-made frames)
//
// Usage: node echo-server.js [--no-deflate] [--max-payload N]
//   --no-deflate     refuse permessage-deflate (default: accept it, with threshold 0 so that every
//                    message is compressed)
//   --max-payload N  ws's maxPayload (default 100 MiB); a larger message fails the connection with 1009
// WS_INTEROP_DEFLATE=0 and WS_INTEROP_MAX_PAYLOAD=N in the environment do the same.

const crypto = require('crypto');
const WebSocket = require('ws');

function options(argv, env) {
  const opts = {
    deflate: env.WS_INTEROP_DEFLATE !== '0',
    maxPayload: env.WS_INTEROP_MAX_PAYLOAD ? Number(env.WS_INTEROP_MAX_PAYLOAD) : 100 * 1024 * 1024
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-deflate') opts.deflate = false;
    else if (argv[i] === '--deflate') opts.deflate = true;
    else if (argv[i] === '--max-payload') opts.maxPayload = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return opts;
}

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

function describe(data, isBinary) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data);
  const event = {
    kind: isBinary ? 'binary' : 'text',
    length: buf.length,
    sha256: crypto.createHash('sha256').update(buf).digest('hex')
  };
  if (!isBinary && buf.length <= 200) event.text = buf.toString('utf8');
  return event;
}

function command(ws, text) {
  const [name, ...rest] = text.slice(1).split(' ');
  const arg = rest.join(' ');
  if (name === 'close' && arg === '') ws.close();
  else if (name === 'close') ws.close(Number(arg), `node closes with ${arg}`);
  else if (name === 'terminate') ws.terminate();
  else if (name === 'ping') ws.ping(arg);
  else if (name === 'big') ws.send(crypto.randomBytes(Number(arg)), { binary: true });
  else if (name === 'raw') ws._socket.write(Buffer.from(arg, 'hex')); // ws keeps its net.Socket here
  else emit({ event: 'unknown-command', text });
}

const opts = options(process.argv.slice(2), process.env);
const wss = new WebSocket.Server({
  host: '127.0.0.1',
  port: 0,
  maxPayload: opts.maxPayload,
  perMessageDeflate: opts.deflate ? { threshold: 0 } : false
});

wss.on('listening', () => emit({ port: wss.address().port }));

wss.on('connection', (ws, request) => {
  emit({
    event: 'connection',
    extensions: ws.extensions,
    offered: request.headers['sec-websocket-extensions'] || '',
    protocol: ws.protocol
  });
  ws.on('message', (data, isBinary) => {
    emit({ event: 'message', ...describe(data, isBinary) });
    if (!isBinary && data.length > 0 && data[0] === 0x21 /* ! */) command(ws, data.toString('utf8'));
    else ws.send(data, { binary: isBinary });
  });
  ws.on('ping', (data) => emit({ event: 'ping', data: data.toString('utf8') }));
  ws.on('pong', (data) => emit({ event: 'pong', data: data.toString('utf8') }));
  ws.on('error', (err) => emit({ event: 'error', code: err.code, message: err.message }));
  ws.on('close', (code, reason) => emit({ event: 'close', code, reason: reason.toString('utf8') }));
});

process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close(() => process.exit(0));
});
