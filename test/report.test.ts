// ccbench report: the page of the committed characterisation runs, opened from file:// in a real
// headless Chromium (Debian's, driven by playwright-core): no console error, no request but the page
// itself, every chart drawn with marks, a screenshot that is not blank. Without /usr/bin/chromium the
// browser test is skipped, saying so (CI installs it: .ci/run).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { compareDocuments } from '../src/compare/compare.js';
import { loadResult } from '../src/compare/load.js';
import { reportHtml } from '../src/html/command.js';
import { ccbench, ROOT, tempDir } from './helpers.js';
import { countPixels, readPng } from './png.js';

const MPI = join(ROOT, 'results/characterize/mpi.json');
const GLOO = join(ROOT, 'results/characterize/gloo.json');
// Real runs of schema 2 (results/README.md): MPI, and the same made slower through Open MPI's TCP transport.
const CMP = join(ROOT, 'results/compare/mpi.json');
const TCP = join(ROOT, 'results/compare/mpi-btl-tcp.json');
const CHROMIUM = process.env.CCBENCH_CHROMIUM ?? '/usr/bin/chromium';
// CI (.ci/run) installs Chromium and sets this, so there a missing browser fails instead of skipping.
const REQUIRED = process.env.CCBENCH_REQUIRE_CHROMIUM === '1';
const dir = tempDir();

