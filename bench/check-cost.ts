// npm run bench:check — what --check costs outside the timed loop (fill every input, compare every
// output, in ms per GiB), for this tree's data patterns against those of an earlier commit
// (BASE, default 51fc545: the patterns before they were hashed), both built the same way and run
// interleaved; best of each run's repetitions, median over runs. Writes results/check-cost/<time>.json.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine, ROOT, saveResults } from './machine.js';

const BASE = process.env.BASE ?? '51fc545';
const RUNS = Number(process.env.RUNS ?? 3);
const MIB = process.env.MIB ?? '128';
const meta = machine();
const work = mkdtempSync(join(tmpdir(), 'ccbench-bench-check-'));

/** check_bench built over native/ as it is, or with engine/check.{h,cc} taken from `rev`. */
function build(label: string, rev?: string): string {
  const src = join(work, label);
  cpSync(join(ROOT, 'native'), src, { recursive: true });
  if (rev)
    for (const f of ['check.h', 'check.cc'])
      writeFileSync(join(src, 'engine', f), execFileSync('git', ['show', `${rev}:native/engine/${f}`], { cwd: ROOT }));
  const exe = join(work, `check_bench-${label}`);
  const ops = execFileSync('bash', ['-c', `ls ${src}/ops/*.cc`], { encoding: 'utf8' })
    .trim()
    .split('\n');
  execFileSync('g++', [
    '-std=c++17',
    '-O3',
    '-DNDEBUG',
    join(src, 'engine', 'test', 'check_bench.cc'),
    join(src, 'engine', 'check.cc'),
    join(src, 'common', 'dtype.cc'),
    ...ops,
    '-o',
    exe,
  ]);
  return exe;
}

const binaries = { now: build('now'), base: build('base', BASE) };
const lines: Record<string, Record<string, { fill: number[]; check: number[] }>> = { now: {}, base: {} };
for (let i = 0; i < RUNS; i++)
  for (const which of i % 2 ? ['base', 'now'] : ['now', 'base'])
    for (const line of execFileSync(binaries[which as 'now' | 'base'], [MIB, '3'], { encoding: 'utf8' })
      .trim()
      .split('\n')) {
      const m = /^(.*?):\s+fill\s+([\d.]+) ms\/GiB, check\s+([\d.]+) ms\/GiB/.exec(line);
      if (!m) continue;
      const key = m[1].replace(/\s+/g, ' ').trim();
      const slot = (lines[which][key] ??= { fill: [], check: [] });
      slot.fill.push(Number(m[2]));
      slot.check.push(Number(m[3]));
    }
rmSync(work, { recursive: true, force: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1];
const results = Object.keys(lines.now).map((key) => ({
  case: key,
  now_ms_per_gib: { fill: median(lines.now[key].fill), check: median(lines.now[key].check) },
  base_ms_per_gib: lines.base[key]
    ? { fill: median(lines.base[key].fill), check: median(lines.base[key].check) }
    : null,
}));
for (const r of results)
  process.stdout.write(
    `${r.case.padEnd(28)} fill ${r.now_ms_per_gib.fill.toFixed(0)} (was ${r.base_ms_per_gib?.fill.toFixed(0)}), check ${r.now_ms_per_gib.check.toFixed(0)} (was ${r.base_ms_per_gib?.check.toFixed(0)}) ms/GiB\n`,
  );
const file = saveResults('check-cost', {
  benchmark: 'check-cost',
  base: BASE,
  buffer_mib: Number(MIB),
  runs: RUNS,
  statistic: 'median over runs of the best of 3 repetitions',
  machine: meta,
  results,
});
process.stdout.write(`written to ${file}\n`);
