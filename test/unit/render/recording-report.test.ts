/** The report of a recording of several processes: its model (views/recording-model) and its HTML, the picker without a script. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadSync } from '../../../src/api/load';
import { recordingParts } from '../../../src/api/recording';
import { recordingReportHtml, reportHtml } from '../../../src/render/html-report';
import { reportModel } from '../../../src/views/model';
import { MAX_SECTIONS, recordingReportModel } from '../../../src/views/recording-model';
import { tmpDir } from '../../helpers/helpers';
import {
  LAUNCHER_PID,
  LEAK_FUNCTION,
  LEAKING_PID,
  WORKER_FUNCTION,
  WORKER_PIDS,
  writeProcessRecording,
} from '../../helpers/process-recording';

const main = writeProcessRecording(tmpDir());
const model = recordingReportModel(recordingParts(main, { progress: false }), main);
const html = recordingReportHtml(model);

test("the model: the recording's verdict naming the leaking child, sections for the processes that matter, every process in a row", () => {
  assert.equal(model.verdict, 'leak');
  assert.match(
    model.headline,
    new RegExp(`^LEAK in pid ${LEAKING_PID} \\(node server\\.js\\): 1 of 1 allocation sites`),
  );
  assert.equal(model.processCount, 10);
  assert.deepEqual(
    model.sections.map((m) => m.pid),
    [LEAKING_PID, ...WORKER_PIDS.slice(0, MAX_SECTIONS - 1)],
    'the headline process first, then the busiest programs',
  );
  assert.equal(model.sections[0].groups[0].site.frames[0].function, LEAK_FUNCTION);
  assert.equal(model.sections[1].groups[0].site.frames[0].function, WORKER_FUNCTION);
  assert.equal(model.leftOut, WORKER_PIDS.length - (MAX_SECTIONS - 1), 'the workers past the sections');
  assert.deepEqual(
    model.rows.map((r) => [r.processes.map((p) => p.pid), r.section]),
    [
      [[LEAKING_PID], 0],
      ...WORKER_PIDS.slice(0, MAX_SECTIONS - 1).map((pid, k) => [[pid], k + 1]),
      [WORKER_PIDS.slice(MAX_SECTIONS - 1), -1],
      [[LAUNCHER_PID], -1],
    ],
    'a row per process with a section; the others of one command share one; the launcher last, without a section',
  );
  assert.equal(model.rows.at(-1)!.processes[0].role, 'launcher');
  assert.deepEqual(model.warnings, []);
});

test("the HTML: the verdict header is the recording's; radios and labels pick a section; ids stay unique", () => {
  assert.match(
    html,
    new RegExp(
      `<header id="verdict" class="verdict leak" data-verdict="leak"><h1>LEAK in pid ${LEAKING_PID} \\(node server\\.js\\)`,
    ),
  );
  const radios = [...html.matchAll(/<input type="radio" name="process" class="pick" id="pick-(\d+)"[^>]*>/g)];
  assert.deepEqual(
    radios.map((m) => m[1]),
    ['0', '1', '2', '3', '4', '5'],
  );
  assert.match(radios[0][0], / checked>$/, "the headline process's section is shown first");
  assert.equal(radios.filter((m) => m[0].includes('checked')).length, 1);
  for (let k = 0; k < MAX_SECTIONS; k++) {
    assert.match(html, new RegExp(`<label for="pick-${k}">show</label>`));
    assert.match(html, new RegExp(`#pick-${k}:checked ~ #process-${k}[,{ ]`), 'the CSS shows the checked one');
  }
  assert.match(html, /<tr data-verdict="no-leak" data-role="launcher" data-section="-1"><td>–<\/td>/);
  assert.match(html, /<td>3 processes: 305, 306, 307<\/td>/);
  assert.match(html, /3 more programs have no section here/);

  const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(
    ids.filter((id, i) => ids.indexOf(id) !== i),
    [],
    'no id twice',
  );
  // the headline process keeps the ids a one-process report has; the others are prefixed
  for (const id of ['timeline', 'groups', 'flame', 'details', 'group-1']) assert.ok(ids.includes(id), id);
  for (const id of ['p1-timeline', 'p1-groups', 'p5-flame', 'p5-group-1']) assert.ok(ids.includes(id), id);
  assert.match(html, /<a href="#p1-group-1">parseRequest/, "a section's links go to its own sites");
  const first = html.slice(html.indexOf('id="process-0"'), html.indexOf('id="process-1"'));
  assert.match(first, /<table id="groups" class="groups">.*rememberSession/s);
  assert.equal([...html.matchAll(/<section class="group" id="group-\d+"/g)].length, 1, "the child's one site");
  assert.doesNotMatch(html, /<script|<link|<img|\bsrc=|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
});

test('a profile of the recording that cannot be read is a line under the picker, and a warning', () => {
  const broken = writeProcessRecording(tmpDir());
  const cut = path.join(path.dirname(broken), 'run.5000.lhp');
  fs.writeFileSync(cut, fs.readFileSync(broken).subarray(0, 20));
  const m = recordingReportModel(recordingParts(broken, { progress: false }), broken);
  assert.equal(m.processCount, 10, 'the others are read');
  assert.equal(m.skipped.length, 1);
  assert.match(m.skipped[0], /run\.5000\.lhp.*\(skipped\)$/);
  assert.deepEqual(m.warnings, m.skipped);
  assert.ok(recordingReportHtml(m).includes(`<p class="note warning">not read: ${m.skipped[0]}</p>`), 'the note');
});

test('a recording of one process gives the report a profile alone has', () => {
  const alone = path.join(path.dirname(main), `run.${LEAKING_PID}.lhp`);
  const single = recordingReportModel(recordingParts(alone, { progress: false }), alone);
  assert.equal(single.processCount, 1);
  const before = reportHtml(reportModel(loadSync(alone, { progress: false }), alone));
  const time = /\d{4}-\d\d-\d\dT[\d:.]+Z/g;
  assert.equal(recordingReportHtml(single).replace(time, 'T'), before.replace(time, 'T'));
  assert.doesNotMatch(before, /name="process"/, 'no picker');
});
