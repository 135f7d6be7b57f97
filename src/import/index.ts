/**
 * Files other tools wrote, read into the same Profile as an .lhp stream (docs/IMPORT.md).
 * An importer drives the loader's visitor, as readLhp does, with the records the file
 * amounts to: no temporary .lhp is written.
 */
import type { LhpVisitor } from '../format/reader';
import { importHeapprofile } from './heapprofile';
import { importHeaptrack } from './heaptrack';
import type { ImportedFrom, ImportOptions, ImportResult } from './result';

export { detectFormat, ProfileFormat } from './detect';
export { ImportedFrom, ImportOptions, ImportResult } from './result';

/** Reads a heaptrack recording or a .heapprofile into `visitor`. Throws LhpError (one line) on bad input. */
export function importProfile(
  path: string,
  format: ImportedFrom['format'],
  visitor: LhpVisitor,
  options: ImportOptions = {},
): ImportResult {
  return format === 'heaptrack' ? importHeaptrack(path, visitor, options) : importHeapprofile(path, visitor);
}
