// The report page: one HTML file that holds everything it shows — Vega and Vega-Lite's browser
// builds inlined from node_modules, every chart's spec and data — so it opens from file:// with no
// network. The page is a list of sections (sections.ts); each section's HTML places its charts
// through the builder, and a small script draws them when the page loads.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';

export interface Section {
  id: string; // the anchor in the page's contents
  title: string;
  html: string; // the body; charts placed with PageBuilder.chart
}

/** Collects the charts sections place, so their specs go into the page once each. */
export class PageBuilder {
  readonly specs: Record<string, TopLevelSpec> = {};
  private n = 0;

  /** A placeholder the page's script draws the chart into. */
  chart(spec: TopLevelSpec, caption = ''): string {
    const id = `chart-${++this.n}`;
    this.specs[id] = spec;
    return `<figure><div class="chart" data-chart="${id}"></div>${caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : ''}</figure>`;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element: no "<" can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const require = createRequire(import.meta.url);

/** A package's browser build, read from node_modules at report time; its source-map comment dropped (no request). */
function browserBuild(pkg: string, file: string): string {
  const dir = dirname(require.resolve(pkg)); // the package's build/ directory
  return readFileSync(join(dir, file), 'utf8')
    .replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')
    .replace(/<\/script/gi, '<\\/script');
}

// Draws every placeholder; a chart that fails says so in its place and on the console.
const BOOT = `
(async () => {
  const specs = JSON.parse(document.getElementById('ccbench-specs').textContent);
  for (const el of document.querySelectorAll('[data-chart]')) {
    try {
      const view = new vega.View(vega.parse(vegaLite.compile(specs[el.dataset.chart]).spec), {
        renderer: 'svg', container: el, hover: true,
      });
      await view.runAsync();
      el.dataset.rendered = 'yes';
    } catch (e) {
      el.dataset.rendered = 'failed';
      el.textContent = 'This chart could not be drawn: ' + e.message;
      console.error('ccbench chart', el.dataset.chart, e);
    }
  }
  document.body.dataset.charts = 'done';
})();
`;

const STYLE = `
body { font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; margin: 0 auto; max-width: 1240px; padding: 0 20px 60px; color: #222; }
h1 { font-size: 26px; margin: 24px 0 4px; } h2 { font-size: 21px; margin-top: 40px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
h3 { font-size: 17px; margin: 24px 0 8px; } nav ol { columns: 3; font-size: 14px; } p.note { color: #555; font-size: 14px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; } th, td { padding: 3px 8px; border-bottom: 1px solid #e6e6e6; }
th { text-align: left; background: #f4f4f4; position: sticky; top: 0; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.meta th { position: static; background: none; vertical-align: top; white-space: nowrap; } table.meta td { word-break: break-all; }
figure { margin: 12px 0 20px; } figcaption { font-size: 13px; color: #555; } .bad { color: #b00020; font-weight: bold; }
details > summary { cursor: pointer; font-size: 14px; margin: 6px 0; }
`;

/** The whole page. */
export function renderPage(title: string, intro: string, sections: Section[], builder: PageBuilder): string {
  const nav = sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.title)}</a></li>`).join('');
  const body = sections
    .map((s) => `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>\n${s.html}\n</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
${intro}
<nav><ol>${nav}</ol></nav>
${body}
<script id="ccbench-specs" type="application/json">${scriptJson(builder.specs)}</script>
<script>${browserBuild('vega', 'vega.min.js')}</script>
<script>${browserBuild('vega-lite', 'vega-lite.min.js')}</script>
<script>${BOOT}</script>
</body></html>
`;
}
