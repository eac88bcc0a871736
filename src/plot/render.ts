// Charts rendered without a browser: Vega-Lite compiles the spec to Vega, Vega's headless view
// writes SVG, and resvg rasterises the SVG to PNG with a font from the system or --font.
import { Resvg } from '@resvg/resvg-js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { UsageError } from '../errors.js';

/** The chart as an SVG document. */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  // No loader is given work: every chart's data is inline, so nothing is fetched.
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// DejaVu Sans (Debian's fonts-dejavu-core) is what the chart config names first.
const DEJAVU = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
];
const FONT_DIRS = [
  '/usr/share/fonts',
  '/usr/local/share/fonts',
  join(homedir(), '.fonts'),
  join(homedir(), '.local/share/fonts'),
];

function hasFontFile(dir: string, depth = 0): boolean {
  if (depth > 4 || !existsSync(dir)) return false;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isFile() && /\.(ttf|otf|ttc)$/i.test(e.name)) return true;
      if (e.isDirectory() && hasFontFile(join(dir, e.name), depth + 1)) return true;
    }
  } catch {
    // unreadable: no fonts from here
  }
  return false;
}

/** resvg's font options: the given file, else DejaVu Sans, else the system's fonts; none is an error (text would vanish). */
export function fontOptions(font?: string): {
  fontFiles: string[];
  loadSystemFonts: boolean;
  defaultFontFamily?: string;
} {
  if (font !== undefined) {
    if (!existsSync(font) || !statSync(font).isFile())
      throw new UsageError(`--font ${font} is not a file; give a .ttf or .otf file`);
    return { fontFiles: [font], loadSystemFonts: false };
  }
  const dejavu = DEJAVU.find((f) => existsSync(f));
  if (dejavu) return { fontFiles: [dejavu], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' };
  if (FONT_DIRS.some((d) => hasFontFile(d))) return { fontFiles: [], loadSystemFonts: true };
  throw new UsageError(
    'a PNG needs a font for its text and none is installed: install one (apt-get install fonts-dejavu-core) or give --font file.ttf; or write .svg',
  );
}

/** The SVG rasterised at its own size, on white. */
export function svgToPng(svg: string, font?: string): Buffer {
  const opts = fontOptions(font);
  const r = new Resvg(svg, { background: 'white', font: opts });
  return r.render().asPng();
}
