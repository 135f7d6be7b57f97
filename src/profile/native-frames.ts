import { Resolution, symbolize } from '../symbolize/symbolize';
import { Frame } from './frames';
import { ModuleInfo } from './profile';

/**
 * Native frames arrive as bare addresses (the recorder does not symbolize in the
 * hot path). `record` appends what they resolve to after the run (symbol records);
 * a file without them (a dump of a running process, a recording whose launcher
 * was killed) is symbolized here, at load, from its module map.
 */
export function resolveNativeFrames(
  frames: Frame[],
  stacks: Uint32Array[],
  symbols: Map<number, Resolution>,
  modules: readonly ModuleInfo[],
  warnings: string[],
): void {
  const pending = new Map<number, number>();
  frames.forEach((f, id) => {
    if (f && !f.function && f.address && !symbols.has(id)) pending.set(id, f.address);
  });
  if (pending.size > 0 && modules.length > 0) {
    const { resolved, unreadable, unresolved } = symbolize(pending, modules);
    for (const [id, r] of resolved) symbols.set(id, r);
    if (unreadable.length) {
      warnings.push(`no symbols from ${unreadable.join(', ')} (gone, or addr2line missing: apt-get install binutils): their frames show as addresses`);
    }
    // an address and its module is still something to go on
    for (const [id, module] of unresolved) frames[id] = { ...frames[id], module };
  }
  if (symbols.size > 0) applySymbols(frames, stacks, symbols);
}

/**
 * Gives each resolved frame its innermost source frame. Where calls were inlined,
 * the outer source frames become frames of their own, inserted after it in every
 * stack that lists it.
 */
function applySymbols(frames: Frame[], stacks: Uint32Array[], symbols: Map<number, Resolution>): void {
  const inlined = new Map<number, number[]>();
  for (const [id, { module, frames: sources }] of symbols) {
    const base = frames[id];
    if (!base || sources.length === 0) continue;
    frames[id] = { ...sources[0], module, address: base.address };
    if (sources.length > 1) {
      inlined.set(
        id,
        sources.slice(1).map((s) => frames.push({ ...s, module, address: base.address }) - 1),
      );
    }
  }
  if (inlined.size === 0) return;
  stacks.forEach((stack, sid) => {
    if (!stack || !stack.some((f) => inlined.has(f))) return;
    stacks[sid] = Uint32Array.from([...stack].flatMap((f) => [f, ...(inlined.get(f) ?? [])]));
  });
}
