import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  Function as PprofFunction,
  Line,
  Location,
  Mapping,
  Profile as PprofProfile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';
import type { Frame } from '../profile/frames';
import type { Profile } from '../profile/profile';
import { programRange } from '../profile/backtrace';
import { frameName } from '../profile/frames';
import { StackTotals, stackTotals } from './stack-totals';

const { version } = require('../../package.json') as { version: string };

export interface PprofOptions {
  /** Per-stack totals already computed. */
  totals?: StackTotals;
}

/**
 * A pprof profile (profile.proto, gzipped), as `go tool pprof`, Pyroscope and Parca
 * read it: one sample per stack with allocations, valued by the four sample types
 * of Go's heap profiles — inuse_space, inuse_objects, alloc_space, alloc_objects, in
 * that order; "in use" is what was never freed — and inuse_space the default.
 *
 * Stacks are whole, leaf first: a location per leakhound frame (an inlined call is a
 * frame, so a location, of its own, at the same address), a function per distinct
 * name and file (an unsymbolized frame is named by its address in hex), a mapping
 * per module. `drop_frames` names the allocator frames leakhound strips from the
 * leaf end, so `go tool pprof` shows the function that allocated, not malloc.
 */
export function pprofBytes(profile: Profile, source: string, options: PprofOptions = {}): Uint8Array {
  return gzipSync(pprofProfile(profile, source, options).encode());
}

export function pprofProfile(profile: Profile, source: string, options: PprofOptions = {}): PprofProfile {
  const totals = options.totals ?? stackTotals(profile);
  const strings = new StringTable();
  const str = (s: string): number => strings.dedup(s);

  const mappings: Mapping[] = [];
  const mappingOf = new Map<string, Mapping>();
  const mappingFor = (module: string): Mapping => {
    let m = mappingOf.get(module);
    if (!m) {
      const ranges = profile.modules.filter((r) => r.path === module);
      m = new Mapping({
        id: mappings.length + 1,
        memoryStart: ranges.length ? Math.min(...ranges.map((r) => r.start)) : 0,
        memoryLimit: ranges.length ? Math.max(...ranges.map((r) => r.end)) : 0,
        filename: str(module),
        // leakhound has symbolized what it could: no tool should try again
        hasFunctions: true,
      });
      mappings.push(m);
      mappingOf.set(module, m);
    }
    return m;
  };

  // pprof takes the first mapping for the main binary
  const main = mainModule(profile, totals);
  if (main !== undefined) mappingFor(main);

  const functions: PprofFunction[] = [];
  const functionOf = new Map<string, PprofFunction>();
  const functionFor = (frame: Frame): PprofFunction => {
    const name = frameName(frame);
    const key = `${name}\0${frame.file}`;
    let f = functionOf.get(key);
    if (!f) {
      // start_line stays 0: no recorder knows where a function starts
      f = new PprofFunction({
        id: functions.length + 1,
        name: str(name),
        systemName: str(name),
        filename: str(frame.file),
      });
      functions.push(f);
      functionOf.set(key, f);
    }
    return f;
  };

  const locations: Location[] = [];
  const locationOfFrame = new Map<number, Location>();
  const locationFor = (frameId: number): Location => {
    let loc = locationOfFrame.get(frameId);
    if (!loc) {
      const frame = profile.frames[frameId];
      const m = mappingFor(frame.module);
      if (frame.file) m.hasFilenames = true;
      if (frame.line) m.hasLineNumbers = true;
      loc = new Location({
        id: locations.length + 1,
        mappingId: m.id,
        address: frame.address,
        line: [new Line({ functionId: functionFor(frame).id, line: frame.line })],
      });
      locations.push(loc);
      locationOfFrame.set(frameId, loc);
    }
    return loc;
  };

  const samples: Sample[] = [];
  for (let stackId = 0; stackId < profile.stacks.length; stackId++) {
    if (totals.allocatedCount[stackId] === 0) continue;
    const ids = profile.stacks[stackId];
    const locationIds: number[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) locationIds[i] = locationFor(ids[i]).id as number;
    samples.push(
      new Sample({
        locationId: locationIds,
        value: [
          totals.leakedBytes[stackId],
          totals.leakedCount[stackId],
          totals.allocatedBytes[stackId],
          totals.allocatedCount[stackId],
        ],
      }),
    );
  }

  const bytes = str('bytes');
  const count = str('count');
  const sampleType = [
    new ValueType({ type: str('inuse_space'), unit: bytes }),
    new ValueType({ type: str('inuse_objects'), unit: count }),
    new ValueType({ type: str('alloc_space'), unit: bytes }),
    new ValueType({ type: str('alloc_objects'), unit: count }),
  ];
  const drop = dropFramesPattern(profile, totals);
  const interval = profile.header.options?.samplingInterval;
  const command = profile.header.command?.join(' ') ?? '';
  const startMs = Date.parse(profile.header.startWallTime ?? '');
  return new PprofProfile({
    sampleType,
    sample: samples,
    mapping: mappings,
    location: locations,
    function: functions,
    stringTable: strings,
    dropFrames: drop ? str(drop) : 0,
    timeNanos: Number.isFinite(startMs) ? BigInt(startMs) * 1_000_000n : 0,
    durationNanos: Math.round(profile.runtimeNs),
    periodType: new ValueType({ type: str('space'), unit: bytes }),
    // a sampled recording's values are already scaled: the period only says how it was sampled
    period: typeof interval === 'number' && interval > 0 ? interval : 1,
    comment: [str(`leakhound ${version} export of ${path.basename(source)}${command ? `: ${command}` : ''}`)],
    defaultSampleType: sampleType[0].type,
  });
}

