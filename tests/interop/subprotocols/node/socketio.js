'use strict';
// Socket.IO peers for tests/interop/subprotocols/test_socketio.py (Socket.IO v5 over Engine.IO v4,
// WebSocket transport only).
//
//   node socketio.js server       a socket.io server on 127.0.0.1 (free port): namespace "/" answers
//                                 "hello" with an ack; namespace "/chat" broadcasts "chat" messages,
//                                 acks them, echoes "upload" (binary) as "download", and asks the
//                                 client for an ack ("ping?"); prints {"port": N}
//   node socketio.js client URL   a socket.io-client: joins "/" and "/chat" on one connection, says
//                                 hello (ack), chats (ack), uploads binary, answers the server's ack
//                                 request, leaves "/chat", disconnects; prints {"event": "done"}
function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

async function server() {
  const { Server } = require('socket.io');
  const io = new Server({ transports: ['websocket'], pingInterval: 60000 });
  io.on('connection', (socket) => {
    socket.on('hello', (name, ack) => ack({ greeting: `hello, ${name}` }));
  });
  io.of('/chat').on('connection', (socket) => {
    socket.on('chat', (msg, ack) => {
      io.of('/chat').emit('chat', { from: socket.id.slice(0, 4), text: msg.text });
      ack('delivered');
    });
    socket.on('upload', (name, data) => socket.emit('download', name, Buffer.from(data).reverse()));
    socket.on('ready', () => socket.emit('ping?', 42, (answer) => emit({ event: 'client-acked', answer })));
  });
  io.listen(0, { host: '127.0.0.1' });
  // socket.io's listen() takes a port; find the one the OS chose
  const srv = io.httpServer;
  await new Promise((r) => (srv.listening ? r() : srv.on('listening', r)));
  emit({ port: srv.address().port });
}

async function client(url) {
  const { io } = require('socket.io-client');
  const opts = { transports: ['websocket'], reconnection: false, forceNew: false };
  const main = io(url, opts);
  const chat = io(url + '/chat', opts);
  await Promise.all([main, chat].map((s) => new Promise((r) => s.on('connect', r))));
  emit({ event: 'hello', ack: await main.emitWithAck('hello', 'node') });
  const heard = new Promise((r) => chat.once('chat', r));
  emit({ event: 'chat', ack: await chat.emitWithAck('chat', { text: 'hi all' }), heard: await heard });
  const download = new Promise((r) => chat.once('download', (name, data) => r({ name, data: [...data] })));
  chat.emit('upload', 'bytes.bin', Buffer.from([1, 2, 3, 0, 255]));
  emit({ event: 'download', ...(await download) });
  const asked = new Promise((r) => chat.once('ping?', (n, ack) => { ack(n + 1); r(n); }));
  chat.emit('ready');
  emit({ event: 'asked', n: await asked });
  await new Promise((r) => setTimeout(r, 100));
  chat.disconnect();
  await new Promise((r) => setTimeout(r, 50));
  main.disconnect();
  await new Promise((r) => setTimeout(r, 100));
  emit({ event: 'done' });
  process.exit(0);
}

const [mode, url] = process.argv.slice(2);
({ server, client })[mode](url).catch((err) => {
  emit({ event: 'error', message: String(err && err.stack ? err.stack : err) });
  process.exit(1);
});
