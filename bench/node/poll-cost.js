'use strict';
/**
 * The cost of one poll of V8's live heap samples, for bench/node.ts: builds a heap of
 * about <MB> MB of kept objects with the sampler running (64k), then times 11 polls
 * through <via> (addon: the heap sampler addon, no GC; inspector:
 * HeapProfiler.getSamplingProfile, a full GC each) and prints
 * {"ms": median, "samples": n, "heapMb": used} as JSON.
 *
 *   node bench/node/poll-cost.js 200 addon
 */
const path = require('node:path');
const inspector = require('node:inspector');

const [mb, via] = [Number(process.argv[2]), process.argv[3]];
const INTERVAL = 64 * 1024;
let poll;
if (via === 'addon') {
  const addon = require(path.join(__dirname, '..', '..', 'dist', 'recorders', 'node', 'heap-sampler.node'));
  addon.start(INTERVAL, 128);
  poll = () => addon.poll().samples.length / 3;
} else {
  const session = new inspector.Session();
  session.connect();
  session.post('HeapProfiler.startSampling', { samplingInterval: INTERVAL });
  poll = () => {
    let count = 0;
    session.post('HeapProfiler.getSamplingProfile', (err, r) => (count = err ? -1 : r.profile.samples.length));
    return count;
  };
}

// objects of ~1 KB, a record and its own string as a cache would keep, until the heap holds <MB> MB
const kept = [];
while (process.memoryUsage().heapUsed < mb * 1e6) {
  for (let k = 0; k < 1000; k++)
    kept.push({ id: kept.length, body: `record ${kept.length} `.padEnd(900, '.'), tags: [k % 7, k % 11] });
}

const times = [];
let samples = 0;
for (let i = 0; i < 11; i++) {
  const start = process.hrtime.bigint();
  samples = poll();
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    ms: times[5],
    samples,
    heapMb: Math.round(process.memoryUsage().heapUsed / 1e6),
    kept: kept.length,
  }),
);
