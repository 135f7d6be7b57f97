import type { GroupDiagnosis } from '../diagnose/diagnose';
import type { Backtrace } from '../profile/backtrace';
import { framelessName } from '../profile/frameless';
import { baseName, Frame, frameName } from '../profile/frames';

/** What names a site: its program's frames, or, with none, why (a diagnosed group, a query's group). */
export type Site = Pick<GroupDiagnosis, 'frames' | 'frameless'>;
type SiteFrame = Site['frames'][number];

/** The site of a backtrace (a query's group), as `label` takes it. */
export function siteOf(backtrace: Backtrace): Site {
  const frames = backtrace.strip().frames;
  return frames.length ? { frames: [...frames] } : { frames: [], frameless: framelessName(backtrace.frames) };
}

/**
 * A site's own name, as a heading or a table row names it: its allocating function
 * and file:line (`session_new (session.c:57)`); `(no symbols: libfoo.so+0x1234)` when
 * that frame has no symbol; for a site with no frame of the program's own, why and
 * where (`GroupDiagnosis.frameless`). `labels` adds callers where two sites share it.
 */
export function label(g: Site): string {
  const f = g.frames[0];
  return f ? named(f) : (g.frameless ?? '(no stack captured)');
}

/**
 * Labels of groups shown together (a legend, a table), each naming its site uniquely:
 * `label`, and when two sites share it, their callers, one frame further out at a
 * time, until they differ: `format_header (http.c:41) < send_response`.
 */
export function labels(groups: readonly Site[]): string[] {
  const depth = groups.map(() => 1);
  for (let round = 0; round < 4; round++) {
    const text = groups.map((g, k) => path(g, depth[k]));
    const count = new Map<string, number>();
    for (const t of text) count.set(t, (count.get(t) ?? 0) + 1);
    if (text.every((t) => count.get(t) === 1)) return text;
    text.forEach((t, k) => {
      if (count.get(t)! > 1) depth[k]++;
    });
  }
  return groups.map((g, k) => path(g, depth[k]));
}

/** The site's label with `depth - 1` callers. */
function path(g: Site, depth: number): string {
  return [label(g), ...g.frames.slice(1, depth).map(frameName)].join(' < ');
}

/** A frame's name and its file's base name and line, when known. */
function named(f: SiteFrame): string {
  return f.file ? `${functionOf(f)} (${baseName(f.file)}${f.line ? `:${f.line}` : ''})` : functionOf(f);
}

/** A site's function, or that it has no symbol and where it is: `(no symbols: libfoo.so+0x1234)`. */
function functionOf(f: SiteFrame): string {
  return f.function || `(no symbols: ${frameName(f)})`;
}

/** A frame as the web UI's tables show it: its name (`functionOf`), file and line. */
export function frameCell(frame: Frame | undefined): { function: string; file: string; line: number } | null {
  return frame ? { function: functionOf(frame), file: frame.file, line: frame.line } : null;
}

/** A site as the web UI's tables show it: its innermost frame, or, with none, its label. */
export function siteCell(site: Site): { function: string; file: string; line: number } {
  return frameCell(site.frames[0]) ?? { function: label(site), file: '', line: 0 };
}

/**
 * A site's backtrace as text, one frame a line: its program's frames, or, for a site
 * with none, the whole stack (allocator, start-up code), which is all there is to go on.
 */
export function backtraceText(backtrace: Backtrace): string {
  const own = backtrace.strip();
  return (own.frames.length ? own : backtrace).toString();
}
