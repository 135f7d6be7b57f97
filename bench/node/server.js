'use strict';
/**
 * The HTTP server of bench/node.ts: GET /item?id=N builds an item, serializes and
 * parses it (JSON work), and answers a summary of it and of its neighbours, from a
 * bounded cache of items (two generations: the older is dropped whole when the
 * newer fills). GET /quit answers, closes the server and lets the process end.
 * Listens on a free loopback port and prints `listening <port>` on stdout.
 *
 *   node bench/node/server.js
 */
const http = require('node:http');

const CACHE_LIMIT = 20_000;
let cache = new Map();
let older = new Map();

function tag(kind, n) {
  return `${kind}-${n % 17}`;
}
function price(id, i) {
  return Math.round(((id * 7919 + i * 104729) % 100_000) / 10) / 100;
}
function line(id, i) {
  return { sku: `sku-${id}-${i}`, qty: 1 + ((id + i) % 5), price: price(id, i), tags: [tag('a', id + i), tag('b', i)] };
}
function makeItem(id) {
  const lines = [];
  for (let i = 0; i < 12; i++) lines.push(line(id, i));
  return {
    id,
    name: `item ${id}`,
    owner: { id: id % 1000, name: `owner ${id % 1000}` },
    lines,
    created: 1_700_000_000 + id,
  };
}

function item(id) {
  let it = cache.get(id) ?? older.get(id);
  if (it === undefined) {
    // a round trip through JSON, as a server reading from a store would
    it = JSON.parse(JSON.stringify(makeItem(id)));
    cache.set(id, it);
    if (cache.size >= CACHE_LIMIT / 2) {
      older = cache;
      cache = new Map();
    }
  }
  return it;
}

function total(it) {
  return it.lines.reduce((sum, l) => sum + l.qty * l.price, 0);
}

function answer(id) {
  const it = item(id);
  const neighbours = [];
  for (let d = 1; d <= 4; d++) neighbours.push({ id: id + d, total: total(item(id + d)) });
  return JSON.stringify({
    id,
    name: it.name,
    owner: it.owner.name,
    total: total(it),
    skus: it.lines.map((l) => l.sku),
    neighbours,
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/quit') {
    res.end('bye\n', () => {
      server.close();
      server.closeAllConnections();
    });
    return;
  }
  if (url.pathname !== '/item') {
    res.statusCode = 404;
    res.end();
    return;
  }
  const body = answer(Number(url.searchParams.get('id')) || 0);
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
