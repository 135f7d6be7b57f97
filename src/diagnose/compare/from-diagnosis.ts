import type { RecordingDiagnosis } from '../recording';
import type { ComparedRecording } from './compare';

/**
 * A whole recording's diagnosis (every process's groups) as `compare` takes it. A
 * Node.js profile's groups are samples (V8's sampling heap profiler), so their rates
 * carry sampling noise.
 */
export function comparedRecording(source: string, rd: RecordingDiagnosis): ComparedRecording {
  const recorderOf = new Map(rd.processes.map(({ summary }) => [summary.file, summary.recorder]));
  return {
    source,
    groups: rd.groups.map((g) => ({ ...g, sampled: recorderOf.get(g.profile) === 'node' })),
    lifetimes: rd.named.diagnosis.imported?.lifetimes !== false,
  };
}
