#!/usr/bin/env node
// Builds the Node.js recorder's heap sampler addon (src/recorders/node/addon/) into
// dist/recorders/node/heap-sampler.node with the system C++ compiler, against the
// headers of the node running this script (<prefix>/include/node, where node's
// tarballs, nvm and Debian's nodejs put them). Nothing is downloaded. Run by
// `npm install`. Without a compiler or headers the recorder still works, through
// the inspector (a full GC at each poll): this says so and exits 0.
// `--if-missing`: build only when the addon is not there (npm test, after it has
// installed a compiler).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'src', 'recorders', 'node', 'addon', 'heap-sampler.cc');
const output = path.join(root, 'dist', 'recorders', 'node', 'heap-sampler.node');
const headers = path.join(path.dirname(process.execPath), '..', 'include', 'node');
const cxx =
  process.env.CXX ||
  ['c++', 'g++', 'clang++'].find((c) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status === 0);

/**
 * Says why there is no addon and exits 0: the recorder works without it.
 * @param {string} why
 * @param {string} [fix]
 * @returns {never}
 */
function fallback(why, fix) {
  console.error(
    `leakhound: the heap sampler addon was not built: ${why}. Node.js recordings will poll through the inspector (a full GC at each poll, polls seconds apart)${fix ? `; ${fix}, then npm install again` : ''}`,
  );
  process.exit(0);
}

if (process.argv.includes('--if-missing') && fs.existsSync(output)) process.exit(0);
if (!cxx) fallback('no C++ compiler found', 'install one (apt-get install g++)');
if (!fs.existsSync(path.join(headers, 'node.h')))
  fallback(
    `no Node.js headers at ${headers}`,
    "install the headers of this node (they come with node's tarballs; Debian: nodejs or libnode-dev)",
  );
fs.mkdirSync(path.dirname(output), { recursive: true });
const partial = `${output}.partial`;
const flags = ['-shared', '-fPIC', '-O2', '-std=c++17', '-Wall', '-fvisibility=hidden', '-isystem', headers];
const r = spawnSync(cxx, [...flags, '-o', partial, source], { stdio: 'inherit' });
if (r.error)
  fallback(
    `${cxx} could not be run (${/** @type {NodeJS.ErrnoException} */ (r.error).code ?? r.error.message})`,
    'install a C++ compiler (apt-get install g++) or set CXX to one',
  );
if (r.status !== 0) fallback(`${cxx} failed (see above)`);
fs.renameSync(partial, output);
