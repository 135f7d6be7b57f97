import type { Frame } from '../profile/frames';
import type { Profile } from '../profile/profile';
import { shownFrames } from '../profile/backtrace';
import { frameName } from '../profile/frames';
import { StackTotals, StackValue, stackTotals, valuesOf } from './stack-totals';

export interface CollapsedOptions {
  /** What a line counts (default `leaked`: bytes never freed). */
  value?: StackValue;
  /** Only the program's own frames (`Backtrace.strip()`; default true). */
  strip?: boolean;
  /** Per-stack totals already computed. */
  totals?: StackTotals;
}

/** Shown for a stack with no frame at all. */
const NO_FRAME = '[unknown]';

/**
 * Brendan Gregg's folded stacks, as flamegraph.pl and inferno read them: one line
 * per distinct stack, `root;caller;…;leaf value`, outermost frame first. Stacks
 * that fold to the same names are added up; stacks whose value is 0 are left out;
 * lines are sorted. A `;` inside a name (the separator, which the format cannot
 * escape) becomes `:`, and a line break a space.
 */
export function collapsedStacks(profile: Profile, options: CollapsedOptions = {}): string {
  const values = valuesOf(options.totals ?? stackTotals(profile), options.value ?? 'leaked');
  const strip = options.strip ?? true;
  const perLine = new Map<string, number>();
  const names = new Map<Frame, string>();
  const nameOf = (frame: Frame): string => {
    let name = names.get(frame);
    if (name === undefined) {
      name = frameName(frame)
        .replace(/;/g, ':')
        .replace(/[\r\n]+/g, ' ');
      names.set(frame, name);
    }
    return name;
  };
  for (let stackId = 0; stackId < values.length; stackId++) {
    const value = values[stackId];
    if (value === 0) continue;
    const frames = shownFrames(profile.backtrace(stackId), strip);
    const parts: string[] = [];
    for (let i = frames.length - 1; i >= 0; i--) parts.push(nameOf(frames[i]));
    const key = parts.length > 0 ? parts.join(';') : NO_FRAME;
    perLine.set(key, (perLine.get(key) ?? 0) + value);
  }
  const keys = [...perLine.keys()].sort();
  return keys.map((k) => `${k} ${perLine.get(k)}\n`).join('');
}
