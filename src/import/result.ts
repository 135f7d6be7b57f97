import type { LhpHeader } from '../format/constants';
import type { ProfileFormat } from './detect';

/** What an imported file is, for the Profile's LoadInfo. */
export interface ImportedFrom {
  format: Exclude<ProfileFormat, 'lhp'>;
  /**
   * false when the file has no frees and no times (a .heapprofile): every allocation is
   * alive at time 0, what was alive when the file was taken, and no site can be judged.
   */
  lifetimes: boolean;
}

export interface ImportResult {
  header: LhpHeader;
  compressed: boolean;
  /** Lines (heaptrack) or samples (.heapprofile) read. */
  records: number;
  truncated: boolean;
  /** The writer finished the file. */
  clean: boolean;
  /** What the source lacks and how it was made up for, then any damage: one line each. */
  warnings: string[];
  imported: ImportedFrom;
}

export interface ImportOptions {
  onProgress?: (fraction: number) => void;
}

/** The header fields an importer cannot know: no clock reading, host or pid of the recorded run. */
export function importedHeader(fields: Partial<LhpHeader> & { recorder: string }): LhpHeader {
  return {
    clock: 'monotonic-ns',
    startNs: '0',
    startWallTime: '',
    command: [],
    pid: 0,
    host: { hostname: '', platform: '', arch: '', cpus: 0 },
    ...fields,
  };
}
