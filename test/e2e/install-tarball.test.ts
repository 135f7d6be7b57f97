/**
 * leakhound installed as a user installs it, away from this repository: `npm pack`,
 * then the tarball installed globally (into a scratch `--prefix`) and into a project,
 * each install building the native recorder and the addon. From there: `--version`,
 * a C program and a node program recorded and analyzed, and `leakhound` and
 * `leakhound/testing` imported by a CommonJS and an ESM project, type-checked with
 * TypeScript 5.9 and with the newest TypeScript (default settings: no
 * `"types": ["node"]`, no @types/node, skipLibCheck off), then run; the README's
 * TypeScript example, taken from README.md, is compiled and run in both projects too.
 *
 * Slow (one pack and three npm installs): every case shares them. npm installs with
 * --prefer-offline, from its cache where it can and from the registry otherwise; a
 * TypeScript that cannot be had fails the suite, saying so, rather than skipping.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertCulprit } from '../helpers/assert-culprit';
import { type AnalysisJson, ROOT, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';

const VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
const dir = tmpDir('leakhound-install-test-');
const globalPrefix = path.join(dir, 'global');
const project = path.join(dir, 'project');
/** The two TypeScripts, installed in the project under these aliases. */
const TYPESCRIPTS = { 'ts-5.9': 'typescript@~5.9', 'ts-newest': 'typescript@latest' };
/** The project's two kinds of module, as folders of their own under it (they share its node_modules). */
const KINDS = [
  { name: 'a CommonJS', folder: 'cjs', type: 'commonjs' },
  { name: 'an ESM', folder: 'esm', type: 'module' },
];

/** What a user's shell has: no npm_* variables of an `npm test` this may run under. */
const userEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
  ...extra,
});

/** A guard against a hung command (an install is minutes at most), not a time asserted. */
const HANG_GUARD_MS = 600_000;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(command, args, {
    cwd,
    env: userEnv(env),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: HANG_GUARD_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `npm <args>` that must succeed; `what` says what failed, with npm's last words. */
function npm(args: string[], cwd: string, what: string): string {
  const r = run('npm', [...args, '--no-audit', '--no-fund'], cwd);
  if (r.code !== 0)
    throw new Error(`${what} failed (npm ${args.join(' ')}, exit ${r.code}):\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}

/** npm install from npm's cache first, from the registry only what the cache lacks. */
const INSTALL = ['install', '--prefer-offline'];

let tarball = '';
let tarballFiles: string[] = [];
const globalBin = path.join(globalPrefix, 'bin', 'leakhound');
const projectBin = path.join(project, 'node_modules', '.bin', 'leakhound');
const installed = {
  global: path.join(globalPrefix, 'lib', 'node_modules', 'leakhound'),
  project: path.join(project, 'node_modules', 'leakhound'),
};

/** A fresh demo recording, from the global leakhound. */
function simulateDemo(into: string): void {
  const r = run(globalBin, ['simulate', '-o', 'demo.lhp', '--seed', '1'], into);
  assert.equal(r.code, 0, r.stderr);
}

/** `leakhound record` then `analyze --json`, with an installed leakhound. */
function recordAndAnalyze(bin: string, name: string, command: string[]): AnalysisJson {
  const output = path.join(dir, `${name}.lhp`);
  const rec = run(bin, ['record', '-o', output, '--', ...command], dir);
  assert.equal(rec.code, 0, rec.stderr);
  const analysis = run(bin, ['analyze', output, '--json'], dir);
  assert.equal(analysis.code, 0, analysis.stderr);
  return JSON.parse(analysis.stdout) as AnalysisJson;
}

/**
 * The README's TypeScript example (the first fenced `ts` block that imports 'leakhound')
 * and the output the README shows for it (the fenced block after it).
 */
function readmeExample(): { code: string; output: string } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] }));
  const at = blocks.findIndex((b) => b.lang === 'ts' && b.body.includes("from 'leakhound'"));
  assert.ok(
    at >= 0 && at + 1 < blocks.length,
    "README.md has a ```ts block importing from 'leakhound', then its output",
  );
  return { code: blocks[at].body, output: blocks[at + 1].body };
}

/**
 * A consumer of both entry points: a query and a verdict, a count of live objects,
 * and a leak test that must fail with a LeakError. No top-level await, so the same
 * source is a CommonJS and an ES module.
 */
const CONSUMER = `import { diagnose, loadSync, type Verdict } from 'leakhound';
import { countLive, expectNoLeak, LeakError } from 'leakhound/testing';

class Widget {
  constructor(readonly id: number) {}
}
const kept: Widget[] = [];

async function main(): Promise<void> {
  const profile = loadSync('demo.lhp');
  const verdicts: Verdict[] = diagnose(profile).groups.map((g) => g.verdict);
  const neverFreed = profile.allocations().onlyNeverFreed().len();
  for (let i = 0; i < 3; i++) kept.push(new Widget(i));
  const live = countLive(Widget);
  const failure = await expectNoLeak((i) => {
    kept.push(new Widget(i));
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  console.log(JSON.stringify({ first: verdicts[0], neverFreed, live, leakError: failure instanceof LeakError }));
}
void main();
`;

/** A consumer's tsconfig: as strict as `tsc --init`'s, no `types`, skipLibCheck off so leakhound's declarations are checked. */
const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    target: 'es2022',
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    outDir: 'out',
  },
  include: ['*.ts'],
};

