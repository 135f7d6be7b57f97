import { Resvg } from '@resvg/resvg-js';

/**
 * An SVG rasterized by resvg (a Rust renderer, prebuilt for each platform: no
 * browser, no canvas). Text uses the system's fonts (DejaVu on Debian).
 */
export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { background: '#ffffff', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
