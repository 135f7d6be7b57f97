import { framelessName } from './frameless';
import type { Profile } from './profile';

/**
 * The allocation site of each stack: the first stack with the same program frames
 * (its backtrace stripped of allocator, runtime and builtin frames). Stacks that
 * differ only there are one site to a reader — `rememberRequest` allocating through
 * `Array.prototype.push` and directly, `malloc` reached through two allocator paths —
 * and are diagnosed as one site group (`diagnose`, the query's `groupBySite()`).
 * Stacks with no program frame at all are one site per reason (frameless.ts).
 * docs/QUERY.md's "Words" defines site and group.
 */
export function allocationSites(profile: Profile): Int32Array {
  const site = new Int32Array(profile.stacks.length);
  const first = new Map<string, number>();
  for (let s = 0; s < profile.stacks.length; s++) {
    const backtrace = profile.backtrace(s);
    const frames = backtrace.strip().frames;
    const key = frames.length
      ? frames.map((f) => `${f.function}\0${f.file}\0${f.line}\0${f.module}\0${f.address}`).join('\n')
      : `\x01${framelessName(backtrace.frames)}`;
    const seen = first.get(key);
    if (seen === undefined) first.set(key, s);
    site[s] = seen ?? s;
  }
  return site;
}
