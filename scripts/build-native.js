#!/usr/bin/env node
// Builds the native recorder (src/recorders/native/*.c) into
// dist/recorders/native/libleakhound.so with the system C compiler. Run by
// `npm install` (its `install` script); a clear message when no compiler is found.
// Also required by test/unit/recorders/native-unit.test.ts, for the sources and flags.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'src', 'recorders', 'native');
const outDir = path.join(root, 'dist', 'recorders', 'native');
const output = path.join(outDir, 'libleakhound.so');

/** The recorder's C files. */
const sources = () =>
  fs
    .readdirSync(source)
    .filter((f) => f.endsWith('.c'))
    .map((f) => path.join(source, f));
/** The flags its code is compiled with, as the library or in the C unit tests. */
const codeFlags = ['-O2', '-g', '-fno-omit-frame-pointer', '-pthread', '-Wall', '-Wextra'];
const libraryFlags = ['-shared', '-fPIC', '-flto', '-fvisibility=hidden', ...codeFlags];

function build() {
  if (process.platform !== 'linux') {
    console.error(`leakhound: the native recorder is Linux-only; skipped on ${process.platform}`);
    process.exit(0);
  }
  const cc = process.env.CC || 'cc';
  if (spawnSync('sh', ['-c', `command -v ${cc}`], { stdio: 'ignore' }).status !== 0) {
    console.error(
      `leakhound: no C compiler (${cc}) found, needed to build the native recorder: install one (apt-get install gcc) and run npm install again`,
    );
    process.exit(1);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const r = spawnSync(cc, [...libraryFlags, '-o', output, ...sources(), '-ldl', '-lm'], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`leakhound: building the native recorder with ${cc} failed (see above)`);
    process.exit(1);
  }
}

module.exports = { nativeSourceDir: source, nativeSources: sources, nativeCodeFlags: codeFlags };
if (require.main === module) build();
