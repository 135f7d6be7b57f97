import { addr2line, SourceFrame } from './addr2line';
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
  resolved: Map<number, Resolution>;
  /** Modules that could not be read (gone, or addr2line missing), for a warning. */
  unreadable: string[];
}

/**
 * Symbolizes native frames (frame id → return address) against the process's module
 * map: one addr2line run per module for its unique addresses. Frame addresses are
 * return addresses, so each is looked up one byte back, inside the call instruction:
 * that gives the line of the call, not of the statement after it.
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
  for (const [module, group] of byModule) {
    const lowest = lowestLoadAddress(module.path);
    const bias = lowest === undefined ? 0 : module.start - lowest;
    const unique = [...new Set(group.addresses)];
    const found = lowest === undefined ? undefined : addr2line(module.path, unique.map((a) => a - 1 - bias));
    if (!found) unreadable.push(module.path);
    const byAddress = new Map(unique.map((a, i) => [a, found?.[i] ?? []]));
    group.ids.forEach((id, i) => {
      const sources = byAddress.get(group.addresses[i])!;
      resolved.set(id, { module: module.path, frames: sources.length ? sources : [{ function: '', file: '', line: 0 }] });
    });
  }
  return { resolved, unreadable };
}

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
