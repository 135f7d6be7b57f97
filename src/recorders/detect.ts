import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDynamicElf } from '../util/elf';
import { RecordError } from './errors';

/** The recorder a command needs, and the resolved path of its executable. */
export interface Detected {
  recorder: 'native' | 'node';
  executable: string;
}

/** Finds a command like the shell does: a path as given, else the first match in PATH. */
function resolveCommand(command: string): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH ?? '')
        .split(':')
        .filter(Boolean)
        .map((dir) => path.join(dir, command));
  return candidates.find((c) => {
    try {
      if (!fs.statSync(c).isFile()) return false;
      fs.accessSync(c, fs.constants.X_OK); // throws if it may not be run
      return true;
    } catch {
      return false;
    }
  });
}

const NODE_NAME = /^node(js)?(\d+)?$/;

/**
 * Node.js programs (the `node` binary, or a script whose #! line names node) get the
 * node recorder; everything else the native one. Throws a message for what neither
 * can record.
 */
export function detectRecorder(command: string): Detected {
  const executable = resolveCommand(command);
  if (!executable) throw new RecordError(`cannot run ${command}: command not found`);
  if (NODE_NAME.test(path.basename(fs.realpathSync(executable)))) return { recorder: 'node', executable };
  const dynamic = isDynamicElf(executable);
  if (dynamic === false) {
    throw new RecordError(
      `${command} is statically linked: its malloc cannot be interposed (LD_PRELOAD needs a dynamically linked program)`,
    );
  }
  if (dynamic === undefined && /^#!.*\bnode\b/.test(firstLine(executable))) return { recorder: 'node', executable };
  return { recorder: 'native', executable };
}

function firstLine(file: string): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(256);
      return buf
        .subarray(0, fs.readSync(fd, buf, 0, 256, 0))
        .toString('latin1')
        .split('\n')[0];
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}