/** `tsc -p <folder>` of one of the project's TypeScripts. */
function tsc(alias: keyof typeof TYPESCRIPTS, folder: string, args: string[] = []) {
  const pkg = path.join(project, 'node_modules', alias);
  const bin = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).bin.tsc;
  return run(process.execPath, [path.join(pkg, bin), '-p', folder, ...args], project);
}

describe('leakhound from a tarball, installed globally and into a project', () => {
  before(() => {
    // npm pack as a user runs it: `prepare` builds dist/ first; the tarball's name is the last line
    tarball = path.join(dir, npm(['pack', '--pack-destination', dir], ROOT, 'npm pack').trim().split('\n').at(-1)!);
    tarballFiles = run('tar', ['-tzf', tarball], dir).stdout.trim().split('\n');
    npm([...INSTALL, '-g', '--prefix', globalPrefix, tarball], dir, 'the global install of the tarball');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    npm([...INSTALL, tarball], project, 'the install of the tarball into a project');
    for (const [alias, spec] of Object.entries(TYPESCRIPTS))
      npm(
        [...INSTALL, '--save-dev', `${alias}@npm:${spec}`],
        project,
        `installing ${spec} (from the npm registry, or npm's cache offline)`,
      );
    for (const kind of KINDS) {
      const folder = path.join(project, kind.folder);
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ type: kind.type }));
      fs.writeFileSync(path.join(folder, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
      fs.writeFileSync(path.join(folder, 'consumer.ts'), CONSUMER);
      fs.writeFileSync(path.join(folder, 'readme-example.ts'), readmeExample().code);
    }
  });

  it('the tarball holds the JavaScript, its declarations and the sources the install builds, nothing built for one machine', () => {
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/testing/index.d.ts',
      'dist/app/cli/main.js',
      'dist/app/web/ui/index.html',
      'script.d.ts',
      'scripts/build-native.js',
      'scripts/build-addon.js',
      'src/recorders/native/recorder.c',
      'src/recorders/native/leakhound.h',
      'src/recorders/node/addon/heap-sampler.cc',
    ])
      assert.ok(tarballFiles.includes(`package/${file}`), `${file} is in the tarball`);
    const stray = tarballFiles.filter(
      (f) =>
        /\.(so|node|map|tgz)$/.test(f) ||
        /^package\/(test|bench|examples)\//.test(f) ||
        (f.startsWith('package/src/') && !/\.(c|h|cc)$/.test(f)),
    );
    assert.deepEqual(stray, [], 'no binaries, source maps, tests or TypeScript sources');
    // a bound, not a measure: what ships is ~400 KB; a stray folder of data would cross it
    assert.ok(fs.statSync(tarball).size < 1 << 20, `the tarball is under 1 MiB (${fs.statSync(tarball).size} B)`);
  });

  it('each install built the native recorder and the heap sampler addon', () => {
    for (const [where, root] of Object.entries(installed)) {
      for (const built of ['dist/recorders/native/libleakhound.so', 'dist/recorders/node/heap-sampler.node'])
        assert.ok(fs.existsSync(path.join(root, built)), `${where}: ${built}`);
    }
  });

  it("leakhound --version, from the global bin and the project's node_modules/.bin", () => {
    for (const bin of [globalBin, projectBin]) {
      const r = run(bin, ['--version'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), VERSION, bin);
    }
  });

  it('without a C compiler, the native build says what to install, in one line, and fails', () => {
    const script = path.join(installed.project, 'scripts', 'build-native.js');
    const r = run(process.execPath, [script], dir, { CC: 'leakhound-no-such-compiler' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^leakhound: no C compiler \(leakhound-no-such-compiler\) found.*apt-get install gcc.*\n$/);
  });

  it('the global leakhound records a C program and finds its leak (linear.c: session_new)', () => {
    const a = recordAndAnalyze(globalBin, 'native', [buildFixture('linear')]);
    assert.equal(a.verdict, 'leak');
    assertCulprit(a, 'leak', 'session_new', 'linear.c');
  });

  it("the project's leakhound records a node program and finds its leak (linear.js: rememberRequest)", () => {
    const a = recordAndAnalyze(projectBin, 'node', ['node', path.join(ROOT, 'test', 'fixtures', 'node', 'linear.js')]);
    assert.equal(a.verdict, 'leak');
    assertCulprit(a, 'leak', 'rememberRequest', 'linear.js');
  });

  for (const kind of KINDS) {
    it(`${kind.name} project: leakhound, leakhound/testing and the README's example type-check with TypeScript 5.9 and the newest, and run`, (t) => {
      const folder = path.join(project, kind.folder);
      for (const alias of Object.keys(TYPESCRIPTS) as (keyof typeof TYPESCRIPTS)[]) {
        t.diagnostic(`${alias}: ${tsc(alias, folder, ['--version']).stdout.trim()}`);
        const check = tsc(alias, folder, ['--noEmit']);
        assert.equal(check.code, 0, `${alias} in ${kind.folder}:\n${check.stdout}${check.stderr}`);
      }
      const emit = tsc('ts-newest', folder);
      assert.equal(emit.code, 0, emit.stdout + emit.stderr);
      const out = path.join(folder, 'out');
      simulateDemo(out);

      const consumer = run(process.execPath, ['consumer.js'], out);
      assert.equal(consumer.code, 0, consumer.stderr);
      assert.deepEqual(JSON.parse(consumer.stdout), { first: 'leak', neverFreed: 5955, live: 3, leakError: true });

      const example = run(process.execPath, ['readme-example.js'], out);
      assert.equal(example.code, 0, example.stderr);
      assert.equal(example.stdout, readmeExample().output, "what the README shows: the demo's first leak site");
    });
  }
});
