import * as path from 'node:path';
import type { Frame } from '../profile/frames';
import type { Profile } from '../profile/profile';
import { shownFrames } from '../profile/backtrace';
import { frameName } from '../profile/frames';
import { StackTotals, StackValue, stackTotals, valuesOf } from './stack-totals';

const { version } = require('../../package.json') as { version: string };

/** speedscope's file format (https://www.speedscope.app/file-format-schema.json), the parts written here. */
export interface SpeedscopeFile {
  $schema: 'https://www.speedscope.app/file-format-schema.json';
  name: string;
  exporter: string;
  activeProfileIndex: number;
  shared: { frames: { name: string; file?: string; line?: number }[] };
  profiles: SpeedscopeSampledProfile[];
}

export interface SpeedscopeSampledProfile {
  type: 'sampled';
  name: string;
  unit: 'bytes' | 'none';
  startValue: number;
  endValue: number;
  /** Stacks of indices into shared.frames, outermost frame first. */
  samples: number[][];
  weights: number[];
}

export interface SpeedscopeOptions {
  /** Only the program's own frames (`Backtrace.strip()`; default true). */
  strip?: boolean;
  /** Per-stack totals already computed. */
  totals?: StackTotals;
}

/** Stands for a stack with no frame at all (as in collapsed stacks). */
const NO_FRAME: Frame = { function: '[unknown]', file: '', line: 0, module: '', address: 0 };

/** The profiles of the file, in this order; the first is the one speedscope opens on. */
const PROFILES: { value: StackValue; name: string; unit: 'bytes' | 'none' }[] = [
  { value: 'leaked', name: 'leaked bytes (never freed)', unit: 'bytes' },
  { value: 'allocated', name: 'allocated bytes', unit: 'bytes' },
  { value: 'leaked-count', name: 'leaked allocations', unit: 'none' },
  { value: 'allocated-count', name: 'allocations', unit: 'none' },
];

/**
 * A speedscope file: four "sampled" profiles over the same frames and stacks (leaked
 * bytes, allocated bytes, leaked allocations, allocations), one sample per distinct
 * stack weighed by its total. speedscope's left-heavy and sandwich views then rank
 * the sites. Frames are shared by name, file and line; stacks are root first.
 */
export function speedscopeFile(profile: Profile, source: string, options: SpeedscopeOptions = {}): SpeedscopeFile {
  const totals = options.totals ?? stackTotals(profile);
  const strip = options.strip ?? true;
  const frames: SpeedscopeFile['shared']['frames'] = [];
  const frameIndex = new Map<string, number>();
  const indexOfFrame = new Map<Frame, number>();
  const indexOf = (frame: Frame): number => {
    let index = indexOfFrame.get(frame);
    if (index !== undefined) return index;
    const name = frameName(frame);
    const key = `${name}\0${frame.file}\0${frame.line}`;
    index = frameIndex.get(key);
    if (index === undefined) {
      index = frames.length;
      frames.push({ name, ...(frame.file ? { file: frame.file } : {}), ...(frame.line ? { line: frame.line } : {}) });
      frameIndex.set(key, index);
    }
    indexOfFrame.set(frame, index);
    return index;
  };

  // distinct shown stacks (stripping makes some stacks alike), and the stack ids of each
  const stackOf = new Map<string, number>();
  const samples: number[][] = [];
  const sampleOfStack = new Int32Array(profile.stacks.length).fill(-1);
  for (let stackId = 0; stackId < profile.stacks.length; stackId++) {
    if (totals.allocatedCount[stackId] === 0) continue;
    const shown = shownFrames(profile.backtrace(stackId), strip);
    const sample: number[] = [];
    for (let i = shown.length - 1; i >= 0; i--) sample.push(indexOf(shown[i]));
    if (sample.length === 0) sample.push(indexOf(NO_FRAME));
    const key = sample.join(',');
    let s = stackOf.get(key);
    if (s === undefined) {
      s = samples.length;
      samples.push(sample);
      stackOf.set(key, s);
    }
    sampleOfStack[stackId] = s;
  }

  const profiles = PROFILES.map(({ value, name, unit }): SpeedscopeSampledProfile => {
    const values = valuesOf(totals, value);
    const perSample = new Float64Array(samples.length);
    for (let stackId = 0; stackId < values.length; stackId++) {
      if (sampleOfStack[stackId] >= 0) perSample[sampleOfStack[stackId]] += values[stackId];
    }
    const out: SpeedscopeSampledProfile = {
      type: 'sampled',
      name,
      unit,
      startValue: 0,
      endValue: 0,
      samples: [],
      weights: [],
    };
    for (let s = 0; s < samples.length; s++) {
      if (perSample[s] === 0) continue; // speedscope skips weightless samples anyway
      out.samples.push(samples[s]);
      out.weights.push(perSample[s]);
      out.endValue += perSample[s];
    }
    return out;
  });

  const command = profile.header.command?.join(' ') ?? '';
  return {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    name: command ? `${path.basename(source)}: ${command}` : path.basename(source),
    exporter: `leakhound ${version}`,
    activeProfileIndex: 0,
    shared: { frames },
    profiles,
  };
}
