import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The other profiles of the recording `file` belongs to: `<base>.<pid>.lhp` (a process
 * the recorded program started, or the image it replaced by exec) and
 * `<base>.<pid>.<n>.lhp` (a worker thread of one), beside `<base>.lhp`. Sorted by pid,
 * then n. None when the directory cannot be read.
 *
 * `run.lhp` → `run.4242.lhp`, `run.4242.1.lhp`; `run.4242.lhp` → its own `run.4242.<n>.lhp`.
 */
export function siblingProfiles(file: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file).replace(/\.lhp$/, '');
  const pattern = new RegExp(`^${escapeRegExp(base)}\\.(\\d+)(?:\\.(\\d+))?\\.lhp$`);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const found: { file: string; pid: number; n: number }[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (m) found.push({ file: path.join(dir, name), pid: Number(m[1]), n: m[2] === undefined ? -1 : Number(m[2]) });
  }
  return found.sort((a, b) => a.pid - b.pid || a.n - b.n).map((f) => f.file);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
