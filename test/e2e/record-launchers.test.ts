/**
 * A program started through a launcher (`timeout`, `sh -c`, a script that execs, a
 * process that forks and waits): the recording's verdict is the program's, named in
 * the headline; the launchers are listed, never named.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnalysisJson, recordCommand, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';

const dir = tmpDir('leakhound-launchers-test-');
const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';

/** Records `command` to `<name>.lhp`, then analyzes the recording in text and JSON. */
function recordThrough(name: string, command: string[]): { text: string; json: AnalysisJson; output: string } {
  const output = path.join(dir, `${name}.lhp`);
  const r = recordCommand(output, command);
  assert.equal(r.code, 0, r.stderr);
  const text = runCli(['analyze', output]);
  assert.equal(text.code, 0, text.stderr);
  const json = runCli(['analyze', output, '--json']);
  return { text: text.stdout, json: JSON.parse(json.stdout) as AnalysisJson, output };
}

/** The leak of linear.c (session_new) is the recording's: first group, headline, `process`; the launchers are listed as such. */
function assertProgramLeakNamed(a: { text: string; json: AnalysisJson }, launchers: RegExp[]): void {
  const { json, text } = a;
  assert.equal(json.verdict, 'leak', text);
  assert.equal(json.groups[0].verdict, 'leak', text);
  assert.equal(json.groups[0].frames[0]?.function, 'session_new', text);
  assert.match(json.process.command, /linear/, 'the headline process is the program');
  assert.equal(json.process.role, 'program');
  assert.equal(json.groups[0].pid, json.process.pid);
  const headline = text.split('\n')[0];
  assert.match(
    headline,
    new RegExp(`^LEAK in pid ${json.process.pid} \\(\\S*linear\\S*\\): 1 of \\d+ allocation sites`),
  );
  const listing = text.slice(text.indexOf('processes of this recording:')).split('\n');
  for (const launcher of launchers) {
    const listed = listing.filter((line) => launcher.test(line));
    assert.ok(listed.length > 0, `${launcher} is listed:\n${text}`);
    for (const line of listed) assert.match(line, /\(\d+ allocations, launchers?\)$/, `a launcher:\n${text}`);
    for (const p of json.processes.filter((q) => launcher.test(q.command))) assert.equal(p.role, 'launcher');
  }
  assert.match(text, /^processes of this recording:$/m);
  assert.match(text, /^ {2}LEAK {5}pid \d+ {2}\S*linear/m, 'the leaking process is the first listed');
}

describe('a program behind a launcher: the recording leaks, and the headline names the program', {
  skip: LINUX_ONLY,
}, () => {
  const linear = buildFixture('linear');

  it('timeout running a script that execs the program', () => {
    const script = path.join(dir, 'run.sh');
    fs.writeFileSync(script, `#!/bin/sh\nexec ${linear}\n`, { mode: 0o755 });
    const a = recordThrough('timeout', ['timeout', '-s', 'INT', '60', script]);
    assertProgramLeakNamed(a, [/ timeout -s INT 60 /, /\/bin\/sh .*run\.sh/]);
  });

  it('sh -c, which forks the program and waits', () => {
    const a = recordThrough('sh', ['sh', '-c', `${linear}; true`]);
    assertProgramLeakNamed(a, [/ sh -c /]);
  });

  it('a launcher that forks, execs the program in the child, and waits', () => {
    const a = recordThrough('fork-launcher', [buildFixture('launcher'), linear]);
    assertProgramLeakNamed(a, [/launcher-\w+ /]);
    assert.equal(runCli(['analyze', a.output, '--fail-on-leak']).code, 3, 'the exit code agrees with the headline');
  });

  it('a launcher of a program that does not leak: NO LEAK, and the program is the one spoken of', () => {
    const a = recordThrough('fork-no-leak', [buildFixture('launcher'), buildFixture('cache')]);
    assert.equal(a.json.verdict, 'no-leak', a.text);
    assert.match(a.json.process.command, /cache/);
    assert.match(
      a.text.split('\n')[0],
      /^NO LEAK: none of \d+ allocation sites in \d+ processes retains growing memory/,
    );
  });
});
