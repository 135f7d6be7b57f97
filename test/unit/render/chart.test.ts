import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartSvg } from '../../../src/render/svg/chart';
import { VERDICT_PAINT } from '../../../src/render/svg/verdict-colours';
import { loadSync } from '../../../src/api/load';
import { simulate } from '../../../src/simulate/simulate';
import * as path from 'node:path';
import { tmpDir } from '../../helpers/helpers';

const all = (svg: string, re: RegExp) => [...svg.matchAll(re)].map((m) => m[1]);

test('a chart: stacked areas in order, lines, marks, a legend for each, axes in human units', () => {
  const svg = chartSvg({
    title: 'demo <&>',
    time: [0, 1, 2, 3],
    areas: [
      { label: 'Leaked', values: [0, 1 << 20, 2 << 20, 3 << 20] },
      { label: 'Temporary', values: [0, 1 << 20, 1 << 20, 1 << 20] },
    ],
    lines: [{ label: 'RSS', time: [0, 1.5, 3], values: [5 << 20, 6 << 20, 7 << 20] }],
    marks: [{ time: 1.5, label: 'SIGUSR2 dump' }],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="lh-chart" width="800" height="\d+"/);
  assert.match(svg, /<\/svg>$/);
  assert.match(svg, /<title>demo &lt;&amp;&gt;<\/title>/, 'text is escaped');
  assert.deepEqual(all(svg, /class="lh-area" data-label="([^"]+)"/g), ['Leaked', 'Temporary']);
  assert.deepEqual(all(svg, /class="lh-line" data-label="([^"]+)"/g), ['RSS']);
  assert.equal(all(svg, /class="(lh-mark)"/g).length, 1);
  assert.deepEqual(all(svg, /class="lh-legend-item"[^>]*>.*?<text[^>]*>([^<]+)</g), ['Leaked', 'Temporary', 'RSS']);
  const yTicks = all(svg, /<text x="-6"[^>]*>([^<]+)</g);
  assert.ok(yTicks.includes('0') && yTicks.some((t) => / MiB$/.test(t)), yTicks.join(' | '));
  const xTicks = all(svg, /text-anchor="middle">([^<]+)</g);
  assert.ok(xTicks.length > 1 && xTicks.every((t) => / s$/.test(t)), xTicks.join(' | '));
  // the second area sits on the first: its top at the last instant is 4 MiB, the y axis reaches 7 MiB for the line
  assert.ok(
    yTicks.some((t) => /^[78] MiB$/.test(t)),
    yTicks.join(' | '),
  );
});

test("a profile's graph stacks as bytehound draws it: each allocation in the first series that holds it", () => {
  const file = path.join(tmpDir(), 'demo.lhp');
  simulate({ output: file, allocations: 20_000, seed: 3 });
  const p = loadSync(file);
  const leaked = p.allocations().onlyLeaked();
  const [first, rest] = p.graph().add('Leaked', leaked).add('Temporary', p.allocations()).stackedSeries(50);
  const [alone] = p.graph().add(p.allocations()).series(50);
  for (let i = 0; i < 50; i++) assert.equal(first.liveBytes[i] + rest.liveBytes[i], alone.liveBytes[i]);
  assert.equal(first.liveBytes[49], leaked.size(), 'at the end only the leaked ones are alive');
  const svg = p.graph().add('Leaked', leaked).toSvg();
  assert.equal(all(svg, /class="(lh-mark)"/g).length, p.marks.length);
});

test('areas of sites: coloured by verdict family, the verdict leading each legend entry, data-verdict on both', () => {
  const svg = chartSvg({
    time: [0, 1],
    areas: [
      { label: 'a (a.c:1)', values: [0, 1], verdict: 'leak' },
      { label: 'b (b.c:2)', values: [0, 1], verdict: 'leak' },
      { label: 'c (c.c:3)', values: [0, 4], verdict: 'bounded' },
      { label: 'all other sites', values: [0, 1], colourBy: 'neutral' },
    ],
  });
  assert.deepEqual(all(svg, /class="lh-area" data-label="([^"]+)"/g), [
    'a (a.c:1)',
    'b (b.c:2)',
    'c (c.c:3)',
    'all other sites',
  ]);
  assert.deepEqual(all(svg, /class="lh-area"[^>]* data-verdict="([^"]+)"/g), ['leak', 'leak', 'bounded']);
  assert.deepEqual(all(svg, /class="lh-legend-item"[^>]*>.*?<text[^>]*>([^<]+)</g), [
    'leak: a (a.c:1)',
    'leak: b (b.c:2)',
    'bounded: c (c.c:3)',
    'all other sites',
  ]);
  const fills = all(svg, /class="lh-area"[^>]* fill="([^"]+)"/g);
  assert.deepEqual(fills, [
    VERDICT_PAINT.leak.shades[0],
    VERDICT_PAINT.leak.shades[1],
    VERDICT_PAINT.bounded.shades[0],
    VERDICT_PAINT.neutral.shades[0],
  ]);
  const opacity = all(svg, /class="lh-area"[^>]* fill-opacity="([^"]+)"/g).map(Number);
  assert.ok(opacity[0] > opacity[2] && opacity[2] > 0, `a leak is more solid than a bounded site: ${opacity}`);
});
