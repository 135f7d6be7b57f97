import { LoadOptions, readProfile } from '../profile/loader';
import { Profile } from './profile';

export type { LoadOptions };

/**
 * Loads an .lhp file into a Profile; also a heaptrack recording or a .heapprofile
 * (docs/IMPORT.md). Throws LhpError (one line) on bad input; a truncated file loads with a warning.
 */
export function loadSync(path: string, options: LoadOptions = {}): Profile {
  return new Profile(readProfile(path, options));
}

/** Loads an .lhp file into a Profile (the promise form of loadSync). */
export async function load(path: string, options: LoadOptions = {}): Promise<Profile> {
  return loadSync(path, options);
}
