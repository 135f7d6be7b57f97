import type { GroupDiagnosis } from '../diagnose';

/**
 * How many frames, innermost first, identify a site in another build of the program.
 * The innermost alone would merge distinct sites: a helper that allocates for several
 * callers (`make_buffer`, a project's own `xmalloc` leakhound does not know) is the
 * first frame of each of them. The whole stack would split one site whenever anything
 * between it and `main` changed. Three frames — the allocating function and two callers —
 * tell the sites of a program apart as a reader does, and a change further out does not
 * move them.
 */
export const SITE_FRAMES = 3;

/** A frame as it is matched across builds: its function and the name of its file. */
export interface SiteFrame {
  function: string;
  file: string;
}

/**
 * The frames that identify a group's site across two recordings: function and file
 * name of its SITE_FRAMES innermost frames. Not lines (they move between commits),
 * nor addresses (they move between builds), nor directories (the base is often built
 * in another checkout: a `git worktree` beside the workspace). A frame without a
 * symbol is known by its module's name alone.
 */
export function siteFrames(frames: GroupDiagnosis['frames']): SiteFrame[] {
  return frames.slice(0, SITE_FRAMES).map((f) => ({
    function: f.function || `?? in ${baseName(f.module) || 'unknown module'}`,
    file: baseName(f.file),
  }));
}

/** One string per site, for a Map. */
export function siteKey(frames: SiteFrame[]): string {
  return frames.map((f) => `${f.function}\0${f.file}`).join('\n');
}

/** The last component of a path or URL (`/src/a/b.c`, `file:///app/b.js`, `node_modules/x/b.js` → `b.…`). */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
