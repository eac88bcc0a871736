// Result output: the terminal table, result files (never overwritten silently) and the
// streaming writer that keeps JSON and CSV complete after every finished size.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  closeSync,
  openSync,
  writeSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlan, expandPoints, type Plan } from '../src/plan/plan.js';
import { makeRow } from '../src/report/row.js';
import type { TimeStats } from '../src/report/stats.js';
import { createOutput, probeOutput, writeAtomically } from '../src/report/files.js';
import { ResultWriter, type RunMeta } from '../src/report/writer.js';
import { UsageError } from '../src/errors.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(tmpdir() + '/ccb-');
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const stats = (avg: number, samples = 100): TimeStats => ({
  avg,
  min: avg - 1,
  max: avg + 1,
  p50: avg,
  p90: avg + 0.5,
  p99: avg + 0.75,
  stdev: 0.25,
  samples,
  p50_ci: null,
});

describe('files', () => {
  test('probeOutput accepts a new file and leaves nothing behind', () => {
    const d = tempDir();
    probeOutput(join(d, 'r.json'), '--json', false);
    assert.deepEqual(readdirSync(d), []);
  });

  test('probeOutput refuses an existing file unless overwrite', () => {
    const d = tempDir();
    const p = join(d, 'r.json');
    writeFileSync(p, 'old');
    assert.throws(
      () => probeOutput(p, '--json', false),
      (e: Error) =>
        e instanceof UsageError &&
        e.message.includes(p) &&
        e.message.includes('--overwrite') &&
        e.message.includes('--json'),
    );
    probeOutput(p, '--json', true);
    assert.equal(readFileSync(p, 'utf8'), 'old');
    assert.deepEqual(readdirSync(d), ['r.json']);
  });

  test('probeOutput refuses a directory even with overwrite', () => {
    const d = tempDir();
    mkdirSync(join(d, 'sub'));
    assert.throws(
      () => probeOutput(join(d, 'sub'), '--csv', true),
      (e: Error) => e instanceof UsageError && /is a directory/.test(e.message),
    );
  });

  test('probeOutput reports a missing directory', () => {
    const d = tempDir();
    assert.throws(
      () => probeOutput(join(d, 'nope', 'r.csv'), '--csv', false),
      (e: Error) => e instanceof UsageError && e.message.includes(join(d, 'nope')) && /does not exist/.test(e.message),
    );
  });

  test('createOutput makes a new file, refuses an existing one, truncates with overwrite', () => {
    const d = tempDir();
    const p = join(d, 'r.csv');
    const fd = createOutput(p, '--csv', false);
    writeSync(fd, 'first');
    closeSync(fd);
    assert.throws(
      () => createOutput(p, '--csv', false),
      (e: Error) => e instanceof UsageError && e.message.includes('already exists'),
    );
    assert.equal(readFileSync(p, 'utf8'), 'first');
    closeSync(createOutput(p, '--csv', true));
    assert.equal(readFileSync(p, 'utf8'), '');
  });

  test('createOutput in a missing directory is a UsageError', () => {
    const d = tempDir();
    assert.throws(() => createOutput(join(d, 'x', 'r.csv'), '--csv', false), UsageError);
  });

  test('writeAtomically replaces the content and leaves no temp file', () => {
    const d = tempDir();
    const p = join(d, 'r.json');
    writeAtomically(p, 'one');
    assert.equal(readFileSync(p, 'utf8'), 'one');
    writeAtomically(p, 'two, longer');
    writeAtomically(p, '3');
    assert.equal(readFileSync(p, 'utf8'), '3');
    assert.deepEqual(readdirSync(d), ['r.json']);
  });
});

const CSV_HEADER = [
  'op',
  'ranks',
  'size_bytes',
  'count',
  'dtype',
  'redop',
  'root',
  'in_place',
  'iters',
  'iters_planned',
  'warmup',
  'cycle',
  'time_avg_us',
  'time_min_us',
  'time_max_us',
  'time_p50_us',
  'time_p50_ci_lo_us',
  'time_p50_ci_hi_us',
  'time_p90_us',
  'time_p99_us',
  'time_stdev_us',
  'alg_bytes',
  'algbw_gbs',
  'busbw_gbs',
  'bus_factor',
  'wrong',
  'overlap_compute_us',
  'overlap_pure_us',
  'overlap_pct',
  'concurrent_copies',
  'concurrent_alone_us',
  'concurrent_slowdown',
  'concurrent_aggregate_busbw_gbs',
  'pattern',
  'recv_max_over_mean',
  'recv_gini',
  'rank_time_max_us',
];

