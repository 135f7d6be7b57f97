import { addr2line, SourceFrame } from './addr2line';
import { saveSymbols, symbolsOf } from './symbol-cache';
import { lowestLoadAddress } from '../util/elf';

export interface ModuleRange {
  start: number;
  end: number;
  path: string;
}

/** What a native frame resolved to: its module and its source frames, innermost first. */
export interface Resolution {
  module: string;
  frames: SourceFrame[];
}

export interface SymbolizeResult {
  /** The frames of every module that could be read (unknown addresses there resolve to empty names). */
  resolved: Map<number, Resolution>;
  /** Modules that could not be read (gone, or addr2line missing), for a warning. */
  unreadable: string[];
  /** Frames in those modules, left unresolved: frame id → module path. */
  unresolved: Map<number, string>;
}

/**
 * Symbolizes native frames (frame id → return address) against the process's module
 * map: one addr2line run per module for the unique addresses not already resolved
 * (symbol-cache.ts). Frame addresses are return addresses, so each is looked up one byte
 * back, inside the call instruction: that gives the line of the call, not of the
 * statement after it.
 */
export function symbolize(frames: ReadonlyMap<number, number>, modules: readonly ModuleRange[]): SymbolizeResult {
  const sorted = [...modules].sort((a, b) => a.start - b.start);
  const byModule = new Map<ModuleRange, { ids: number[]; addresses: number[] }>();
  for (const [id, address] of frames) {
    const module = findModule(sorted, address);
    if (!module) continue;
    let group = byModule.get(module);
    if (!group) byModule.set(module, (group = { ids: [], addresses: [] }));
    group.ids.push(id);
    group.addresses.push(address);
  }
  const resolved = new Map<number, Resolution>();
  const unreadable: string[] = [];
  const unresolved = new Map<number, string>();
  for (const [module, group] of byModule) {
    const lowest = lowestLoadAddress(module.path);
    const bias = lowest === undefined ? 0 : module.start - lowest;
    const known = symbolsOf(module.path);
    const wanted = [...new Set(group.addresses.map((a) => a - 1 - bias))].filter((a) => !known.has(a));
    if (wanted.length > 0) {
      const found = lowest === undefined ? undefined : addr2line(module.path, wanted);
      if (found) {
        for (const [i, a] of wanted.entries()) known.set(a, found[i]);
        saveSymbols(module.path);
      } else {
        unreadable.push(module.path);
      }
    }
    // Unread addresses stay unresolved, for a later try (addr2line installed, the file back).
    group.ids.forEach((id, i) => {
      const sources = known.get(group.addresses[i] - 1 - bias);
      if (sources)
        resolved.set(id, {
          module: module.path,
          frames: sources.length ? sources : [{ function: '', file: '', line: 0 }],
        });
      else unresolved.set(id, module.path);
    });
  }
  return { resolved, unreadable, unresolved };
}

/** The module an address falls in, by binary search of modules sorted by start. */
function findModule(sorted: readonly ModuleRange[], address: number): ModuleRange | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].start <= address) lo = mid + 1;
    else hi = mid - 1;
  }
  const m = sorted[hi];
  return m && address < m.end ? m : undefined;
}
