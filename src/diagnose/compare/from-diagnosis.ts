import type { Profile } from '../../profile/profile';
import type { Diagnosis } from '../diagnose';
import type { ComparedRecording } from './compare';

/**
 * One profile's diagnosis as `compare` takes it. A Node.js recording's groups are
 * samples (V8's sampling heap profiler), so their rates carry sampling noise.
 */
export function comparedRecording(source: string, profile: Profile, diagnosis: Diagnosis): ComparedRecording {
  const sampled = profile.header.recorder === 'node';
  return {
    source,
    groups: diagnosis.groups.map((g) => ({ ...g, sampled })),
    lifetimes: diagnosis.imported?.lifetimes !== false,
  };
}
