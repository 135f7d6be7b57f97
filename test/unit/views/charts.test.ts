/** The views put the verdict first: timelines stack leaks at the bottom, a site's chart splits what the verdict weighs. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadSync } from '../../../src/api/load';
import { diagnose, GroupDiagnosis } from '../../../src/diagnose/diagnose';
import { simulate } from '../../../src/simulate/simulate';
import { leakSitesTimeline, retainedMemory, retainedVersusFreed, siteTimeline } from '../../../src/views/charts';
import { SiteIndex } from '../../../src/views/site-index';
import { tmpDir } from '../../helpers/helpers';

const file = path.join(tmpDir(), 'demo.lhp');
simulate({ output: file, allocations: 50_000, seed: 1 });
const demo = loadSync(file);
const diagnosis = diagnose(demo);
const sites = new SiteIndex(demo);
const members = (site: number) => sites.members(site);
const site = (fn: string): GroupDiagnosis => diagnosis.groups.find((g) => g.frames[0]?.function === fn)!;
const LEAKS = ['leak', 'leak-freed-at-exit'];
const last = (values: ArrayLike<number>) => values[values.length - 1];
const sum = (values: ArrayLike<number>) => Array.from(values).reduce((a, v) => a + v, 0);

test('the timeline: leak sites first (the bottom of the stack), each area with its verdict, the rest neutral', () => {
  // given most suspicious last, the leaks still come first
  const chart = siteTimeline(demo, [...diagnosis.groups].reverse(), members, null, 'all');
  const verdicts = chart.areas.map((a) => a.verdict);
  const firstOther = verdicts.findIndex((v) => !LEAKS.includes(v ?? ''));
  assert.equal(firstOther, 4, `the four leak sites first: ${verdicts}`);
  assert.ok(verdicts.slice(firstOther).every((v) => !LEAKS.includes(v ?? '')));
  assert.ok(chart.areas.every((a) => a.verdict !== undefined || a.colourBy === 'neutral'));
});

test('the leak sites alone, on their own axis; none when no site has a leak verdict', () => {
  const chart = leakSitesTimeline(demo, diagnosis.groups, members)!;
  assert.deepEqual(
    chart.areas.map((a) => a.verdict),
    ['leak', 'leak', 'leak', 'leak-freed-at-exit'],
  );
  assert.equal(
    leakSitesTimeline(
      demo,
      diagnosis.groups.filter((g) => !LEAKS.includes(g.verdict)),
      members,
    ),
    undefined,
  );
});

test("a site's chart: retained in its verdict's colour, under what it freed; a realloc'ed buffer is retained all along", () => {
  const retained = retainedMemory(demo);
  const chartOf = (g: GroupDiagnosis) => retainedVersusFreed(demo, g, members(g.stackId), retained);

  // log_append grows one buffer by realloc: each step frees the last, yet all of it is the retained buffer
  const log = site('log_append');
  assert.equal(log.verdict, 'leak');
  const [logRetained, logFreed] = chartOf(log).areas;
  assert.equal(logRetained.colourBy, 'leak');
  assert.equal(logFreed.colourBy, 'neutral');
  assert.ok(sum(logRetained.values) > 10 * sum(logFreed.values), 'the ramp is retained, not freed');

  // a temporary site retains nothing
  const [tmpRetained, tmpFreed] = chartOf(site('format_header')).areas;
  assert.equal(sum(tmpRetained.values), 0);
  assert.ok(sum(tmpFreed.values) > 0);

  // session_new: what is retained at the end is what the verdict counts
  const session = site('session_new');
  const [sessionRetained] = chartOf(session).areas;
  assert.ok(last(sessionRetained.values) >= session.retainedBytes, `${last(sessionRetained.values)}`);
});
