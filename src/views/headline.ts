import type { Diagnosis } from '../diagnose/diagnose';

/** The verdict in a line, as a report's and the web UI's title. */
export function headline(d: Diagnosis): string {
  if (d.imported?.lifetimes === false) {
    return `UNCLEAR: ${d.groupCount} allocation sites hold memory, but a .heapprofile shows what was alive when it was taken, not what grows`;
  }
  const leaking = d.groups.filter((g) => g.verdict === 'leak' || g.verdict === 'leak-freed-at-exit').length;
  const outside = d.unattributed.filter((u) => u.verdict === 'leak').map((u) => u.series);
  const growingOutside = `memory outside the allocation sites grows (${outside.join(', ')})`;
  if (leaking > 0) {
    const sites = `LEAK: ${leaking} of ${d.groupCount} allocation sites retain growing memory`;
    return outside.length ? `${sites}; ${growingOutside}` : sites;
  }
  if (outside.length) return `LEAK: ${growingOutside}; none of ${d.groupCount} allocation sites retains growing memory`;
  return `NO LEAK: none of ${d.groupCount} allocation sites retains growing memory`;
}
