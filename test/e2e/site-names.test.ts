/**
 * Sites no frame of the program names, recorded from a real program: a leak in a
 * stripped library and a leak of a thread whose only frames are its start-up
 * (test/fixtures/native/site-names.c). Each is named for why and where it has no
 * frame, and by the same name in the text, the JSON, the report and the web UI.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSync } from '../../src/api/load';
import { parseFilters } from '../../src/app/web/filters';
import { UiViews } from '../../src/app/web/views';
import { analyzeJson, recordCommand, runCli, tmpDir } from '../helpers/helpers';
import { DEFAULT_FLAGS, FIXTURES } from '../helpers/native-fixtures';

const dir = tmpDir('leakhound-site-names-');
const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';
const recording = path.join(dir, 'site-names.lhp');
const library = path.join(dir, 'libsite-names.so');
/** The same library before `strip`: the same code, with the symbols to check an offset against. */
const unstripped = path.join(dir, 'libsite-names-debug.so');

const UNSYMBOLIZED = /^\(no symbols: libsite-names\.so\+0x([0-9a-f]+)\)$/;
const THREAD_START = /^\(start-up code only: start_thread in libc\.so\.6\)$/;

function run(command: string, args: string[]): void {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
}

describe('sites without a frame of the program, named for why and where', { skip: LINUX_ONLY }, () => {
  before(() => {
    const cc = process.env.CC || 'cc';
    run(cc, [
      '-O1',
      '-fno-omit-frame-pointer',
      '-shared',
      '-fPIC',
      '-o',
      unstripped,
      path.join(FIXTURES, 'site-names-lib.c'),
    ]);
    run('strip', ['--strip-all', '-o', library, unstripped]);
    const program = path.join(dir, 'site-names');
    run(cc, [...DEFAULT_FLAGS, '-o', program, path.join(FIXTURES, 'site-names.c'), library, `-Wl,-rpath,${dir}`]);
    const r = recordCommand(recording, [program]);
    assert.equal(r.code, 0, r.stderr);
  });

  test('analyze names the stripped library with its offset, and the thread by its start-up; both leak', () => {
    const json = analyzeJson(recording);
    const stripped = json.groups.find((g) => g.frames[0]?.module === library)!;
    assert.ok(stripped, JSON.stringify(json.groups.map((g) => g.frames[0])));
    assert.equal(stripped.verdict, 'leak');
    assert.equal(stripped.frames[0].function, '');
    const offset = (stripped.frames[0] as { offset?: number }).offset!;
    // the offset is the library's own address of the call: its symbols (before strip) name it
    const named = spawnSync('addr2line', ['-f', '-e', unstripped, `0x${(offset - 1).toString(16)}`], {
      encoding: 'utf8',
    });
    assert.equal(named.stdout.split('\n')[0], 'store_put');

    const thread = json.groups.find((g) => (g as { frameless?: string }).frameless)!;
    assert.match((thread as { frameless?: string }).frameless!, THREAD_START);
    assert.equal(thread.verdict, 'leak');
    assert.deepEqual(thread.frames, []);

    const text = runCli(['analyze', recording]);
    const rows = text.stdout.split('\n').filter((l) => /^\d+ +leak /.test(l));
    const where = rows.map((l) => l.slice(l.indexOf('(')));
    assert.ok(
      where.some((w) => UNSYMBOLIZED.test(w) && UNSYMBOLIZED.exec(w)![1] === offset.toString(16)),
      text.stdout,
    );
    assert.ok(
      where.some((w) => THREAD_START.test(w)),
      text.stdout,
    );
    assert.doesNotMatch(text.stdout, /no frames|stack \d+/);
  });

  test('the report and the web UI call each site what the text does', () => {
    const text = runCli(['analyze', recording]).stdout;
    const names = [...text.matchAll(/\((no symbols|start-up code only): [^)]+\)/g)].map((m) => m[0]);
    assert.equal(names.length, 2, text);

    const report = path.join(dir, 'report.html');
    assert.equal(runCli(['report', recording, '-o', report]).code, 0);
    const html = fs.readFileSync(report, 'utf8');
    const headings = [...html.matchAll(/<h3>#\d+ <span[^>]*>[^<]*<\/span> ([^<]+)<\/h3>/g)].map((m) => m[1]);
    const tableCells = [...html.matchAll(/<a href="#group-\d+">([^<]+)<\/a>/g)].map((m) => m[1]);
    const start = html.indexOf('<section id="timeline">');
    const timeline = html.slice(start, html.indexOf('</section>', start));
    const legend = [...timeline.matchAll(/class="lh-area" data-label="([^"]+)"/g)].map((m) => m[1]);
    const ui = new UiViews(loadSync(recording), recording).groups(parseFilters(new URLSearchParams())).rows;
    for (const name of names) {
      assert.ok(headings.includes(name), `report heading ${name}: ${headings.join(' | ')}`);
      assert.ok(tableCells.includes(name), `report table ${name}: ${tableCells.join(' | ')}`);
      assert.ok(legend.includes(name), `timeline legend ${name}: ${legend.join(' | ')}`);
      assert.ok(
        ui.some((row) => row.label === name && row.frame?.function === name),
        `web UI ${name}: ${ui.map((row) => row.label).join(' | ')}`,
      );
    }
    assert.doesNotMatch(html, /no frames|stack \d+/);
    // a site without frames of its own shows the whole stack it has: the thread's start-up code
    const backtraces = [...html.matchAll(/<pre class="backtrace">([^<]*)<\/pre>/g)].map((m) => m[1]);
    assert.ok(backtraces.length > 0 && backtraces.every((b) => b.trim() !== ''), backtraces.join(' | '));
    assert.ok(
      backtraces.some((b) => /start_thread/.test(b)),
      backtraces.join(' | '),
    );
  });
});
