import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Only regular files are read and written. A FIFO with no writer blocks a read for ever, a
 * device never ends; an output that is a device, a FIFO or a directory would be written into
 * or replaced (`-o /dev/null` as root). Outputs are written under a temporary name beside them
 * and renamed into place, so a reader never sees half a file and a failure leaves what was there.
 */

/** A path refused, or a file that could not be written: one line for the user. */
export class FileError extends Error {}

/** What a path is, for messages: `a FIFO`, `a directory`… */
export function kindOf(stats: fs.Stats): string {
  if (stats.isFile()) return 'a file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** stat (following links), or undefined when there is nothing there to stat. */
function statOrNothing(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Refuses an input that exists and is not a regular file (a symlink to one is fine). A missing
 * or unreadable file is left to the reader, which says so.
 */
export function checkRegularInput(file: string): void {
  const stats = statOrNothing(file);
  if (stats && !stats.isFile()) throw new FileError(`cannot read ${file}: it is ${kindOf(stats)}, not a regular file`);
}

/**
 * The path to write for `output`: a regular file's own path (a symlink's target, so the link
 * stays), or `output` when nothing is there yet. Refuses an output that is not a regular file.
 */
export function regularOutput(output: string): string {
  const stats = statOrNothing(output);
  if (!stats) return output;
  if (!stats.isFile()) throw new FileError(`cannot write ${output}: it is ${kindOf(stats)}, not a regular file`);
  return fs.realpathSync(output);
}

/**
 * Writes each output under a temporary name beside it (`write` gets those names, in order),
 * then renames them into place, the first last: it appears only once the files it goes with
 * are there. Refuses outputs that are not regular files before anything is written; a failure
 * removes the temporaries, leaves what was there, and is a FileError naming the output.
 */
export function writeAtomically(outputs: string[], write: (temporaries: string[]) => void): void {
  const targets = outputs.map(regularOutput);
  const suffix = `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const temporaries = targets.map((t) => path.join(path.dirname(t), `.${path.basename(t)}.${suffix}`));
  let current = 0;
  try {
    write(temporaries);
    for (let i = targets.length - 1; i >= 0; i--) {
      current = i;
      fs.renameSync(temporaries[i], targets[i]);
    }
  } catch (err) {
    for (const t of temporaries) fs.rmSync(t, { force: true });
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e.syscall === 'string') {
      const failed = temporaries.indexOf(e.path ?? '');
      throw new FileError(`cannot write ${outputs[failed >= 0 ? failed : current]}: ${e.code ?? e.message}`);
    }
    throw err;
  }
}

/** One file written atomically (a new file, never one that was there: the temporary is created exclusively). */
export function writeFileAtomically(output: string, data: string | Uint8Array): void {
  writeAtomically([output], ([temporary]) => fs.writeFileSync(temporary, data, { flag: 'wx' }));
}

/**
 * Makes a directory and its missing parents one level at a time (node's recursive mkdir loops
 * for ever where mkdir says ENOENT under a parent that exists, as in /proc). A FileError when
 * the path or a parent is something else than a directory; mkdir's own error otherwise.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (let stats = statOrNothing(at); !stats; stats = statOrNothing(at)) {
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  const existing = statOrNothing(at);
  if (existing && !existing.isDirectory()) throw new FileError(`${at} is ${kindOf(existing)}, not a directory`);
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      // made meanwhile by someone else: as good
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statOrNothing(d)?.isDirectory()) throw err;
    }
  }
}
