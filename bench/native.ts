/**
 * The native recorder's overhead: 5 M malloc(64)/free pairs made five calls deep
 * (bench/native/alloc.c, -O2 -g -fno-omit-frame-pointer), on one thread and on four
 * threads × 1.25 M, run plain, under `leakhound record` (default unwinding and
 * --unwind dwarf; with --report-every 10s, whose ratio over record alone is printed
 * after the table), with the recorder preloaded directly (no launcher, compressed and
 * not; sampled, --sample 512k, through record and preloaded; and preloaded without
 * recording, the interposition's own cost), heaptrack and valgrind memcheck when
 * installed. Prints the median
 * wall time of 5 runs of the whole command (for leakhound: node's start-up, the run
 * and the symbolization after it), its ratio over the plain run, and the profile's
 * size; and the CPU time of all its processes, the figure a loaded machine blurs least.
 * Then the same for a mixed workload (bench/native/mixed.c: 2 M steps per 5 M
 * pairs, each freeing a random one of 4,096 live blocks per thread and allocating one
 * of 24 sizes from one of 16 call paths, or reallocating it; fixed seed), where the
 * profile's bytes per allocation are the figure to watch. Prints figures; asserts
 * nothing.
 *
 *   node --import tsx bench/native.ts          # npm run build first: it runs dist/app/cli/main.js
 *   node --import tsx bench/native.ts 1000000  # other pair counts
 *   node --import tsx bench/native.ts 5000000 'record|report'  # only the tools whose names match (and plain)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI_MISSING, has, median, profileFiles, recordCommand, ROOT, takeBytes, timeCommand } from './lib/run';

const SOURCES = { alloc: path.join(__dirname, 'native', 'alloc.c'), mixed: path.join(__dirname, 'native', 'mixed.c') };
const LIBRARY = path.join(ROOT, 'dist', 'recorders', 'native', 'libleakhound.so');
const RUNS = 5;
const PAIRS = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 5_000_000;
/** memcheck is ~100× slower: it runs this fraction of the pairs and its time is scaled up. */
const VALGRIND_FRACTION = 0.1;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakhound-bench-native-'));

interface Tool {
  name: string;
  /** Why it cannot run here, if it cannot. */
  missing?: string;
  /** The command for one run writing its profile at `out` (a prefix for heaptrack, which adds its extension). */
  command: (program: string[], out: string) => string[];
  /** Share of the pairs it runs (its time is divided by it). */
  fraction?: number;
}

/** The library preloaded into the program, with `env` settings. */
function preloaded(name: string, env: string[] = []): Tool {
  return {
    name,
    missing: fs.existsSync(LIBRARY) ? undefined : `not built (${path.relative(ROOT, LIBRARY)} missing: npm install)`,
    command: (program, out) => ['env', `LD_PRELOAD=${LIBRARY}`, `LEAKHOUND_OUTPUT=${out}.lhp`, ...env, ...program],
  };
}

/** The tools run: the names matching argv[3], and plain, which the ratios are over. */
const ONLY = process.argv[3] === undefined ? undefined : new RegExp(process.argv[3]);

const ALL_TOOLS: Tool[] = [
  { name: 'plain', command: (program) => program },
  {
    name: 'leakhound record',
    missing: CLI_MISSING,
    command: (program, out) => recordCommand(program, `${out}.lhp`),
  },
  // the recorder alone, without the launcher: node's start-up and the symbolization are fixed costs
  preloaded('leakhound (preload only)'),
  // the same, the profile's plain bytes
  preloaded('leakhound (preload, plain)', ['LEAKHOUND_COMPRESS=0']),
  // sampled mode, for production: one allocation per 512 KiB allocated on average
  {
    name: 'leakhound record --sample 512k',
    missing: CLI_MISSING,
    command: (program, out) => recordCommand(program, `${out}.lhp`, ['--sample', '512k']),
  },
  preloaded('leakhound (preload, --sample 512k)', ['LEAKHOUND_SAMPLE=524288']),
  // the hooks alone, recording nothing: the floor any LD_PRELOAD interposer pays
  {
    name: 'interposed, not recording',
    missing: fs.existsSync(LIBRARY) ? undefined : `not built (${path.relative(ROOT, LIBRARY)} missing: npm install)`,
    command: (program) => ['env', `LD_PRELOAD=${LIBRARY}`, ...program],
  },
  {
    // the final report (and the report worker reading along while the program runs)
    name: 'leakhound --report-every 10s',
    missing: CLI_MISSING,
    command: (program, out) => recordCommand(program, `${out}.lhp`, ['--report-every', '10s']),
  },
  {
    name: 'leakhound --unwind dwarf',
    missing: CLI_MISSING,
    command: (program, out) => recordCommand(program, `${out}.lhp`, ['--unwind', 'dwarf']),
  },
  {
    name: 'heaptrack',
    missing: has('heaptrack') ? undefined : 'not installed (apt-get install heaptrack)',
    command: (program, out) => ['heaptrack', '-o', out, ...program],
  },
  {
    name: 'valgrind memcheck',
    missing: has('valgrind') ? undefined : 'not installed (apt-get install valgrind)',
    command: (program) => ['valgrind', '--tool=memcheck', '-q', '--leak-check=no', ...program],
    fraction: VALGRIND_FRACTION,
  },
];

