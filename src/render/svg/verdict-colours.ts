import type { Verdict } from '../../diagnose/diagnose';

/** How an area of a verdict family is painted: shades for its sites in turn, and how solid. */
export interface FamilyPaint {
  shades: readonly string[];
  opacity: number;
}

/**
 * The colours of the verdict families, the same in every chart (and the web UI's):
 * the leaks in one strong warm family (`leak` reds, `leak-freed-at-exit` oranges),
 * `unclear` amber and grey, `bounded` blues, `temporary` pale greys and greens;
 * the further from a leak, the fainter. `neutral` is what is no one site's: the other
 * sites together, a site's freed part.
 */
export const VERDICT_PAINT: Record<Verdict | 'neutral', FamilyPaint> = {
  leak: { shades: ['#b2182b', '#e0402a', '#7f0000', '#d6604d', '#a50f15', '#ef3b2c'], opacity: 0.92 },
  'leak-freed-at-exit': { shades: ['#e6550d', '#fd8d3c', '#a63603', '#f16913'], opacity: 0.9 },
  unclear: { shades: ['#c79a00', '#8c8c8c', '#e0b000', '#6e6e6e'], opacity: 0.7 },
  bounded: { shades: ['#6baed6', '#4a8cc2', '#9ecae1', '#2f6fa8'], opacity: 0.5 },
  temporary: { shades: ['#a1d99b', '#bdbdbd', '#74c476', '#d9d9d9'], opacity: 0.4 },
  neutral: { shades: ['#cfcfcf'], opacity: 0.55 },
};
