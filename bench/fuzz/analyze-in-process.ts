/**
 * What `leakhound analyze` does with a file, in this process: load, diagnose, render
 * as JSON and as text (src/app/cli/analyze.ts, with its default options). An input passes
 * when this returns, or throws one of the errors the CLI prints as one line.
 */
import * as path from 'node:path';
import { diagnoseRecording } from '../../src/diagnose/recording';
import { LhpError } from '../../src/format/errors';
import { loadSync } from '../../src/api/load';
import { diagnosisJson } from '../../src/render/json';
import { recordingText } from '../../src/render/text';

/** analyze's defaults (its --exit-window and --warmup). */
const OPTIONS = { exitWindow: 0.02, warmup: 0.1 };

export type Outcome =
  /** `json`: the analyze --json object, with `<file>` for the file's path. */
  | { kind: 'ok'; json: string }
  | { kind: 'refused'; message: string }
  /** Anything the CLI would print as "internal error" (or, for `message`, a refusal that is not one line naming the file). */
  | { kind: 'internal' | 'message'; message: string; stack: string };

export function analyzeInProcess(file: string): Outcome {
  try {
    // the file alone: a fuzzed input has no siblings
    const rd = diagnoseRecording([{ file, load: () => loadSync(file, { progress: false }) }], OPTIONS);
    const json = JSON.stringify(diagnosisJson(rd, file, 100));
    recordingText(rd, file, 10);
    return { kind: 'ok', json: json.replaceAll(JSON.stringify(file).slice(1, -1), '<file>') };
  } catch (err) {
    // the one error the loader and the analysis may throw at a user (src/app/cli/errors.ts reportError):
    // one line that names the file
    const e = err instanceof Error ? err : new Error(String(err));
    if (!(err instanceof LhpError)) return { kind: 'internal', message: `${e.name}: ${e.message}`, stack: stackTop(e) };
    if (err.message.includes('\n') || !err.message.includes(file))
      return {
        kind: 'message',
        message: `not one line naming the file: ${JSON.stringify(err.message)}`,
        stack: stackTop(e),
      };
    return { kind: 'refused', message: err.message };
  }
}

/** The first frames of a stack, with paths relative to the project. */
function stackTop(err: Error): string {
  const root = `${path.resolve(__dirname, '..', '..')}/`;
  return (err.stack ?? '')
    .split('\n')
    .filter((l) => l.trimStart().startsWith('at '))
    .slice(0, 6)
    .map((l) => l.trim().replaceAll(root, ''))
    .join('\n');
}
