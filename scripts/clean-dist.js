#!/usr/bin/env node
// Run by `npm run build` before tsc: removes what tsc and copy-assets.js wrote to dist/,
// so a source file deleted or renamed leaves no stale module behind for `npm pack` to
// ship. Keeps the native recorder (.so) and the heap sampler addon (.node), which
// `npm install` built and tsc does not make.
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const BUILT_AT_INSTALL = /\.(so|node)$/;

/**
 * Removes every file under `dir` but the install-time binaries, and the folders left empty.
 * @param {string} dir
 */
function clean(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      clean(file);
      if (fs.readdirSync(file).length === 0) fs.rmdirSync(file);
    } else if (!BUILT_AT_INSTALL.test(entry.name)) {
      fs.rmSync(file);
    }
  }
}

if (fs.existsSync(dist)) clean(dist);
