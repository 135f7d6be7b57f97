#!/usr/bin/env node
// Makes sure the programs the test suites run are on this machine: installs them
// with apt-get when running as root on Debian, else says what to install.
const { spawnSync } = require('node:child_process');

/** command → Debian package */
const NEEDED = { zstd: 'zstd', cc: 'gcc', 'g++': 'g++', addr2line: 'binutils' };

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = Object.keys(NEEDED).filter((cmd) => !has(cmd));
if (missing.length === 0) process.exit(0);

const packages = [...new Set(missing.map((cmd) => NEEDED[cmd]))];
const canApt = process.getuid?.() === 0 && has('apt-get');
if (canApt) {
  console.error(`tests need ${missing.join(', ')}: installing ${packages.join(' ')} with apt-get`);
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit' });
  if (install && install.status === 0 && missing.every(has)) process.exit(0);
}
console.error(`tests need ${missing.join(', ')}: install them first (apt-get install ${packages.join(' ')})`);
process.exit(1);
