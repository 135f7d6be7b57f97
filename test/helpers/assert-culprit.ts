/** Assertions on `analyze --json` shared by the recorders' end-to-end tests. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { AnalysisJson as Analysis, GroupJson as Group } from './helpers';

/** The groups, one line each, for failure messages. */
export function summary(a: Analysis): string {
  const lines = a.groups.map((g) => {
    const frames = g.frames.slice(0, 4).map((f) => `${f.function || '?'} (${path.basename(f.file) || '?'}:${f.line})`);
    return `  ${g.verdict} ${g.leakedBytes} B leaked: ${frames.join(' < ')}${g.explanation ? ` — ${g.explanation}` : ''}`;
  });
  return `verdict ${a.verdict}, ${a.groups.length} groups:\n${lines.join('\n')}`;
}

/** No group is a leak of either kind: none `leak`, none `leak-freed-at-exit`. */
export function assertNoLeakGroup(a: Analysis): void {
  const leaks = a.groups.filter((g) => g.verdict === 'leak' || g.verdict === 'leak-freed-at-exit');
  assert.deepEqual(
    leaks.map((g) => g.verdict),
    [],
    summary(a),
  );
}

const matches = (fn: string, culprit: string | RegExp): boolean =>
  typeof culprit === 'string' ? fn === culprit : culprit.test(fn);

/**
 * The first group with `verdict` has the culprit among its first `depth` frames;
 * for a leak, that frame points into the fixture's source at a real line.
 */
export function assertCulprit(
  a: Analysis,
  verdict: string,
  culprit: string | RegExp,
  source: string,
  depth = 3,
): Group {
  const group = a.groups.find((g) => g.verdict === verdict);
  assert.ok(group, `no ${verdict} group; ${summary(a)}`);
  const frame = group.frames.slice(0, depth).find((f) => matches(f.function, culprit));
  assert.ok(frame, `${culprit} is not among the first ${depth} frames of the first ${verdict} group; ${summary(a)}`);
  if (verdict === 'leak' || verdict === 'leak-freed-at-exit') {
    assert.equal(path.basename(frame.file), source, `the culprit's file; ${summary(a)}`);
    assert.ok(frame.line > 0, `the culprit's line; ${summary(a)}`);
    assert.ok(group.leakedBytes > 0 || verdict === 'leak-freed-at-exit', `leakedBytes of the leak; ${summary(a)}`);
  }
  return group;
}
