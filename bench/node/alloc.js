'use strict';
/**
 * Allocation-heavy fixed work for bench/node.ts: objects, arrays, strings and
 * closures made through small functions TurboFan inlines, and a Map that keeps
 * part of what it is given (it grows to a few tens of MB of heap). Deterministic:
 * no clock, no randomness beyond a seeded generator. Yields to the event loop
 * between rounds. Prints a checksum.
 *
 *   node bench/node/alloc.js [rounds]
 */
const ROUNDS = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 300;
const BATCH = 20_000;
/** One entry of the cache in KEEP_ONE_IN is never evicted: the growth. */
const KEEP_ONE_IN = 8;
const CACHE_LIMIT = 40_000;

let seed = 1;
function random() {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}

// Small functions: TurboFan inlines them into the loops below.
function point(x, y) {
  return { x, y };
}
function add(a, b) {
  return point(a.x + b.x, a.y + b.y);
}
function scale(p, k) {
  return point(p.x * k, p.y * k);
}
function label(kind, i) {
  return `${kind}-${i}-${(i * 31) % 97}`;
}
function record(i) {
  return {
    id: i,
    name: label('item', i),
    tags: [label('t', i % 13), label('t', i % 7)],
    position: point(i % 100, i % 37),
  };
}
function counter(start) {
  let n = start;
  return () => ++n;
}

/** Arrays and objects that die young. */
function geometry(n) {
  const points = [];
  for (let i = 0; i < n; i++) points.push(scale(add(point(i, random()), point(random(), i)), 0.5));
  let sum = point(0, 0);
  for (const p of points.filter((p) => p.x > p.y).map((p) => scale(p, 2))) sum = add(sum, p);
  return sum.x + sum.y;
}

/** Strings: built, joined, split, parsed. */
function text(n) {
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(label('w', i));
  const joined = parts.join(',');
  const words = joined.split(',');
  const json = JSON.stringify(words.slice(0, 200).map(record));
  return joined.length + words.length + JSON.parse(json).length;
}

/** Closures, called and dropped. */
function closures(n) {
  const counters = [];
  for (let i = 0; i < n; i++) counters.push(counter(i));
  let total = 0;
  for (const c of counters) total += c() + c();
  return total;
}

/**
 * A cache of two generations (the older dropped whole when the newer fills), but
 * for the entries it keeps for good.
 */
let cache = new Map();
let older = new Map();
const kept = new Map();
function remember(round, i) {
  const key = `r${round}:${i}`;
  const value = record(round * BATCH + i);
  if (i % KEEP_ONE_IN === 0) kept.set(key, value);
  else {
    cache.set(key, value);
    if (cache.size >= CACHE_LIMIT / 2) {
      older = cache;
      cache = new Map();
    }
  }
}

/** Rounds of work, yielding to the event loop between them as a batch job would (the recorder's polls are timers). */
async function main() {
  let checksum = 0;
  for (let round = 0; round < ROUNDS; round++) {
    checksum += geometry(BATCH);
    checksum += text(BATCH / 4);
    checksum += closures(BATCH / 2);
    for (let i = 0; i < BATCH / 16; i++) remember(round, i);
    await new Promise(setImmediate);
  }
  if (global.gc) global.gc(); // run with --expose-gc to print the live heap only
  const heapMB = process.memoryUsage().heapUsed / 1e6;
  console.log(
    JSON.stringify({
      checksum: Math.round(checksum),
      cache: cache.size + older.size,
      kept: kept.size,
      heapMB: Math.round(heapMB),
    }),
  );
}

// What a module keeps stays reachable to the end, as a module-level cache does.
module.exports = { kept };
main();
