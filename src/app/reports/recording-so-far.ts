/**
 * A recording that is still being written, loaded in steps for `record
 * --report-every`: each profile of it (the `-o` file, then the other processes'
 * beside it) keeps a loader that reads on from where the last report stopped, so a
 * report reads only what was appended since the one before.
 */
import * as fs from 'node:fs';
import { Profile } from '../../api/profile';
import type { ProfilePart } from '../../api/recording';
import { ReadLimit, WHOLE_FILE } from '../../format/read-limit';
import { siblingProfiles } from '../../format/siblings';
import { ProfileLoader } from '../../profile/loader';

/**
 * The moment a report is of: each profile's size then (the `-o` file first). A report
 * of it holds every record complete within those bytes and nothing written after.
 */
export type Moment = [file: string, bytes: number][];

/** The recording's profiles as they are now: the ones with something in them, with their sizes. */
export function momentNow(profile: string): Moment {
  const moment: Moment = [];
  for (const file of [profile, ...siblingProfiles(profile)]) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat && stat.size > 0) moment.push([file, stat.size]);
  }
  return moment;
}

interface Loaded {
  loader: ProfileLoader;
  /** The file's inode when it was opened: a profile written aside and renamed over it is a new file. */
  inode: number;
}

export class RecordingSoFar {
  private readonly loaded = new Map<string, Loaded>();

  constructor(private readonly profile: string) {}

  /**
   * The recording up to `moment`, or to the end of every profile (`'end'`: the
   * program has ended and the profiles are finished), as a report's parts. Each is
   * read when the report first loads it; a profile that cannot be read is read from
   * its start at the next report.
   */
  partsAt(moment: Moment | 'end'): ProfilePart[] {
    const steps: [string, ReadLimit][] =
      moment === 'end'
        ? [this.profile, ...siblingProfiles(this.profile)].map((file) => [file, WHOLE_FILE])
        : moment.map(([file, bytes]) => [file, { bytes, final: false }]);
    return steps.map(([file, limit]) => {
      let profile: Profile | undefined;
      return {
        file,
        load: () => {
          profile ??= this.readTo(file, limit);
          return profile;
        },
      };
    });
  }

  /**
   * Reads on up to `moment`, between reports: the next report, of a later moment, then
   * has less to read. A profile that cannot be read (yet) is left to the next report.
   */
  readOn(moment: Moment): void {
    for (const [file, bytes] of moment) {
      try {
        this.loaderOf(file).loader.readOn({ bytes, final: false });
      } catch {
        this.forget(file);
      }
    }
  }

  /** Drops every loader: the recording is over. */
  close(): void {
    for (const file of [...this.loaded.keys()]) this.forget(file);
  }

  private readTo(file: string, limit: ReadLimit): Profile {
    const loaded = this.loaderOf(file);
    try {
      return new Profile(loaded.loader.readTo(limit));
    } catch (err) {
      this.forget(file);
      throw err;
    }
  }

  private loaderOf(file: string): Loaded {
    const inode = fs.statSync(file, { throwIfNoEntry: false })?.ino;
    const known = this.loaded.get(file);
    if (known && known.inode === inode) return known;
    if (known) this.forget(file);
    const loaded = { loader: new ProfileLoader(file), inode: inode ?? -1 };
    this.loaded.set(file, loaded);
    return loaded;
  }

  private forget(file: string): void {
    this.loaded.get(file)?.loader.close();
    this.loaded.delete(file);
  }
}
