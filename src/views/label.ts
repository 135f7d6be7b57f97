import type { GroupDiagnosis } from '../diagnose/diagnose';
import { Frame, frameName } from '../profile/frames';

/** A group's label on charts and headings: its allocating function. */
export function label(g: GroupDiagnosis): string {
  const f = g.frames[0];
  return f ? frameName(f) : `stack ${g.stackId}`;
}

/** A frame as the web UI's tables show it: its name (frameName), file and line. */
export function frameCell(frame: Frame | undefined): { function: string; file: string; line: number } | null {
  return frame ? { function: frameName(frame), file: frame.file, line: frame.line } : null;
}
