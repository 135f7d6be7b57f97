/** How `diagnose` cuts a run into warm-up, work and shutdown, and how finely it samples live bytes. */
export interface DiagnoseOptions {
  /** The last fraction of the run that counts as shutdown (default 0.02). */
  exitWindow?: number;
  /** The first fraction of the run that counts as warm-up (default 0.1). */
  warmup?: number;
  /** Points of each live-bytes series (default 64). */
  points?: number;
}

/** The defaults, used by `diagnose` and shown by the commands that take these options. */
export const DIAGNOSE_DEFAULTS: Readonly<Required<DiagnoseOptions>> = Object.freeze({
  exitWindow: 0.02,
  warmup: 0.1,
  points: 64,
});

/** The options a user sets on the command line (`analyze`, `report`, `serve`): each a fraction of the run. */
export const DIAGNOSE_FLAGS: readonly { key: 'exitWindow' | 'warmup'; flag: string; description: string }[] = [
  { key: 'exitWindow', flag: '--exit-window <fraction>', description: 'last part of the run that counts as shutdown' },
  { key: 'warmup', flag: '--warmup <fraction>', description: 'first part of the run that counts as warm-up' },
];

export function withDefaults(options: DiagnoseOptions): Required<DiagnoseOptions> {
  return {
    exitWindow: options.exitWindow ?? DIAGNOSE_DEFAULTS.exitWindow,
    warmup: options.warmup ?? DIAGNOSE_DEFAULTS.warmup,
    points: options.points ?? DIAGNOSE_DEFAULTS.points,
  };
}
