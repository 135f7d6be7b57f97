#!/usr/bin/env node
// Builds the native recorder (src/recorders/native/*.c) into
// dist/recorders/native/libleakhound.so with the system C compiler. Run by
// `npm install` (through `prepare`); a clear message when no compiler is found.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'src', 'recorders', 'native');
const outDir = path.join(root, 'dist', 'recorders', 'native');
const output = path.join(outDir, 'libleakhound.so');

if (process.platform !== 'linux') {
  console.error(`leakhound: the native recorder is Linux-only; skipped on ${process.platform}`);
  process.exit(0);
}
const cc = process.env.CC || 'cc';
if (spawnSync('sh', ['-c', `command -v ${cc}`], { stdio: 'ignore' }).status !== 0) {
  console.error(`leakhound: no C compiler (${cc}) found, needed to build the native recorder: install one (apt-get install gcc) and run npm install again`);
  process.exit(1);
}
const files = fs.readdirSync(source).filter((f) => f.endsWith('.c')).map((f) => path.join(source, f));
fs.mkdirSync(outDir, { recursive: true });
const flags = ['-shared', '-fPIC', '-O2', '-flto', '-g', '-fno-omit-frame-pointer', '-fvisibility=hidden', '-pthread', '-Wall', '-Wextra'];
const r = spawnSync(cc, [...flags, '-o', output, ...files, '-ldl'], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`leakhound: building the native recorder with ${cc} failed (see above)`);
  process.exit(1);
}
