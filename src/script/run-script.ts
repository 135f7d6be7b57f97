import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Profile } from '../api/profile';
import { ScriptApi, scriptApi, ScriptApiOptions } from './script-api';

import { ScriptError } from './errors';

/** tsx's scoped require: loads a TypeScript (or JavaScript) file, compiled by esbuild in memory. Loaded when a script runs: every other command starts without it. */
const tsxRequire = (id: string, fromFile: string): unknown =>
  (require('tsx/cjs/api') as { require: (id: string, fromFile: string) => unknown }).require(id, fromFile);

/**
 * Runs a script with the API's verbs as globals (`allocations()`, `graph()`,
 * `data()`, `println()`, …). A script may also export a function taking the API,
 * sync or async: `export default async function (api) { … }`.
 */
export async function runScript(file: string, profile: Profile, options: ScriptApiOptions): Promise<void> {
  const script = path.resolve(file);
  if (!fs.existsSync(script)) throw new ScriptError(`no script ${file}`);
  const api = scriptApi(profile, options);
  const globals = globalThis as unknown as Record<string, unknown>;
  const saved = new Map(Object.keys(api).map((k) => [k, globals[k]]));
  Object.assign(globals, api);
  try {
    const exported = tsxRequire(script, __filename) as { default?: unknown } | ((api: ScriptApi) => unknown);
    const main = typeof exported === 'function' ? exported : exported?.default;
    if (typeof main === 'function') await (main as (api: ScriptApi) => unknown)(api);
  } catch (err) {
    throw new ScriptError(`${file}: ${describe(err, script)}`);
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete globals[k];
      else globals[k] = v;
    }
  }
}

/** The error's message and the script's line it came from (tsx maps it to the source). */
function describe(err: unknown, script: string): string {
  if (!(err instanceof Error)) return String(err);
  const line = err.stack?.split('\n').find((l) => l.includes(script));
  const at = line ? /:(\d+):\d+\)?$/.exec(line)?.[1] : undefined;
  return at ? `line ${at}: ${err.message}` : err.message.split('\n')[0];
}
