/**
 * `record --native` on node programs, end to end: the node agent (the JS heap) and
 * the LD_PRELOAD recorder (malloc) in the same processes, each writing its own
 * profile (`run.lhp`, `run.<pid>.js.lhp`), recorded at default settings as a user
 * would. Fixtures do fixed work (test/fixtures/node/, test/fixtures/node-native/);
 * no test asserts a time.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSync } from '../../src/api/load';
import { diagnose, Diagnosis } from '../../src/diagnose/diagnose';
import { externalHolders } from '../../src/diagnose/external-holders';
import { isJsProfileName, siblingProfiles } from '../../src/format/siblings';
import { assertCulprit, assertNoLeakGroup, summary } from '../helpers/assert-culprit';
import { AnalysisJson, analyzeJson, recordCommand, ROOT, runCli, tmpDir } from '../helpers/helpers';

const dir = tmpDir('leakhound-native-node-test-');
const fixture = (folder: string, name: string): string => path.join(ROOT, 'test', 'fixtures', folder, name);
const NODE_HEADERS = path.join(path.dirname(process.execPath), '..', 'include', 'node');

/** The recording's two profiles of its node process, checked by their headers: native `-o`, JS beside it. */
function recordBoth(name: string, command: string[], flags = ['--native'], exitCode = 0) {
  const output = path.join(dir, `${name}.lhp`);
  const r = recordCommand(output, command, flags);
  assert.equal(r.code, exitCode, r.stderr);
  const js = siblingProfiles(output).filter(isJsProfileName);
  assert.equal(js.length, 1, `one JS profile beside ${output}: ${siblingProfiles(output).join(', ')}`);
  const native = loadSync(output).header;
  const script = loadSync(js[0]).header;
  assert.equal(native.recorder, 'native');
  assert.equal(script.recorder, 'node');
  assert.equal(script.pid, native.pid, 'both profiles are the same process');
  assert.equal(path.basename(js[0]), `${name}.${native.pid}.js.lhp`);
  for (const file of [output, js[0]]) assert.ok(r.stderr.includes(`wrote ${file} (pid ${native.pid}`), r.stderr);
  return { output, js: js[0] };
}

/** V8's own heap sites are in the native view, marked, and none is a leak. */
function assertV8HeapNotLeak(native: Diagnosis): void {
  const heap = native.groups.filter((g) => g.v8Heap);
  assert.ok(heap.length > 0, 'a node process has V8 heap sites');
  for (const g of heap) {
    assert.ok(g.verdict !== 'leak' && g.verdict !== 'leak-freed-at-exit', `${g.frames[0]?.function}: ${g.verdict}`);
    assert.match(g.explanation, /JS profile/);
  }
}

const nativeSummary = (d: Diagnosis): string => summary(d as unknown as AnalysisJson);