function meta(plan: Plan): RunMeta {
  return {
    ccbench: { version: '0.0.0-test', node: process.version, executable: process.execPath },
    command: ['ccbench', 'allreduce'],
    cwd: '/tmp',
    start_time: '2024-01-01T00:00:00.000Z',
    launcher: 'local',
    backend: { name: 'mpi', library: 'test MPI', device: 'host' },
    mpi: null,
    system: {
      ccbench: { version: '0.0.0-test', node: process.version, addon: 'none' },
      backends: [],
      gpu: { error: 'none' },
      nccl: { error: 'none' },
      rccl: { error: 'none' },
      mpi: null,
    },
    world_size: 2,
    hosts: ['node0'],
    ranks: [{ rank: 0, host: 'node0', pid: 1, local_rank: 0, device: 'host memory' }],
    plan,
  };
}

function csvLines(path: string): string[][] {
  const text = readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'), 'CSV ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => l.split(','));
}

describe('ResultWriter', () => {
  test('JSON and CSV are complete after open, every add, and close', () => {
    const d = tempDir();
    const json = join(d, 'r.json');
    const csv = join(d, 'r.csv');
    const plan = buildPlan(['allreduce'], { json, csv, sizes: '1K,4K,16K' });
    const printed: string[] = [];
    const w = new ResultWriter(meta(plan), (l) => printed.push(l));
    w.open();

    let doc = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(doc.schema, 'ccbench.result/2');
    assert.equal(doc.status, 'running');
    assert.equal(doc.end_time, null);
    assert.deepEqual(doc.results, []);
    assert.deepEqual(doc.errors, []);
    assert.equal(doc.world_size, 2);
    assert.deepEqual(doc.plan, JSON.parse(JSON.stringify(plan)));
    assert.ok(typeof doc.units.bandwidth === 'string');
    assert.deepEqual(csvLines(csv), [CSV_HEADER]);

    const rows = expandPoints(plan).map((p, i) => makeRow(p, stats(10 * (i + 1)), null));
    assert.equal(rows.length, 3);
    rows.forEach((r, i) => {
      w.add(r, 'allreduce on 2 ranks');
      doc = JSON.parse(readFileSync(json, 'utf8'));
      assert.equal(doc.status, 'running');
      assert.deepEqual(doc.results, JSON.parse(JSON.stringify(rows.slice(0, i + 1))));
      const lines = csvLines(csv);
      assert.equal(lines.length, i + 2);
      const rec = Object.fromEntries(CSV_HEADER.map((h, j) => [h, lines[i + 1][j]]));
      assert.equal(lines[i + 1].length, CSV_HEADER.length);
      assert.equal(rec.op, 'allreduce');
      assert.equal(rec.dtype, 'float32');
      assert.equal(rec.redop, 'sum');
      assert.equal(Number(rec.ranks), 2);
      assert.equal(Number(rec.size_bytes), r.size_bytes);
      assert.equal(Number(rec.count), r.count);
      assert.equal(Number(rec.root), -1);
      assert.equal(Number(rec.iters), 100);
      assert.equal(Number(rec.time_avg_us), r.time_us.avg);
      assert.equal(Number(rec.time_p90_us), r.time_us.p90);
      assert.equal(Number(rec.time_stdev_us), 0.25);
      assert.equal(Number(rec.alg_bytes), r.alg_bytes);
      assert.equal(Number(rec.algbw_gbs), r.algbw_gbs);
      assert.equal(Number(rec.busbw_gbs), r.busbw_gbs);
      assert.equal(Number(rec.bus_factor), 1);
      assert.equal(rec.wrong, '');
    });
    assert.equal(w.results.length, 3);

    w.close('complete');
    doc = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(doc.status, 'complete');
    assert.ok(!Number.isNaN(Date.parse(doc.end_time)), `end_time '${doc.end_time}'`);
    assert.equal(doc.results.length, 3);
    assert.deepEqual(readdirSync(d).sort(), ['r.csv', 'r.json']);
  });

  test('CSV tells in_place false from a missing value', () => {
    const d = tempDir();
    const csv = join(d, 'r.csv');
    const plan = buildPlan(['allreduce'], { csv, sizes: '1K' });
    const w = new ResultWriter(meta(plan), () => {});
    w.open();
    w.add(makeRow(expandPoints(plan)[0], stats(5), null), 't');
    w.close('complete');
    assert.equal(csvLines(csv)[1][CSV_HEADER.indexOf('in_place')], 'false');
    assert.equal(csvLines(csv)[1][CSV_HEADER.indexOf('wrong')], '', 'null stays empty');
  });

  test('close with an error records the status and the message', () => {
    const d = tempDir();
    const json = join(d, 'r.json');
    const w = new ResultWriter(meta(buildPlan(['allreduce'], { json, sizes: '1K' })), () => {});
    w.open();
    w.close('failed', 'rank 1 died');
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(doc.status, 'failed');
    assert.deepEqual(doc.errors, ['rank 1 died']);
  });

  test('open refuses an existing result file and leaves it alone', () => {
    const d = tempDir();
    const json = join(d, 'r.json');
    writeFileSync(json, 'precious');
    const w = new ResultWriter(meta(buildPlan(['allreduce'], { json, sizes: '1K' })), () => {});
    assert.throws(
      () => w.open(),
      (e: Error) => e instanceof UsageError && e.message.includes('already exists'),
    );
    assert.equal(readFileSync(json, 'utf8'), 'precious');
  });

  test(
    'a disk still full at close: the failure is said once, not again by close',
    { skip: process.getuid?.() !== 0 ? 'needs root to mount a small tmpfs' : undefined },
    () => {
      const mnt = join(tempDir(), 'small');
      mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mnt]);
      const said: string[] = [];
      const write = process.stderr.write;
      try {
        // A long path makes the message longer than a row: where a row no longer fits, the
        // closing lines that carry the message cannot fit either, whatever the page offsets.
        const deep = join(mnt, ...Array.from({ length: 6 }, (_, i) => String(i).repeat(200)));
        mkdirSync(deep, { recursive: true });
        const plan = buildPlan(['allreduce'], { json: join(deep, 'r.json'), sizes: '8:1G', quiet: true });
        const w = new ResultWriter(meta(plan), () => {});
        w.open();
        const fd = openSync(join(mnt, 'filler'), 'w'); // the disk full from here on
        try {
          for (let i = 0; i < 64; i++) writeSync(fd, Buffer.alloc(512));
        } catch {
          // full
        }
        closeSync(fd);
        let failure = '';
        for (const p of expandPoints(plan))
          try {
            w.add(makeRow(p, stats(5), null), 'title');
          } catch (e) {
            failure = (e as Error).message;
            break;
          }
        assert.match(failure, /ENOSPC/);
        process.stderr.write = ((s: string) => said.push(s) > 0) as typeof process.stderr.write;
        assert.equal(w.close('failed', failure), failure, 'close says the output could not be finished');
        process.stderr.write = write;
        assert.deepEqual(said, [], 'the caller said it already');
        const doc = JSON.parse(readFileSync(join(deep, 'r.json'), 'utf8'));
        assert.equal(doc.status, 'failed', 'the status at least');
      } finally {
        process.stderr.write = write;
        execFileSync('umount', ['-l', mnt]); // lazily: the JSON's descriptor stays open for a final status
      }
    },
  );

  test('quiet mode prints nothing', () => {
    const plan = buildPlan(['allreduce'], { quiet: true, sizes: '1K,2K' });
    const printed: string[] = [];
    const w = new ResultWriter(meta(plan), (l) => printed.push(l));
    w.open();
    for (const p of expandPoints(plan)) w.add(makeRow(p, stats(5), null), 'title');
    w.close('complete');
    assert.deepEqual(printed, []);
    assert.equal(w.results.length, 2);
  });
});