const TOOLS = ALL_TOOLS.filter((t) => t.name === 'plain' || !ONLY || ONLY.test(t.name));
const TOOL_WIDTH = Math.max(...TOOLS.map((t) => t.name.length));

function build(name: keyof typeof SOURCES): string {
  const binary = path.join(dir, name);
  const cc = process.env.CC || 'cc';
  const r = spawnSync(cc, ['-O2', '-g', '-fno-omit-frame-pointer', '-pthread', '-o', binary, SOURCES[name]], {
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0)
    throw new Error(`${cc} failed to build ${SOURCES[name]}: ${r.error?.message ?? r.stderr}`);
  return binary;
}

interface Measured {
  seconds: number;
  /** CPU seconds of all the command's processes. */
  cpu: number;
  bytes: number | undefined;
}

/** The median run: seconds and CPU seconds (scaled to all the pairs) and the profile's bytes (heaptrack adds .zst or .gz; leakhound may write <base>.<pid>.lhp). */
function measure(tool: Tool, program: string[], label: string): Measured {
  const runs: Measured[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = path.join(dir, `${label}-${i}`);
    const { seconds, cpu } = timeCommand(tool.name, tool.command(program, out));
    const scale = 1 / (tool.fraction ?? 1);
    runs.push({ seconds: seconds * scale, cpu: cpu * scale, bytes: takeBytes(profileFiles(dir, out)) });
  }
  return median(runs, (r) => r.seconds);
}

/** The programs run, each with its share of PAIRS: a step of mixed.c is an allocation and a free, with more work around them. */
const VARIANTS = [
  { name: '1 thread', threads: 1, program: 'alloc', share: 1 },
  { name: '4 threads', threads: 4, program: 'alloc', share: 1 },
  { name: 'mixed, 1 t', threads: 1, program: 'mixed', share: 0.4 },
  { name: 'mixed, 4 t', threads: 4, program: 'mixed', share: 0.4 },
] as const;

try {
  const binaries = { alloc: build('alloc'), mixed: build('mixed') };
  const cpus = os.cpus().length;
  console.log(
    `${PAIRS.toLocaleString('en-US')} malloc(64)/free pairs, 5 calls deep; median of ${RUNS} runs, wall time of the whole command; ${cpus} CPUs, not pinned, load average ${os.loadavg()[0].toFixed(2)} at start`,
  );
  console.log(
    `mixed: ${(PAIRS * 0.4).toLocaleString('en-US')} steps of bench/native/mixed.c (a random one of 4,096 live blocks freed, one of 24 sizes allocated from one of 16 call paths, or reallocated; fixed seed); B/alloc is per step`,
  );
  console.log(
    `valgrind (memcheck, --leak-check=no) runs ${VALGRIND_FRACTION * 100}% of the pairs and its time is scaled ×${1 / VALGRIND_FRACTION}; it writes no profile`,
  );
  console.log(
    "leakhound record's time includes node's start-up and the symbolization after the run; profiles are zstd-compressed but for (preload, plain)",
  );
  console.log('');
  console.log(
    `variant     ${'tool'.padEnd(TOOL_WIDTH)}   seconds   × plain   CPU s   CPU × plain   profile KB   B/alloc`,
  );
  /** Per variant, --report-every 10s against record alone. */
  const reports: string[] = [];
  for (const v of VARIANTS) {
    let plain: Measured | undefined;
    let recorded: Measured | undefined;
    for (const tool of TOOLS) {
      const cells = [v.name.padEnd(11), tool.name.padEnd(TOOL_WIDTH)];
      if (tool.missing) {
        console.log(`${cells.join(' ')}  ${tool.missing}`);
        continue;
      }
      const pairs = Math.max(v.threads, Math.round(PAIRS * v.share * (tool.fraction ?? 1)));
      try {
        const m = measure(
          tool,
          [binaries[v.program], String(v.threads), String(pairs)],
          `${v.program}-${v.threads}t-${tool.name.replace(/\W+/g, '_')}`,
        );
        if (tool.name === 'plain') plain = m;
        if (tool.name === 'leakhound record') recorded = m;
        if (tool.name === 'leakhound --report-every 10s' && recorded)
          reports.push(
            `${v.name}: ${(m.seconds / recorded.seconds).toFixed(2)}× (CPU ${m.cpu.toFixed(2)} s against ${recorded.cpu.toFixed(2)} s, ${(m.cpu / recorded.cpu).toFixed(2)}×)`,
          );
        console.log(
          [
            ...cells,
            m.seconds.toFixed(3).padStart(9),
            (plain ? `${(m.seconds / plain.seconds).toFixed(1)}×` : '-').padStart(9),
            m.cpu.toFixed(2).padStart(7),
            (plain ? `${(m.cpu / plain.cpu).toFixed(1)}×` : '-').padStart(13),
            (m.bytes === undefined ? '-' : (m.bytes / 1e3).toFixed(1)).padStart(12),
            (m.bytes === undefined ? '-' : String(Number((m.bytes / pairs).toPrecision(2)))).padStart(9),
          ].join(' '),
        );
      } catch (err) {
        console.log(`${cells.join(' ')}  ${(err as Error).message}`);
      }
    }
  }
  console.log('');
  console.log(
    `--report-every 10s over record alone, same runs, wall time (the final report written after the run included): ${reports.join('; ') || 'n/a'}`,
  );
  console.log(`load average ${os.loadavg()[0].toFixed(2)} at the end`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