/**
 * The program's own module: the one named like the recorded command, else the one
 * holding most of the program's own frames (`strip()`) of the stacks.
 */
function mainModule(profile: Profile, totals: StackTotals): string | undefined {
  const command = profile.header.command?.[0];
  const frameCount = new Map<string, number>();
  for (let stackId = 0; stackId < profile.stacks.length; stackId++) {
    if (totals.allocatedCount[stackId] === 0) continue;
    const frames = profile.backtrace(stackId).frames;
    const { from, to } = programRange(frames);
    for (let i = from; i < to; i++) frameCount.set(frames[i].module, (frameCount.get(frames[i].module) ?? 0) + 1);
  }
  if (command) {
    const named = [...frameCount.keys()].find((m) => m !== '' && path.basename(m) === path.basename(command));
    if (named !== undefined) return named;
  }
  let best: string | undefined;
  let most = 0;
  for (const [module, n] of frameCount) {
    if (n > most) [best, most] = [module, n];
  }
  return best;
}

/**
 * pprof's drop_frames: the names of the frames `Backtrace.strip()` removes from the
 * leaf end of some stack (malloc, operator new, xmalloc, the recorder's, V8's), as a
 * regexp of literals, minus any name that is also one of the program's own frames in
 * another stack: pprof cuts a stack at the outermost match, with everything it
 * called. Names as pprof compares them: cut at the first `(` (its simplifyFunc).
 * Empty when there is nothing to drop.
 */
function dropFramesPattern(profile: Profile, totals: StackTotals): string {
  const dropped = new Set<string>();
  const kept = new Set<string>();
  for (let stackId = 0; stackId < profile.stacks.length; stackId++) {
    if (totals.allocatedCount[stackId] === 0) continue;
    const frames = profile.backtrace(stackId).frames;
    const { from, to } = programRange(frames);
    if (from === to) continue; // nothing of the program's own: pprof keeps such a stack whole too
    for (let i = 0; i < from; i++) dropped.add(pprofSimpleName(frameName(frames[i])));
    for (let i = from; i < frames.length; i++) kept.add(pprofSimpleName(frameName(frames[i])));
  }
  const names = [...dropped].filter((n) => n !== '' && !kept.has(n)).sort();
  return names.map(escapeRegExp).join('|');
}

/** What pprof matches drop_frames against: the name cut at its first `(`, except in `(anonymous namespace)` and `operator()`. */
function pprofSimpleName(name: string): string {
  const re = /\(/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(name))) {
    const rest = name.slice(m.index);
    if (rest.startsWith('(anonymous namespace)') || name.slice(0, m.index + 2).endsWith('operator()')) continue;
    return name.slice(0, m.index);
  }
  return name;
}

/** Escapes a literal for RE2 (Go's regexp) and JavaScript alike. */
function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}
