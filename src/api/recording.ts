import type { RecordingPart } from '../diagnose/recording';
import { siblingProfiles } from '../format/siblings';
import { loadSync, LoadOptions } from './load';

/**
 * The profiles of the recording `file` names: it first, then the other processes'
 * beside it (format/siblings), each loaded when its turn comes.
 */
export function recordingParts(file: string, options: LoadOptions = {}): RecordingPart[] {
  return [file, ...siblingProfiles(file)].map((f) => ({ file: f, load: () => loadSync(f, options) }));
}
