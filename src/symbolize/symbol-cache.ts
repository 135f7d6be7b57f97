import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SourceFrame } from './addr2line';

/**
 * What a binary's file addresses resolved to, kept in memory for the processes of
 * one recording (a shell's children, a server's workers share their binaries, at
 * other load addresses) and on disk for the next recording of the same build, so
 * addr2line reads a big binary's debug info only for addresses not seen before.
 * A file is known by its path, size and modification time: a rebuilt binary is read
 * again. The disk cache is `$LEAKHOUND_CACHE_DIR`, else `$XDG_CACHE_HOME/leakhound`,
 * else `~/.cache/leakhound`; when it cannot be written, only memory is used.
 */
type Entries = Map<number, SourceFrame[]>;

const memory = new Map<string, Entries>();

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(process.env.LEAKHOUND_CACHE_DIR || path.join(base, 'leakhound'), 'symbols');
}

/** The cache file of a binary, or undefined when the binary cannot be read. */
function cacheFile(binary: string): string | undefined {
  try {
    const st = fs.statSync(binary);
    const id = createHash('sha1').update(`${binary}\0${st.size}\0${st.mtimeMs}`).digest('hex');
    return path.join(cacheDir(), `${id}.json`);
  } catch {
    return undefined;
  }
}

/** The resolved addresses of a binary (file address → source frames); add to it, then `saveSymbols`. */
export function symbolsOf(binary: string): Entries {
  const file = cacheFile(binary) ?? `missing:${binary}`;
  let entries = memory.get(file);
  if (!entries) {
    entries = new Map();
    try {
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { addresses: [number, SourceFrame[]][] };
      for (const [address, frames] of saved.addresses) entries.set(address, frames);
    } catch {
      // not cached yet, or unreadable: start empty
    }
    memory.set(file, entries);
  }
  return entries;
}

/** Writes a binary's resolved addresses to the disk cache (atomically; silently not, if it cannot). */
export function saveSymbols(binary: string): void {
  const file = cacheFile(binary);
  const entries = file && memory.get(file);
  if (!file || !entries) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify({ binary, addresses: [...entries] }));
    fs.renameSync(temp, file);
  } catch {
    // a read-only home, a full disk: the memory cache still serves this process
  }
}
