/**
 * How stable the Node.js verdicts are at default settings: records each verdict
 * fixture of test/helpers/node-patterns.ts RUNS times with `leakhound record` as typed, runs
 * the tests' own check on each recording (verdict, culprit, through the addon), and
 * prints the pass rate per fixture and the first failure's summary; failed recordings
 * are kept (their paths printed) for `leakhound analyze`. A verdict that
 * flips is a bug in the product or the fixture; run it beside a CPU hog too
 * (`yes >/dev/null &` on each core). Prints figures; asserts nothing.
 *
 *   npm run build && npm run bench:node-stability        # 5 runs each
 *   npm run bench:node-stability -- 10 cache            # 10 runs of fixtures matching "cache"
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertPattern, NODE_FIXTURES, NODE_PATTERNS } from '../test/helpers/node-patterns';
import { CLI_MISSING, lastLines, recordCommand } from './lib/run';

const RUNS = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 5;
const only = process.argv[3];

function main(): void {
  if (CLI_MISSING) throw new Error(`leakhound is ${CLI_MISSING}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakhound-stability-'));
  const kept = path.join(os.tmpdir(), `leakhound-stability-failed-${process.pid}`);
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)} at start; ${RUNS} runs of each fixture, default settings`,
  );
  let failures = 0;
  try {
    for (const c of NODE_PATTERNS.filter((p) => !only || p.fixture.includes(only))) {
      let passed = 0;
      let first: string | undefined;
      const keptFiles: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const out = path.join(dir, `${c.fixture.replace(/\W/g, '-')}-${i}.lhp`);
        const [cmd, ...args] = recordCommand(['node', path.join(NODE_FIXTURES, c.fixture)], out);
        const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
        try {
          if (r.status !== 0) throw new Error(`record exited ${r.status}: ${lastLines(r.stderr)}`);
          assertPattern(c, out);
          passed++;
        } catch (err) {
          first ??= (err as Error).message.split('\n').slice(0, 4).join(' | ');
          if (fs.existsSync(out)) {
            fs.mkdirSync(kept, { recursive: true });
            fs.copyFileSync(out, path.join(kept, path.basename(out)));
            keptFiles.push(path.join(kept, path.basename(out)));
          }
        }
        for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
      }
      failures += RUNS - passed;
      console.log(
        `${`${passed}/${RUNS}`.padStart(6)}  ${c.fixture.padEnd(30)} ${c.verdict ?? c.overall}${c.culprit ? ` in ${c.culprit}` : ''}${first ? `\n        first failure: ${first}` : ''}`,
      );
      for (const file of keptFiles) console.log(`        kept: ${file}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `${failures === 0 ? 'every run passed' : `${failures} failed runs`}; load average ${os.loadavg()[0].toFixed(2)} at the end`,
  );
}

main();