describe('record --native: the JS heap and native memory of a node process in one run', () => {
  it('a JS leak (linear.js) is named at its JS function in the JS profile; the native profile, V8 heap and all, does not leak', () => {
    // --fail-on-leak judges the JS profile too: exit 3
    const { output, js } = recordBoth(
      'js-leak',
      ['node', fixture('node', 'linear.js')],
      ['--native', '--fail-on-leak'],
      3,
    );
    assertCulprit(analyzeJson(js), 'leak', 'rememberRequest', 'linear.js');
    const native = diagnose(loadSync(output));
    assertV8HeapNotLeak(native);
    assert.equal(native.verdict, 'no-leak', nativeSummary(native));
    // one analysis of both: the JS leak is the recording's, named in the JS view
    const whole = analyzeJson(output);
    assertCulprit(whole, 'leak', 'rememberRequest', 'linear.js');
    assert.equal(whole.process.file, js);
    assert.ok(
      whole.groups.some((g) => g.profile === output) && whole.groups.some((g) => g.profile === js),
      'JS and native sites side by side',
    );
  });

  it("a Buffer leak (external.js): the JS profile's external growth is held by the Buffers' native allocation site", () => {
    const { output, js } = recordBoth('buffer-leak', ['node', fixture('node', 'external.js')]);
    const script = diagnose(loadSync(js));
    const native = diagnose(loadSync(output));
    assertV8HeapNotLeak(native);
    const explained = externalHolders(script.unattributed, native);
    for (const series of ['external', 'array-buffers']) {
      const u = explained.find((e) => e.series === series);
      assert.ok(u, `the JS profile has ${series}`);
      assert.equal(u.verdict, 'leak', u.explanation);
      const top = u.heldBy[0];
      assert.ok(top, `${series}: no native holder; ${nativeSummary(native)}`);
      assert.ok(top.backingStore, `${series}: the top holder allocates backing stores (${top.function})`);
      // 900 bodies of 64 KiB (~59 MB); the series grew by what they hold
      assert.ok(top.bytes >= 0.8 * (u.endBytes - u.startBytes), `${series}: ${top.bytes} B held of ${u.explanation}`);
      assert.match(u.explanation, /native allocation sites that keep it/);
    }
    // analyze of the recording explains the JS profile's growth by the native sites
    const whole = analyzeJson(output);
    assert.equal(whole.verdict, 'leak');
    for (const series of ['external', 'array-buffers']) {
      const u = whole.unattributed.find((e) => e.series === series);
      assert.ok(u?.heldBy?.length, `${series} is held by native sites in analyze --json: ${JSON.stringify(u)}`);
    }
    // the report draws both views of the process on one timeline
    const report = path.join(dir, 'buffer-leak.html');
    assert.equal(runCli(['report', output, '-o', report]).code, 0);
    const html = fs.readFileSync(report, 'utf8');
    const both = html.slice(html.indexOf('<section id="both-views"'));
    assert.ok(both.length < html.length, 'a JS-and-native timeline');
    assert.match(both.slice(0, both.indexOf('</section>')), /JS: keepBuffer[\s\S]*native: /);
  });

  it('an addon that mallocs and never frees is named at its C function and line in the native profile', (t) => {
    if (!fs.existsSync(path.join(NODE_HEADERS, 'node_api.h'))) return t.skip(`no Node.js headers at ${NODE_HEADERS}`);
    const addon = path.join(dir, 'record-cache.node');
    const cc = process.env.CC || 'cc';
    const source = fixture('node-native', 'record-cache.c');
    const flags = ['-shared', '-fPIC', '-O1', '-g', '-fno-omit-frame-pointer', '-isystem', NODE_HEADERS];
    const built = spawnSync(cc, [...flags, '-o', addon, source], { encoding: 'utf8' });
    assert.equal(built.status, 0, `${cc} failed to build the addon: ${built.stderr}`);
    const { output, js } = recordBoth('addon-leak', ['node', fixture('node-native', 'addon-leak.js'), addon]);
    const leak = assertCulprit(analyzeJson(output), 'leak', 'remember_record', 'record-cache.c');
    assert.ok(leak.leakedBytes >= 8_000_000, `~10 MB of records: ${leak.leakedBytes}`);
    assertNoLeakGroup(analyzeJson(js));
  });

  it('a node started by a shell (bash -c "exec node …"), without --native, gets both views', () => {
    const { output, js } = recordBoth('shell', ['bash', '-c', `exec node ${fixture('node', 'linear.js')}`], []);
    assertCulprit(analyzeJson(js), 'leak', 'rememberRequest', 'linear.js');
    const profile = loadSync(output);
    assert.match(profile.header.command.join(' '), /node .*linear\.js/, "node, exec'd by bash, took the -o file over");
    assertV8HeapNotLeak(diagnose(profile));
  });

  it('a node started from a shell script (sh forks it): the recording leaks, named at the JS leak; sh is a launcher', () => {
    const script = path.join(dir, 'start.sh');
    fs.writeFileSync(script, `node ${fixture('node', 'linear.js')}\nstatus=$?\nexit $status\n`);
    const output = path.join(dir, 'script.lhp');
    const r = recordCommand(output, ['sh', script]);
    assert.equal(r.code, 0, r.stderr);
    const whole = analyzeJson(output);
    assertCulprit(whole, 'leak', 'rememberRequest', 'linear.js');
    assert.equal(whole.process.recorder, 'node', 'the headline names the node process, in its JS view');
    const shell = whole.processes.find((p) => p.command.startsWith('sh '));
    assert.equal(shell, undefined, 'sh is the named profile, not among the others');
    const natives = whole.processes.filter((p) => p.recorder === 'native' && p.pid === whole.process.pid);
    assert.equal(natives.length, 1, 'the node process has its native view too');
    for (const g of whole.groups.filter((g) => g.profile === natives[0].file)) assert.notEqual(g.verdict, 'leak');
  });
});
