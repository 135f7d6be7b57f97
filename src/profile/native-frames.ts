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
      warnings.push(
        `no symbols from ${unreadable.join(', ')} (gone, or addr2line missing: apt-get install binutils): their frames show as addresses`,
      );
    }
    // an address and its module is still something to go on
    for (const [id, module] of unresolved) frames[id] = { ...frames[id], module };
  }
  if (symbols.size > 0) applySymbols(frames, stacks, symbols, warnings);
  setOffsets(frames, modules);
}

/** Gives each frame left without a symbol its offset in its module (`Frame.offset`). */
function setOffsets(frames: Frame[], modules: readonly ModuleInfo[]): void {
  const start = new Map<string, number>();
  for (const m of modules) start.set(m.path, Math.min(m.start, start.get(m.path) ?? Infinity));
  frames.forEach((f, id) => {
    const base = f && !f.function && f.address ? start.get(f.module) : undefined;
    if (base !== undefined && f.address >= base) frames[id] = { ...f, offset: f.address - base };
  });
}

/**
 * Inlining adds a few frames to a stack, not thousands: a file whose symbol records
 * would grow its stacks further than this is damaged, or built to make the loader spin.
 */
const INLINE_BUDGET_PER_FRAME = 32;
const MIN_INLINE_BUDGET = 1 << 20;

/** Frames listed in all stacks, and how many frames inlining would add to them. */
function inlinedCount(
  stacks: readonly Uint32Array[],
  inlined: ReadonlyMap<number, number[]>,
): { listed: number; added: number } {
  let listed = 0;
  let added = 0;
  for (const stack of stacks) {
    listed += stack.length;
    for (const f of stack) added += inlined.get(f)?.length ?? 0;
  }
  return { listed, added };
}

/**
 * Gives each resolved frame its innermost source frame. Where calls were inlined,
 * the outer source frames become frames of their own, inserted after it in every
 * stack that lists it.
 */
function applySymbols(
  frames: Frame[],
  stacks: Uint32Array[],
  symbols: Map<number, Resolution>,
  warnings: string[],
): void {
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
  const { listed, added } = inlinedCount(stacks, inlined);
  if (added > Math.max(MIN_INLINE_BUDGET, INLINE_BUDGET_PER_FRAME * listed)) {
    warnings.push(
      `inlined calls are not shown: they would add ${added} frames to stacks of ${listed} (damaged symbol records?)`,
    );
    return;
  }
  stacks.forEach((stack, sid) => {
    if (!stack?.some((f) => inlined.has(f))) return;
    stacks[sid] = Uint32Array.from([...stack].flatMap((f) => [f, ...(inlined.get(f) ?? [])]));
  });
}
