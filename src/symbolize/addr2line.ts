import { spawnSync } from 'node:child_process';

/** A source location; several for one address when the compiler inlined calls there. */
export interface SourceFrame {
  function: string;
  file: string;
  line: number;
}

/**
 * Resolves addresses of one ELF file with binutils' addr2line, in one run: function
 * (demangled), file and line, with the chain of inlined calls (innermost first).
 * Without debug info addr2line still names functions from the symbol table.
 * Returns undefined when addr2line cannot be run.
 */
export function addr2line(path: string, addresses: readonly number[]): SourceFrame[][] | undefined {
  const input = addresses.map((a) => `0x${a.toString(16)}`).join('\n') + '\n';
  const r = spawnSync('addr2line', ['-e', path, '-f', '-i', '-C', '-a'], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.error || r.status !== 0) return undefined;
  const results: SourceFrame[][] = [];
  const lines = r.stdout.split('\n');
  // -a prints each address on its own line, then (function, file:line) pairs.
  for (let i = 0; i < lines.length; ) {
    if (!lines[i].startsWith('0x')) {
      i++;
      continue;
    }
    const frames: SourceFrame[] = [];
    for (i++; i + 1 < lines.length && !lines[i].startsWith('0x'); i += 2)
      frames.push(parseFrame(lines[i], lines[i + 1]));
    results.push(frames);
  }
  return results.length === addresses.length ? results : undefined;
}

function parseFrame(fn: string, location: string): SourceFrame {
  // "file:line", "file:line (discriminator 2)", "??:0", "??:?"
  const m = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(location);
  const file = m && m[1] !== '??' ? m[1] : '';
  const line = m && m[2] !== '?' ? Number(m[2]) : 0;
  return { function: fn === '??' ? '' : fn, file, line };
}
