/**
 * What `leakhound record` tells the agent in each node process, through the
 * environment (so that every node process the command starts gets it too).
 */
export interface NodeRecorderSettings {
  /** The first recorded process writes here; the others `<base>.<pid>.lhp`, worker threads `<base>.<pid>.<thread>.lhp`. */
  output: string;
  /** Average bytes allocated between two heap samples. */
  samplingInterval: number;
  /** Milliseconds between two polls of the live samples, or adaptive. */
  poll: number | 'auto';
  /** Let TurboFan inline (cheaper; an allocation in an inlined function is charged to its caller). */
  keepInlining: boolean;
  /** Write a .heapsnapshot beside the profile at each SIGUSR2 dump. */
  heapSnapshotOnDump: boolean;
  /** Record only the first node process, not those it starts. */
  noFollow: boolean;
  /** Read V8's sampler through the addon where it loads (else, or when off, through the inspector). */
  useAddon: boolean;
  /**
   * The native recorder runs in the same processes (`record --native`, or a node
   * started under the native recorder) and owns `output`: each process writes
   * `<base>.<pid>.js.lhp` beside it, worker threads `<base>.<pid>.<thread>.js.lhp`.
   */
  besideNative: boolean;
}

export const DEFAULT_SAMPLING_INTERVAL = 64 * 1024;

const ENV = {
  output: 'LEAKHOUND_NODE_OUTPUT',
  samplingInterval: 'LEAKHOUND_NODE_SAMPLING_INTERVAL',
  poll: 'LEAKHOUND_NODE_POLL',
  keepInlining: 'LEAKHOUND_NODE_KEEP_INLINING',
  heapSnapshotOnDump: 'LEAKHOUND_NODE_HEAP_SNAPSHOT',
  noFollow: 'LEAKHOUND_NODE_NO_FOLLOW',
  noAddon: 'LEAKHOUND_NODE_NO_ADDON',
  besideNative: 'LEAKHOUND_NODE_BESIDE_NATIVE',
} as const;

/** Set by the agent of the process that took the output, for the processes it starts. */
export const ROOT_PID_ENV = 'LEAKHOUND_NODE_ROOT_PID';

/** Set by the native recorder's library in the process `record` started (kept across exec), for the processes it starts. */
export const NATIVE_ROOT_PID_ENV = 'LEAKHOUND_ROOT_PID';

export function settingsToEnv(s: NodeRecorderSettings): Record<string, string> {
  return {
    [ENV.output]: s.output,
    [ENV.samplingInterval]: String(s.samplingInterval),
    [ENV.poll]: String(s.poll),
    [ENV.keepInlining]: s.keepInlining ? '1' : '0',
    [ENV.heapSnapshotOnDump]: s.heapSnapshotOnDump ? '1' : '0',
    [ENV.noFollow]: s.noFollow ? '1' : '0',
    [ENV.noAddon]: s.useAddon ? '0' : '1',
    [ENV.besideNative]: s.besideNative ? '1' : '0',
  };
}

/** The settings in an environment, or undefined when it is not a recording's. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): NodeRecorderSettings | undefined {
  const output = env[ENV.output];
  if (!output) return undefined;
  const interval = Number(env[ENV.samplingInterval]);
  const poll = Number(env[ENV.poll]);
  return {
    output,
    samplingInterval: interval > 0 ? interval : DEFAULT_SAMPLING_INTERVAL,
    poll: poll > 0 ? poll : 'auto',
    keepInlining: env[ENV.keepInlining] === '1',
    heapSnapshotOnDump: env[ENV.heapSnapshotOnDump] === '1',
    noFollow: env[ENV.noFollow] === '1',
    useAddon: env[ENV.noAddon] !== '1',
    besideNative: env[ENV.besideNative] === '1',
  };
}

/** What `leakhound dump` reads in a process's environment: is it a node recording, does it write heap snapshots. */
export const OUTPUT_ENV = ENV.output;
export const HEAP_SNAPSHOT_ENV = ENV.heapSnapshotOnDump;
