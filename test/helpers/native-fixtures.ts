/**
 * Builds the native test programs in test/fixtures/native/ with the system compiler.
 *
 *   buildFixture('linear')                                  // cc -O1 -g -fno-omit-frame-pointer -pthread
 *   buildFixture('linear', ['-O2', '-fomit-frame-pointer']) // flags after the defaults win
 *
 * Each name + flags is compiled once per process, into a temporary directory
 * removed when the process exits. A failed build throws with the compiler's output.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'native');

/** The flags every fixture is built with unless the caller replaces them. */
export const DEFAULT_FLAGS = ['-O1', '-g', '-fno-omit-frame-pointer', '-pthread'];

let cacheDir: string | undefined;
const built = new Map<string, string>();

function buildDir(): string {
  if (!cacheDir) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakhound-fixtures-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    cacheDir = dir;
  }
  return cacheDir;
}

/** The source of a fixture: <name>.c, else <name>.cpp. */
export function fixtureSource(name: string): string {
  for (const ext of ['.c', '.cpp']) {
    const file = path.join(FIXTURES, name + ext);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`no fixture ${name}.c or ${name}.cpp in ${FIXTURES}`);
}

/**
 * Compiles test/fixtures/native/<name>.c (cc) or <name>.cpp (g++) and returns the
 * binary's path. `extraFlags` come after the defaults (gcc takes the last -O and
 * -f[no-]omit-frame-pointer); `{ replace: true }` uses only the given flags.
 */
export function buildFixture(name: string, extraFlags: string[] = [], options: { replace?: boolean } = {}): string {
  const flags = options.replace ? extraFlags : [...DEFAULT_FLAGS, ...extraFlags];
  const key = `${name}\0${flags.join('\0')}`;
  const cached = built.get(key);
  if (cached) return cached;

  const source = fixtureSource(name);
  const cpp = source.endsWith('.cpp');
  const compiler = cpp ? process.env.CXX || 'g++' : process.env.CC || 'cc';
  const tag = crypto.createHash('sha1').update(key).digest('hex').slice(0, 8);
  const output = path.join(buildDir(), `${name}-${tag}`);
  // the absolute source path goes into the debug info: frames' files end in the fixture's name
  const r = spawnSync(compiler, [...flags, '-o', output, source], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${compiler} to build ${name}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`${compiler} ${flags.join(' ')} failed to build ${path.basename(source)}:\n${r.stderr}`);
  built.set(key, output);
  return output;
}

/** Where the dynamic loader finds a shared library (from `ldconfig -p`), if it does. */
export function findLibrary(name: string): string | undefined {
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig']) {
    const listing = spawnSync(ldconfig, ['-p'], { encoding: 'utf8' }).stdout ?? '';
    const found = new RegExp(`${name.replace(/\./g, '\\.')} \\(.*\\) => (\\S+)`).exec(listing)?.[1];
    if (found) return found;
  }
  return undefined;
}
