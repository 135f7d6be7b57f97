import type { Resvg as ResvgClass } from '@resvg/resvg-js';

/**
 * An SVG rasterized by resvg (a Rust renderer, prebuilt for each platform: no
 * browser, no canvas). Text uses the system's fonts (DejaVu on Debian). The native
 * addon is loaded on the first PNG, not by every command.
 */
export function svgToPng(svg: string): Buffer {
  const { Resvg } = require('@resvg/resvg-js') as { Resvg: typeof ResvgClass };
  return new Resvg(svg, { background: '#ffffff', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
    .render()
    .asPng();
}
