import { SingleBar } from 'cli-progress';

export interface Progress {
  update: (fraction: number) => void;
  stop: () => void;
}

/** A progress bar on stderr, or undefined when not wanted. */
export function progressBar(wanted: boolean, label: string): Progress | undefined {
  if (!wanted) return undefined;
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {percentage}% | {eta_formatted} left`,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(1000, 0);
  return {
    update: (fraction) => bar.update(Math.round(fraction * 1000)),
    stop: () => bar.stop(),
  };
}
