import type { RecordingPart } from '../diagnose/recording';
import { siblingProfiles } from '../format/siblings';
import { loadSync, LoadOptions } from './load';
import type { Profile } from './profile';

/** A profile of a recording, loaded as this API's Profile (with its verbs). */
export interface ProfilePart extends RecordingPart {
  load(): Profile;
}

/**
 * The profiles of the recording `file` names: it first, then the other processes'
 * beside it (format/siblings), each loaded when its turn comes.
 */
export function recordingParts(file: string, options: LoadOptions = {}): ProfilePart[] {
  return [file, ...siblingProfiles(file)].map((f) => ({ file: f, load: () => loadSync(f, options) }));
}
