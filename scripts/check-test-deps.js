#!/usr/bin/env node
// Makes sure the programs and libraries the test suites use are on this machine:
// installs them with apt-get when running as root on Debian, else says what to install.
const { spawnSync } = require('node:child_process');

/**
 * command → Debian package (chromium: the browser tests drive it with playwright-core, which never downloads a
 * browser; redis-server: a real server recorded under redis-benchmark, which comes with redis-cli in redis-tools)
 * @type {Record<string, string>}
 */
const COMMANDS = {
  zstd: 'zstd',
  cc: 'gcc',
  'g++': 'g++',
  addr2line: 'binutils',
  script: 'bsdutils',
  setpriv: 'util-linux',
  chromium: 'chromium',
  'redis-server': 'redis-server',
  'redis-benchmark': 'redis-tools',
  'redis-cli': 'redis-tools',
};
/**
 * command → Debian package, wanted but not required: with Prometheus the metrics test
 * is also scraped by a real Prometheus server; without it, only by a parser. With
 * heaptrack the import test also records a program with it; without it, it analyzes the
 * committed recording only. With Go, `go tool pprof` reads the exported pprof file too.
 * @type {Record<string, string>}
 */
const OPTIONAL = { prometheus: 'prometheus', heaptrack: 'heaptrack', go: 'golang-go' };
/**
 * shared library → Debian package (a fixture links jemalloc, to record a program with its own allocator)
 * @type {Record<string, string>}
 */
const LIBRARIES = { 'libjemalloc.so.2': 'libjemalloc2' };

/** @param {string} cmd */
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
// ldconfig lives in /sbin, which a user's PATH may lack
const libraryCache = () =>
  ['ldconfig', '/sbin/ldconfig'].map((cmd) => spawnSync(cmd, ['-p'], { encoding: 'utf8' }).stdout ?? '').join('');
/** @param {string} lib */
const hasLibrary = (lib) => libraryCache().includes(`${lib} `);
const missingNow = () => [
  ...Object.keys(COMMANDS)
    .filter((cmd) => !has(cmd))
    .map((cmd) => [cmd, COMMANDS[cmd]]),
  ...Object.keys(LIBRARIES)
    .filter((lib) => !hasLibrary(lib))
    .map((lib) => [lib, LIBRARIES[lib]]),
];

let missing = missingNow();
const wanted = Object.keys(OPTIONAL).filter((cmd) => !has(cmd));
if (missing.length === 0 && wanted.length === 0) process.exit(0);

const names = missing.map(([name]) => name).join(', ');
const packages = [...new Set(missing.map(([, pkg]) => pkg))];
const canApt = process.getuid?.() === 0 && has('apt-get');
if (canApt) {
  const optional = wanted.map((cmd) => OPTIONAL[cmd]);
  console.error(
    `tests ${names ? `need ${names}` : 'can use'}${wanted.length ? ` (and can use ${wanted.join(', ')})` : ''}: installing ${[...packages, ...optional].join(' ')} with apt-get`,
  );
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  if (update.status === 0 && packages.length)
    spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit' });
  // the optional ones on their own: their failure fails nothing
  if (update.status === 0 && optional.length)
    spawnSync('apt-get', ['install', '-y', '-qq', ...optional], { stdio: 'inherit' });
  missing = missingNow();
  if (missing.length === 0) process.exit(0);
} else if (missing.length === 0) {
  console.error(
    `tests can use ${wanted.join(', ')} (apt-get install ${wanted.map((cmd) => OPTIONAL[cmd]).join(' ')}); going on without`,
  );
  process.exit(0);
}
console.error(`tests need ${names}: install them first (apt-get install ${packages.join(' ')})`);
process.exit(1);
