import type { GroupDiagnosis } from '../diagnose/diagnose';

/** A group's label on charts and headings: its allocating function. */
export function label(g: GroupDiagnosis): string {
  const f = g.frames[0];
  return f ? f.function || `0x${f.address.toString(16)}` : `stack ${g.stackId}`;
}