describe('ccbench report', () => {
  test('one page holding everything: no external reference, a section per op, heatmap and scaling', () => {
    const { html, rows, charts } = reportHtml([MPI, GLOO]);
    const count = (f: string) => (JSON.parse(readFileSync(f, 'utf8')) as { results: unknown[] }).results.length;
    assert.equal(rows, count(MPI) + count(GLOO));
    assert.doesNotMatch(html, /<(script|img|link|iframe)[^>]+(src|href)=/i, 'nothing loaded from elsewhere');
    assert.doesNotMatch(html, /sourceMappingURL/, 'no source map to fetch');
    for (const op of ['allreduce', 'allgather', 'reducescatter', 'broadcast', 'alltoall', 'sendrecv'])
      assert.ok(html.includes(`<section id="op-${op}">`), op);
    assert.ok(html.includes('mpi: busbw heatmap') && html.includes('gloo: busbw heatmap'));
    assert.ok(html.includes('allreduce: scaling with rank count'));
    assert.ok(html.includes('OMPI_MCA_') || html.includes('environment variables'), 'run metadata');
    assert.ok(charts >= 2 + 6 + 12, `${charts} charts`);
  });

  test('writes the page; refuses a name that is not .html, and an existing file', async () => {
    const out = join(dir, 'r.html');
    let r = await ccbench(['report', MPI, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /charts \(self-contained/);
    r = await ccbench(['report', MPI, '-o', out]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /already exists; choose another name or add --overwrite/);
    r = await ccbench(['report', MPI, '-o', join(dir, 'r.pdf')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /end the name in \.html/);
  });

  test('two files: per op the compare table (ratios, faster, noise verdict), the summary and the environment diff', () => {
    const { html } = reportHtml([CMP, TCP]);
    const c = compareDocuments([loadResult(CMP), loadResult(TCP)]);
    const section = (id: string) =>
      html.slice(
        html.indexOf(`<section id="${id}">`),
        html.indexOf('</section>', html.indexOf(`<section id="${id}">`)),
      );
    const ar = section('op-allreduce');
    assert.match(ar, /<table class="compare"><thead><tr><th>size<\/th><th>A p50\(us\)<\/th>/);
    assert.ok(ar.includes('<th>B/A</th><th>faster</th><th>difference</th>'));
    const s = c.series.find((x) => x.op === 'allreduce')!;
    assert.ok(s.points.length >= 6);
    for (const p of s.points) {
      const v = p.versus[1]!;
      assert.equal(v.verdict, 'slower', 'TCP is slower beyond noise at every size (results/compare/gate-btl-tcp.txt)');
      assert.ok(
        ar.includes(`<td class="n">${v.ratio.toFixed(3)}</td><td class="n">A</td><td class="n">beyond noise</td>`),
        `${p.size_bytes}: ${v.ratio}`,
      );
    }
    const cmp = section('comparison');
    assert.ok(cmp.includes('A = mpi: mpi (Open MPI') && cmp.includes('(baseline)'), 'the legend');
    assert.match(
      cmp,
      /<a href="#op-allreduce">allreduce · 2 ranks[^<]*<\/a><\/th><td>B against A: geometric mean of B\/A \d+\.\d{3}; A faster at \d+ sizes/,
    );
    assert.match(cmp, /environment: 1 difference, \d+ facts the same/);
    assert.ok(cmp.includes('<td>$OMPI_MCA_btl</td><td>self,vader</td><td>self,tcp</td>'), 'the environment diff');
    // one file: no comparison anywhere
    const one = reportHtml([CMP]).html;
    assert.ok(!one.includes('<section id="comparison">') && !one.includes('class="compare"'));
  });

  test('schema 1 files are read (migrated: noise unknown); file names escaped; no record in common is a note', () => {
    const { html } = reportHtml([MPI, GLOO]); // ccbench.result/1
    assert.ok(html.includes('<section id="comparison">') && html.includes('noise unknown'));
    assert.ok(html.includes('schema ccbench.result/1'), 'the legend names the old version');
    const odd = join(dir, 'a<b>&"x".json');
    copyFileSync(TCP, odd);
    const escaped = reportHtml([CMP, odd]).html;
    assert.ok(!escaped.includes('a<b>') && escaped.includes('B = a&#60;b&#62;&#38;&#34;x&#34;: mpi'));
    // A test double: the run's sendrecv records alone, which share nothing with its allreduce ones.
    const doc = JSON.parse(readFileSync(CMP, 'utf8')) as { results: { op: string }[] };
    const only = (op: string, name: string) => {
      const f = join(dir, name);
      writeFileSync(f, JSON.stringify({ ...doc, results: doc.results.filter((r) => r.op === op) }));
      return f;
    };
    const apart = reportHtml([only('allreduce', 'ar-double.json'), only('sendrecv', 'sr-double.json')]).html;
    assert.match(apart, /No comparison: ar-double and sr-double have no record in common/);
    assert.ok(apart.includes('<section id="op-sendrecv">'), 'the rest of the page still there');
  });

  test('a file of another schema version, or not a result: one line, exit 2', async () => {
    const future = join(dir, 'future.json');
    writeFileSync(future, '{"schema": "ccbench.result/9", "results": []}');
    for (const [file, want] of [
      [
        future,
        /future\.json has schema ccbench\.result\/9, which this ccbench cannot read \(it reads ccbench\.result\/1, ccbench\.result\/2\)/,
      ],
      [join(ROOT, 'package.json'), /package\.json is not a ccbench result file/],
    ] as const) {
      const r = await ccbench(['report', CMP, file, '-o', join(dir, 'bad.html')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.ok(!existsSync(join(dir, 'bad.html')));
  });

  test(
    'in headless Chromium from file://: no error, no request, every chart drawn, not blank',
    {
      skip: existsSync(CHROMIUM) || REQUIRED ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium; CI does)`,
      timeout: 180_000,
    },
    async () => {
      assert.ok(existsSync(CHROMIUM), `CCBENCH_REQUIRE_CHROMIUM=1 but there is no ${CHROMIUM}`);
      const { chromium } = await import('playwright-core');
      const page = join(dir, 'browser.html');
      writeFileSync(page, reportHtml([MPI, GLOO]).html);
      const url = pathToFileURL(page).href;
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors: string[] = [];
        const requests: string[] = [];
        tab.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`);
        });
        tab.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
        tab.on('request', (q) => requests.push(q.url()));
        tab.on('requestfailed', (q) => errors.push(`failed request: ${q.url()}`));
        await tab.goto(url);
        await tab.waitForFunction(() => document.body.dataset.charts === 'done', null, { timeout: 120_000 });
        const charts = await tab.evaluate(() =>
          [...document.querySelectorAll<HTMLElement>('[data-chart]')].map((el) => ({
            id: el.dataset.chart,
            rendered: el.dataset.rendered,
            marks: [
              ...el.querySelectorAll(
                'g.mark-line.role-mark path, g.mark-symbol.role-mark path, g.mark-rect.role-mark path',
              ),
            ].filter((p) => (p.getAttribute('d') ?? '').length > 2).length,
          })),
        );
        assert.deepEqual(errors, []);
        assert.deepEqual(requests, [url], 'the page asks for nothing but itself');
        assert.ok(charts.length >= 20, `${charts.length} charts`);
        for (const c of charts) {
          assert.equal(c.rendered, 'yes', c.id);
          assert.ok(c.marks > 0, `${c.id} has drawn marks`);
        }
        const shot = readPng(await tab.screenshot({ fullPage: false }));
        const total = shot.width * shot.height;
        const inked = countPixels(shot, (r, g, b) => r < 200 || g < 200 || b < 200);
        assert.ok(inked > total * 0.02, `screenshot not blank: ${inked} of ${total} pixels drawn`);
        const colours = new Set<number>();
        for (let i = 0; i < shot.rgba.length; i += 4 * 7)
          colours.add((shot.rgba[i] << 16) | (shot.rgba[i + 1] << 8) | shot.rgba[i + 2]);
        assert.ok(colours.size > 50, `${colours.size} colours: a chart, not a flat page`);
      } finally {
        await browser.close();
      }
    },
  );
});
