import type { RecordingDiagnosis } from '../recording';
import type { ComparedRecording } from './compare';

/**
 * A whole recording's diagnosis (every process's groups) as `compare` takes it. A
 * sampled profile's groups (Node.js: V8's sampling heap profiler; native with
 * --sample) carry sampling noise in their rates.
 */
export function comparedRecording(source: string, rd: RecordingDiagnosis): ComparedRecording {
  const sampled = new Map(
    rd.processes.map(({ summary, diagnosis }) => [summary.file, diagnosis.sampling !== undefined]),
  );
  return {
    source,
    groups: rd.groups.map((g) => ({ ...g, sampled: sampled.get(g.profile) === true })),
    lifetimes: rd.named.diagnosis.imported?.lifetimes !== false,
  };
}
