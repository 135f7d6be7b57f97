import { formatBytes, formatCount, formatRate, formatSeconds, percent } from '../util/units';
import type { Classification } from './classify';
import type { Evidence } from './evidence';
import type { Windows } from './windows';

/**
 * A sentence for the verdict and the numbers behind it. `sampledNative`: a native
 * recording made with --sample, where a few survivors may be all the samples a
 * leak got.
 */
export function explain(
  ev: Evidence,
  c: Classification,
  windows: Windows,
  runtimeNs: number,
  sampledNative = false,
): { explanation: string; evidence: string[] } {
  const retained = `${formatCount(ev.survivorCount)} of ${formatCount(ev.count)} allocations (${formatBytes(ev.survivorBytes)}) retained`;
  const thirds = ev.survivorThirds;
  const inThirds = thirds[0] + thirds[1] + thirds[2] || 1;
  const spread = `allocated ${thirds.map((t) => percent(t / inThirds)).join(' / ')} across the thirds of the run after warm-up`;
  const trend = `live bytes: Theil–Sen slope ${formatRate(ev.slopeAll * 1e9)} after warm-up, ${formatRate(ev.slopeLate * 1e9)} over the later half; Mann–Kendall Z ${ev.zAll.toFixed(1)} / ${ev.zLate.toFixed(1)}`;
  const evidence: string[] = [];
  let explanation: string;
  switch (c.reason) {
    case 'no-survivors':
      explanation = `all ${formatCount(ev.count)} allocations were freed, after ${formatSeconds(ev.meanLifetimeNs / 1e9)} on average`;
      evidence.push(
        `${formatCount(ev.count - ev.leakedCount)} freed, ${formatCount(ev.leakedCount)} never freed (all made in the last moments of the run)`,
      );
      break;
    case 'survivors-throughout':
    case 'steady-growth': {
      const how =
        c.reason === 'survivors-throughout'
          ? `retained memory grows at ${formatRate(c.rate * 1e9)}: survivors were allocated all through the run`
          : `live memory rises steadily at ${formatRate(c.rate * 1e9)} through the run`;
      const atExit =
        c.verdict === 'leak-freed-at-exit'
          ? `; ${percent(ev.survivorsFreedBytes / ev.survivorBytes)} of it is freed only at exit (after ${percent(windows.wall.workEnd / runtimeNs)} of the run)`
          : '';
      explanation = `${how}${atExit}`;
      evidence.push(retained, spread, trend);
      break;
    }
    case 'late-growth':
      explanation = `live memory rose over the later half only (${formatRate(c.rate * 1e9)}): a longer run would tell a leak from a cache still filling up`;
      evidence.push(retained, spread, trend);
      break;
    case 'few-survivors':
      explanation = `only ${formatCount(ev.survivorCount)} allocations retained, scattered over the run, while live memory rises: a rare leak or chance; ${sampledNative ? 'a recording without --sample' : 'a longer run'} would tell`;
      evidence.push(retained, spread, trend);
      break;
    case 'start-up':
      explanation = `${formatBytes(ev.survivorBytes)} allocated during warm-up and kept, not growing afterwards: start-up state or a pool at its high-water mark`;
      evidence.push(retained, trend);
      break;
    case 'no-lifetimes':
      explanation = `${formatBytes(ev.survivorBytes)} in ${formatCount(ev.count)} sampled allocations alive when the profile was taken; without lifetimes, whether it grows cannot be told`;
      break;
    case 'plateau':
      explanation = `live memory levels off at ${formatBytes(ev.liveBytesAtWorkEnd)} (peak ${formatBytes(ev.peakLiveBytes)}) however much is allocated: a cache, pool or high-water mark`;
      evidence.push(retained, spread, trend);
      break;
  }
  return { explanation, evidence };
}
