'use strict';
// MQTT over WebSocket peers for tests/interop/subprotocols/test_mqtt.py (MQTT 3.1.1).
//
//   node mqtt.js broker          an aedes broker behind websocket-stream on 127.0.0.1 (free port);
//                                prints {"port": N}
//   node mqtt.js client URL      an mqtt.js client: CONNECT with a will, a retained PUBLISH, SUBSCRIBE
//                                at QoS 0, 1 and 2 (the retained message comes back), PUBLISH at each
//                                QoS to itself (QoS 2: PUBREC, PUBREL, PUBCOMP), UNSUBSCRIBE, PINGREQ,
//                                DISCONNECT; prints one line per message received and {"event":"done"}
function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

async function broker() {
  const aedes = require('aedes')();
  const http = require('http');
  const websocket = require('websocket-stream');
  const server = http.createServer();
  websocket.createServer({ server }, aedes.handle);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  emit({ port: server.address().port });
}

async function client(url) {
  const mqtt = require('mqtt');
  const c = await mqtt.connectAsync(url, {
    clientId: 'wsexplorer-node',
    protocolVersion: 4,
    keepalive: 30,
    reconnectPeriod: 0,
    will: { topic: 'status/wsexplorer-node', payload: Buffer.from('gone'), qos: 1, retain: true }
  });
  const got = [];
  c.on('message', (topic, payload, packet) => {
    got.push(topic);
    emit({ event: 'message', topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain });
  });
  await c.publishAsync('retained/greeting', 'kept for later', { qos: 1, retain: true });
  await c.subscribeAsync({ 'q0/+': { qos: 0 }, 'q1/+': { qos: 1 }, 'q2/+': { qos: 2 }, 'retained/+': { qos: 1 } });
  await c.publishAsync('q0/a', 'at most once', { qos: 0 });
  await c.publishAsync('q1/a', 'at least once', { qos: 1 });
  await c.publishAsync('q2/a', 'exactly once', { qos: 2 });
  for (let i = 0; i < 100 && got.length < 4; i++) await new Promise((r) => setTimeout(r, 20));
  await c.unsubscribeAsync(['q0/+', 'q1/+']);
  await new Promise((r) => c._sendPacket({ cmd: 'pingreq' }, r));
  await new Promise((r) => setTimeout(r, 100));
  await c.endAsync();
  emit({ event: 'done', received: got });
}

const [mode, url] = process.argv.slice(2);
({ broker, client })[mode](url).catch((err) => {
  emit({ event: 'error', message: String(err && err.stack ? err.stack : err) });
  process.exit(1);
});
