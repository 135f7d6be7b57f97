import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The other profiles of the recording `file` belongs to: `<base>.<pid>.lhp` (a process
 * the recorded program started, or the image it replaced by exec) and
 * `<base>.<pid>.<n>.lhp` (a worker thread of one), beside `<base>.lhp`; and, when
 * the native recorder ran node processes with the node agent in them (`record
 * --native`), each one's JavaScript profile, `<base>.<pid>.js.lhp` (a worker
 * thread's: `<base>.<pid>.<thread>.js.lhp`). Sorted by pid, then n, a JS profile
 * after the native one of the same name. None when the directory cannot be read.
 *
 * `run.lhp` → `run.4242.lhp`, `run.4242.js.lhp`, `run.4242.1.lhp`; `run.4242.lhp` → its own `run.4242.<n>.lhp`.
 */
export function siblingProfiles(file: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file).replace(/\.lhp$/, '');
  const pattern = new RegExp(`^${escapeRegExp(base)}\\.(\\d+)(?:\\.(\\d+))?(\\.js)?\\.lhp$`);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const found: { file: string; pid: number; n: number; js: boolean }[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (m) {
      const n = m[2] === undefined ? -1 : Number(m[2]);
      found.push({ file: path.join(dir, name), pid: Number(m[1]), n, js: m[3] !== undefined });
    }
  }
  return found.sort((a, b) => a.pid - b.pid || a.n - b.n || Number(a.js) - Number(b.js)).map((f) => f.file);
}

/** A JavaScript profile the node agent wrote beside a native recording (`<base>.<pid>[.<thread>].js.lhp`). */
export function isJsProfileName(file: string): boolean {
  return /\.\d+(?:\.\d+)?\.js\.lhp$/.test(file);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
