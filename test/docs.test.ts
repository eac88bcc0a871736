// What the help, `ccbench list`, the README and the comments say agrees with the tool: every exit
// code, op, dtype, reduction, backend, output format and option is documented, and every file a
// comment names exists.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { EXIT_MEANINGS } from '../src/errors.js';
import { OPS } from '../src/ops/index.js';
import { BACKENDS } from '../src/plan/backends.js';
import { DTYPES, REDOPS } from '../src/plan/dtypes.js';
import { longFlag, OPTIONS, type OptionDecl } from '../src/plan/options.js';
import { EXPORTERS } from '../src/report/exporters/index.js';
import { ccbench, ROOT } from './helpers.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('--help and ccbench list', () => {
  test('--help lists every exit code with its meaning, the output formats, and no stale promise', async () => {
    const r = await ccbench(['--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const [code, meaning] of EXIT_MEANINGS)
      assert.match(
        r.stdout,
        new RegExp(`^\\s+${code}\\s+${meaning.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
        `exit code ${code}`,
      );
    for (const e of EXPORTERS) assert.match(r.stdout, new RegExp(`^\\s+${e.name}\\s`, 'm'), `format ${e.name}`);
    assert.doesNotMatch(r.stdout, /to come/);
  });

  test("every op's help says what one sample is, what the size means and its bus factor", async () => {
    for (const op of OPS) {
      const r = await ccbench([op.name, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.includes(`One sample: ${op.timed}.`), op.name);
      if (op.shape !== 'none') assert.ok(r.stdout.includes(`busbw = algbw × ${op.busFormula}`), op.name);
      for (const d of Object.values(OPTIONS) as OptionDecl[])
        if (d.cli !== false) assert.ok(r.stdout.includes(longFlag(d)), `${op.name} --help shows ${longFlag(d)}`);
    }
  });

  test('list names every op, every other command, backend, suite and format', async () => {
    const r = await ccbench(['list']);
    assert.equal(r.code, 0, r.stderr);
    const names = r.stdout.split('\n').map((l) => l.split(/\s+/)[0]);
    for (const n of [
      ...OPS.map((o) => o.name),
      'all',
      'suite',
      'sbatch',
      'info',
      'list',
      ...BACKENDS.map((b) => b.name),
      'osu',
      'nccl-tests',
      'smoke',
      ...EXPORTERS.map((e) => e.name),
    ])
      assert.ok(names.includes(n), `list shows ${n}`);
  });
});

describe('README', () => {
  test('lists every exit code', () => {
    for (const [code] of EXIT_MEANINGS)
      assert.match(README, new RegExp(`\\b${code} [\\x60a-z(-]`), `exit code ${code}`);
  });

  test('names every op, dtype, reduction, backend and output format', () => {
    for (const name of [
      ...OPS.map((o) => o.name),
      ...DTYPES.map((d) => d.name),
      ...REDOPS,
      ...BACKENDS.map((b) => b.name),
      ...EXPORTERS.map((e) => e.name),
    ])
      assert.ok(README.includes(`\`${name}\``) || README.includes(name), name);
  });

  test('names every run option', () => {
    for (const [key, d] of Object.entries(OPTIONS) as [string, OptionDecl][])
      // an option no command line takes (a command or a suite file sets it) by its suite key
      assert.ok(README.includes(d.cli === false ? `"${key}": ` : `\`${longFlag(d)}`), longFlag(d));
  });
});

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (/\.(ts|cc|h|c|sh|mjs|cjs)$/.test(name)) yield p;
  }
}

test('every project file a comment names exists', () => {
  const missing: string[] = [];
  for (const top of ['src', 'native', 'test', 'bench', 'scripts']) {
    for (const file of sources(join(ROOT, top))) {
      const text = readFileSync(file, 'utf8');
      for (const line of text.split('\n')) {
        const comment = /(?:\/\/|^\s*\*|^\s*#)(.*)$/.exec(line)?.[1];
        if (!comment) continue;
        for (const m of comment.matchAll(
          /(?<![\w./-])((?:src|native|test|bench|scripts|suites|results)\/[\w./<>-]*\w)/g,
        )) {
          const path = m[1];
          if (path.includes('<') || path.includes('*')) continue; // a pattern, not a file
          if (!existsSync(join(ROOT, path))) missing.push(`${relative(ROOT, file)}: ${path}`);
        }
      }
    }
  }
  assert.deepEqual(missing, []);
});
