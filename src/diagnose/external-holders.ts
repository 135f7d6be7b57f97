import { formatBytes } from '../util/units';
import type { Diagnosis, GroupDiagnosis } from './diagnose';
import type { UnattributedGrowth } from './unattributed';
import { allocatesBackingStore, backingStoreCaller, qualifiedName } from './v8-heap';

/** A native allocation site that keeps memory a JS profile could not attribute. */
export interface ExternalHolder {
  /** Where the memory was asked for: for a Buffer, the first frame past the ArrayBuffer allocator's own. */
  function: string;
  file: string;
  line: number;
  /** Bytes of the site alive when the work ended (leaked, or freed only at exit). */
  bytes: number;
  verdict: GroupDiagnosis['verdict'];
  growthBytesPerSecond: number;
  /** The site's group in the native Diagnosis. */
  stackId: number;
  /** The site allocates ArrayBuffers' backing stores (Buffers' contents). */
  backingStore: boolean;
}

/** An unattributed series with the native sites that hold its growth (none when it does not grow, or no site leaks). */
export interface ExplainedGrowth extends UnattributedGrowth {
  heldBy: ExternalHolder[];
}

/**
 * Explains a JS profile's unattributed growth (`external`, `array-buffers`: memory
 * outside the JS heap) by the native profile of the same process (`record
 * --native`): the native sites that keep it, most retained bytes first.
 * `array-buffers` is held by the sites that allocate ArrayBuffers' backing stores
 * and grow (`leak`, `leak-freed-at-exit`, or `unclear` with growth: the JS series
 * has shown the growth steady, where the native view, whose clock counts node's
 * start-up mallocs, may see it late); `external` by those, or, when there are none,
 * by the native sites that leak (an addon's memory it reports to V8 as external).
 * V8's own heap sites hold none of it.
 */
export function externalHolders(unattributed: readonly UnattributedGrowth[], native: Diagnosis): ExplainedGrowth[] {
  const sites = native.groups.filter((g) => !g.v8Heap);
  const leaking = sites.filter((g) => g.verdict === 'leak' || g.verdict === 'leak-freed-at-exit');
  const stores = sites.filter(
    (g) =>
      allocatesBackingStore(g.frames) &&
      (g.verdict === 'leak' ||
        g.verdict === 'leak-freed-at-exit' ||
        (g.verdict === 'unclear' && g.growthBytesPerSecond > 0)),
  );
  return unattributed.map((u) => {
    if (u.verdict !== 'leak' && u.verdict !== 'unclear') return { ...u, heldBy: [] };
    const sites = stores.length > 0 || u.series === 'array-buffers' ? stores : leaking;
    const heldBy = sites.map(holder).sort((a, b) => b.bytes - a.bytes || a.stackId - b.stackId);
    return heldBy.length === 0 ? { ...u, heldBy } : { ...u, heldBy, explanation: withHolders(u.explanation, heldBy) };
  });
}

function holder(g: GroupDiagnosis): ExternalHolder {
  const backingStore = allocatesBackingStore(g.frames);
  const at = (backingStore ? backingStoreCaller(g.frames) : undefined) ?? g.frames[0];
  return {
    function: at?.function ?? '',
    file: at?.file ?? '',
    line: at?.line ?? 0,
    bytes: g.retainedBytes,
    verdict: g.verdict,
    growthBytesPerSecond: g.growthBytesPerSecond,
    stackId: g.stackId,
    backingStore,
  };
}

function withHolders(explanation: string, heldBy: ExternalHolder[]): string {
  const named = heldBy
    .slice(0, 3)
    .map(
      (h) =>
        `${qualifiedName(h.function)}${h.file ? ` (${h.file}${h.line ? `:${h.line}` : ''})` : ''} ${formatBytes(h.bytes)}`,
    );
  const more = heldBy.length > 3 ? ` and ${heldBy.length - 3} more` : '';
  return `${explanation}; native allocation sites that keep it (record --native): ${named.join(', ')}${more}`;
}
