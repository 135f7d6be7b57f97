import { SUSPICION, Verdict } from '../diagnose/diagnose';

/** A verdict that makes the program leak: `leak` and `leak-freed-at-exit`. */
export function isLeakVerdict(verdict: Verdict): boolean {
  return verdict === 'leak' || verdict === 'leak-freed-at-exit';
}

/**
 * Sites in the order of the verdict families, leaks first, keeping the order given
 * within a family: a stacked chart draws its first area at the bottom, and a legend
 * lists it first, so the leak sites are where the eye starts.
 */
export function leaksFirst<T extends { verdict: Verdict }>(sites: readonly T[]): T[] {
  return [...sites].sort((a, b) => SUSPICION[a.verdict] - SUSPICION[b.verdict]);
}
