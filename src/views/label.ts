import type { GroupDiagnosis } from '../diagnose/diagnose';
import { Frame, frameName } from '../profile/frames';

/** A group's label on headings and in the web UI's tables: its allocating function. */
export function label(g: GroupDiagnosis): string {
  const f = g.frames[0];
  return f ? frameName(f) : `stack ${g.stackId}`;
}

/**
 * Labels of groups shown together (a chart's legend), each naming its site uniquely:
 * function, file and line; a label two sites share gets their callers, one frame
 * further out at a time, until they differ.
 */
export function labels(groups: GroupDiagnosis[]): string[] {
  const depth = groups.map(() => 1);
  for (let round = 0; round < 4; round++) {
    const text = groups.map((g, k) => path(g, depth[k]));
    const shared = text.map((t) => text.filter((u) => u === t).length > 1);
    if (!shared.includes(true)) return text;
    shared.forEach((s, k) => {
      if (s) depth[k]++;
    });
  }
  return groups.map((g, k) => path(g, depth[k]));
}

/** The site where it allocates, with `depth - 1` callers: `format_header (http.c:41) < send_response`. */
function path(g: GroupDiagnosis, depth: number): string {
  const f = g.frames[0];
  if (!f) return `stack ${g.stackId} (no frame of the program's own: allocator or runtime frames only)`;
  return [named(f), ...g.frames.slice(1, depth).map(frameName)].join(' < ');
}

/** A frame's name and its file's base name and line, when known. */
function named(f: Frame): string {
  const file = f.file.split('/').pop();
  return file ? `${frameName(f)} (${file}${f.line ? `:${f.line}` : ''})` : frameName(f);
}

/** A frame as the web UI's tables show it: its name (frameName), file and line. */
export function frameCell(frame: Frame | undefined): { function: string; file: string; line: number } | null {
  return frame ? { function: frameName(frame), file: frame.file, line: frame.line } : null;
}
