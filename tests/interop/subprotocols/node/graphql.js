'use strict';
// GraphQL over WebSocket peers for tests/interop/subprotocols/test_graphql.py.
//
//   node graphql.js server          graphql-ws (graphql-transport-ws) and subscriptions-transport-ws
//                                   (graphql-ws, the legacy protocol) servers on 127.0.0.1, free ports;
//                                   prints {"modern": PORT, "legacy": PORT}
//   node graphql.js client URL      the graphql-ws client: a query, a subscription streaming 3 results
//                                   then completing, a subscription whose resolver fails (an error), a
//                                   query that does not validate (an error), then it disposes
//   node graphql.js legacy URL      the subscriptions-transport-ws client: the same conversation
//
// Each prints one JSON line per result and {"event": "done"} at the end.
const { WebSocketServer, WebSocket } = require('ws');
const { buildSchema } = require('graphql');

const schema = buildSchema(`
  type Query { hello: String }
  type Subscription { countdown(from: Int!): Int, failing: Int }
`);

const root = {
  hello: () => 'world',
  countdown: async function* ({ from }) {
    for (let i = from; i >= 0; i--) yield { countdown: i };
  },
  failing: async function* () {
    throw new Error('the resolver failed on purpose');
  }
};

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

const COUNTDOWN = 'subscription { countdown(from: 2) }';

async function server() {
  const { useServer } = require('graphql-ws/use/ws');
  const { SubscriptionServer } = require('subscriptions-transport-ws');
  const { execute, subscribe } = require('graphql');
  const modern = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/graphql' });
  useServer({ schema, roots: { query: root, subscription: root } }, modern);
  const legacy = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/legacy' });
  SubscriptionServer.create({ schema, execute, subscribe, rootValue: root }, legacy);
  await Promise.all([modern, legacy].map((s) => new Promise((r) => s.on('listening', r))));
  emit({ modern: modern.address().port, legacy: legacy.address().port });
}

function modernRun(client, query) {
  return new Promise((resolve) => {
    const results = [];
    client.subscribe(
      { query },
      {
        next: (data) => results.push(data),
        error: (err) => resolve({ query, results, error: Array.isArray(err) ? err.map((e) => e.message) : String(err.message || err) }),
        complete: () => resolve({ query, results })
      }
    );
  });
}

async function client(url) {
  const { createClient } = require('graphql-ws');
  const client = createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  for (const query of ['{ hello }', COUNTDOWN, 'subscription { failing }', '{ nosuchfield }']) {
    emit({ event: 'result', ...(await modernRun(client, query)) });
  }
  await client.dispose();
  emit({ event: 'done' });
}

function legacyRun(client, query) {
  return new Promise((resolve) => {
    const results = [];
    client.request({ query }).subscribe({
      next: (data) => results.push(data),
      error: (err) => resolve({ query, results, error: String(err.message || err) }),
      complete: () => resolve({ query, results })
    });
  });
}

async function legacy(url) {
  const { SubscriptionClient } = require('subscriptions-transport-ws');
  const client = new SubscriptionClient(url, { reconnect: false }, WebSocket);
  for (const query of ['{ hello }', COUNTDOWN, '{ nosuchfield }']) {
    emit({ event: 'result', ...(await legacyRun(client, query)) });
  }
  client.close();
  emit({ event: 'done' });
}

const [mode, url] = process.argv.slice(2);
({ server, client, legacy })[mode](url).catch((err) => {
  emit({ event: 'error', message: String(err && err.stack ? err.stack : err) });
  process.exit(1);
});
