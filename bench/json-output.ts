// npm run bench:json — what writing the JSON costs as a sweep grows: the same many-size sweep
// with and without --json (and with --csv, for scale), launches interleaved, at two sweep lengths.
// Linear output means the extra time per size stays the same as the sweep grows. Writes
// results/json-output/<time>.json with the machine it ran on.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine, ROOT, saveResults } from './machine.js';

const LAUNCHES = Number(process.env.LAUNCHES ?? 3);
const SWEEPS = [1000, 4000]; // sizes: 8 B, 16 B, ... in steps of 8 B
// BENCH_CLI: another checkout's bin/ccbench.js, to measure it the same way (e.g. an older commit).
const CLI = process.env.BENCH_CLI ?? join(ROOT, 'bin', 'ccbench.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1];
const meta = machine();
const dir = mkdtempSync(join(tmpdir(), 'ccbench-bench-json-'));

function launch(sizes: number, output: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'latency',
      '--launcher',
      'local',
      '--backend',
      'gloo',
      '-n',
      '2',
      '--sizes',
      `8:${8 * sizes}:+8`,
      '--iters',
      '1',
      '--warmup',
      '0',
      '-q',
      ...output,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`bench:json: ccbench failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const results = SWEEPS.map((sizes) => {
  const walls: Record<string, number[]> = { none: [], json: [], csv: [] };
  for (let i = 0; i < LAUNCHES; i++)
    for (const kind of i % 2 ? ['csv', 'json', 'none'] : ['none', 'json', 'csv']) {
      const file = join(dir, `${sizes}-${i}.${kind}`);
      walls[kind].push(launch(sizes, kind === 'none' ? [] : [`--${kind}`, file]));
    }
  const m = Object.fromEntries(Object.entries(walls).map(([k, v]) => [k, median(v)]));
  return { sizes, median_wall_s: m, json_extra_ms_per_size: ((m.json - m.none) * 1000) / sizes, walls_s: walls };
});
rmSync(dir, { recursive: true, force: true });
for (const r of results)
  process.stdout.write(
    `${r.sizes} sizes: no output ${r.median_wall_s.none.toFixed(2)} s, --json ${r.median_wall_s.json.toFixed(2)} s, --csv ${r.median_wall_s.csv.toFixed(2)} s; --json adds ${r.json_extra_ms_per_size.toFixed(3)} ms per size\n`,
  );
const file = saveResults('json-output', {
  benchmark: 'json-output',
  what: 'wall time of `ccbench latency` over N sizes of 8 B steps (1 iteration, no warm-up: the sweep is nearly all bookkeeping), local launcher, 2 Gloo ranks, with no output file, --json and --csv',
  cli: CLI,
  statistic: `median over ${LAUNCHES} interleaved launches`,
  machine: meta,
  results,
});
process.stdout.write(`written to ${file}\n`);
