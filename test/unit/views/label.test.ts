/** A chart's legend names each site uniquely. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GroupDiagnosis } from '../../../src/diagnose/diagnose';
import { labels } from '../../../src/views/label';

const frame = (fn: string, line: number) => ({ function: fn, file: `/src/${fn}.c`, line, module: '', address: 0 });
const group = (stackId: number, ...frames: ReturnType<typeof frame>[]) => ({ stackId, frames }) as GroupDiagnosis;

test('labels: function and file:line; callers only where two sites would read alike; a site with no frame says so', () => {
  const shown = [
    group(0, frame('parse_request', 41), frame('handle', 10), frame('main', 3)),
    group(1, frame('parse_request', 41), frame('reload', 20), frame('main', 3)),
    group(2, frame('cache_put', 7), frame('handle', 11)),
    group(3),
  ];
  assert.deepEqual(labels(shown), [
    'parse_request (parse_request.c:41) < handle',
    'parse_request (parse_request.c:41) < reload',
    'cache_put (cache_put.c:7)',
    "stack 3 (no frame of the program's own: allocator or runtime frames only)",
  ]);
});
