// End to end on real MPI ranks (Open MPI, shared memory on this machine): the CLI launches them,
// every op runs with --check on several dtypes, and rank 0's tables and files say what happened.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { OPS } from '../src/ops/index.js';
import { ccbench, mpirunCcbench, readJson, strays, tempDir, waitFor } from './helpers.js';

const dir = tempDir();
const QUICK = ['--iters', '20', '--warmup', '2'];

/** Table rows printed on stdout: lines that start with a size; cells are 2+ spaces apart. */
function tableRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => /^\s*\d+ {2,}\S/.test(l))
    .map((l) => l.trim().split(/\s{2,}/));
}

/** A time cell ("12.34 µs", "1.234 ms", "2.500 s") in µs. */
function micros(cell: string): number {
  const [v, unit] = cell.split(' ');
  return Number(v) * ({ µs: 1, ms: 1e3, s: 1e6 } as Record<string, number>)[unit];
}

describe('ccbench over MPI', () => {
  after(() => assert.deepEqual(strays(), [], 'no process left behind'));

  test('allreduce --sizes 8:1M -n 2 prints a table of 18 sizes', async () => {
    const r = await ccbench(['allreduce', '--sizes', '8:1M', '-n', '2', ...QUICK]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /# allreduce · 2 ranks · float32 · sum · 20 iterations · mpi \(Open MPI/);
    assert.match(r.stdout, /^ *size \(B\) +avg +min +max +p50 +p99 +algbw +busbw$/m);
    const rows = tableRows(r.stdout);
    assert.deepEqual(
      rows.map((c) => Number(c[0])),
      Array.from({ length: 18 }, (_, i) => 8 * 2 ** i),
    );
    for (const c of rows) {
      const [avg, min, max] = [micros(c[1]), micros(c[2]), micros(c[3])];
      assert.ok(min > 0 && min <= avg && avg <= max, `min ≤ avg ≤ max: ${c.join(' | ')}`);
      assert.equal(c[7], c[6], 'busbw = algbw for 2 ranks (factor 1)');
    }
  });

  for (const np of [2, 4]) {
    test(`every op with --check on ${np} ranks, four dtypes, every reduction, root ${np - 1}`, async () => {
      const json = join(dir, `all-${np}.json`);
      const r = await ccbench([
        'all',
        '-n',
        String(np),
        '--sizes',
        '64:64K:4',
        '--dtype',
        'float32,bfloat16,int8,float64',
        '--reduce-op',
        'all',
        '--root',
        String(np - 1),
        '--check',
        '--quiet',
        '--json',
        json,
        ...QUICK,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const doc = readJson(json);
      assert.equal(doc.status, 'complete');
      assert.equal(doc.world_size, np);
      assert.equal(doc.ranks.length, np);
      for (const row of doc.results)
        assert.equal(row.wrong, 0, `${row.op} ${row.dtype} ${row.redop} ${row.size_bytes}`);
      for (const op of OPS)
        for (const dtype of ['float32', 'bfloat16', 'int8', 'float64'])
          assert.ok(
            doc.results.some((x: any) => x.op === op.name && x.dtype === dtype),
            `${op.name} ${dtype} measured`,
          );
      for (const redop of ['sum', 'prod', 'max', 'min'])
        assert.ok(
          doc.results.some((x: any) => x.op === 'reducescatter' && x.redop === redop),
          redop,
        );
      assert.ok(doc.results.filter((x: any) => x.op === 'gather').every((x: any) => x.root === np - 1));
    });
  }

  test('in-place forms on 4 ranks validate, and ops without one are noted', async () => {
    const json = join(dir, 'inplace.json');
    const r = await ccbench([
      'all',
      '-n',
      '4',
      '--in-place',
      '--sizes',
      '256:16K:8',
      '--dtype',
      'int32,float16',
      '--root',
      '2',
      '--check',
      '--quiet',
      '--json',
      json,
      ...QUICK,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /note: bw has no in-place form/);
    const doc = readJson(json);
    for (const row of doc.results) assert.equal(row.wrong, 0, `${row.op} ${row.dtype}`);
    for (const op of [
      'allreduce',
      'allgather',
      'reducescatter',
      'reducescatterv',
      'alltoall',
      'gather',
      'scatter',
      'broadcast',
      'reduce',
      'sendrecv',
    ])
      assert.ok(
        doc.results.some((x: any) => x.op === op && x.in_place),
        `${op} in place`,
      );
  });

  test('--ranks sweeps sub-communicators in one launch, with the bus factor of each size', async () => {
    const json = join(dir, 'ranks.json');
    const csv = join(dir, 'ranks.csv');
    const r = await ccbench([
      'allreduce',
      '--ranks',
      '1,2,4',
      '--sizes',
      '1K:4K',
      '--check',
      '--json',
      json,
      '--csv',
      csv,
      ...QUICK,
    ]);
    assert.equal(r.code, 0, r.stderr);
    for (const k of [1, 2, 4]) assert.match(r.stdout, new RegExp(`# allreduce · ${k} ranks`));
    const doc = readJson(json);
    assert.equal(doc.world_size, 4, 'the job has the largest rank count');
    assert.deepEqual(
      doc.results.map((x: any) => x.ranks),
      [1, 1, 1, 2, 2, 2, 4, 4, 4],
    );
    for (const x of doc.results) {
      assert.equal(x.wrong, 0);
      assert.ok(Math.abs(x.bus_factor - (2 * (x.ranks - 1)) / x.ranks) < 1e-12);
    }
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(lines.length, 10, 'header + 9 rows');
    assert.match(lines[0], /^op,ranks,size_bytes,count,dtype/);
  });

  test('started by mpirun itself, each process runs as a rank', async () => {
    const json = join(dir, 'direct.json');
    const r = await mpirunCcbench(2, ['latency', '--sizes', '8:64', '--json', json, '--check', ...QUICK]);
    assert.equal(r.code, 0, r.stderr);
    const doc = readJson(json);
    assert.equal(doc.launcher, 'openmpi');
    assert.equal(doc.mpi.implementation, 'Open MPI');
    assert.match(doc.mpi.version, /^\d+\.\d+/);
    assert.deepEqual(
      doc.results.map((x: any) => x.size_bytes),
      [8, 16, 32, 64],
    );
  });

  test('batch timing (nccl-tests style) measures and validates too', async () => {
    const json = join(dir, 'batch.json');
    const r = await ccbench([
      'reducescatter',
      '--timing',
      'batch',
      '--sizes',
      '1K:64K:8',
      '-n',
      '2',
      '--check',
      '--json',
      json,
      ...QUICK,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /batch timing/);
    assert.ok(readJson(json).results.every((x: any) => x.wrong === 0 && x.time_us.avg > 0));
  });

  test('--repeat runs the sweep again and tags each row with its cycle', async () => {
    const json = join(dir, 'repeat.json');
    const r = await ccbench([
      'bibw',
      '--sizes',
      '1K:4K',
      '-n',
      '2',
      '--repeat',
      '3',
      '--check',
      '--json',
      json,
      ...QUICK,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cycle 3 of 3/);
    const rows = readJson(json).results;
    assert.deepEqual(
      rows.map((x: any) => `${x.cycle}:${x.size_bytes}`),
      ['1:1024', '1:2048', '1:4096', '2:1024', '2:2048', '2:4096', '3:1024', '3:2048', '3:4096'],
    );
    assert.ok(rows.every((x: any) => x.wrong === 0));
  });

  test('a suite runs all its ops in one launch', async () => {
    const json = join(dir, 'suite.json');
    const r = await ccbench(['suite', 'smoke', '-n', '2', '--dtype', 'int8', '--quiet', '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    const rows = readJson(json).results;
    assert.deepEqual([...new Set(rows.map((x: any) => x.op))].sort(), OPS.map((o) => o.name).sort());
    assert.ok(
      rows.every((x: any) => x.dtype === 'int8' && x.wrong === 0 && x.iters === 20),
      "the suite's --check and iterations, the typed dtype",
    );
  });

  test('a wrong element reaches the #wrong column and exit code 3 (fault injection)', async () => {
    const r = await ccbench(['allreduce', '--sizes', '8:32', '-n', '2', '--check', ...QUICK], {
      env: { CCBENCH_FAULT_INJECT: 'corrupt-output' },
    });
    assert.equal(r.code, 3, r.stderr);
    assert.deepEqual(
      tableRows(r.stdout).map((c) => c[8]),
      ['1', '1', '1'],
    );
    assert.match(r.stderr, /--check found 3 wrong elements/);
  });

  test('--max-time-per-size caps the iterations of a slow size', async () => {
    const json = join(dir, 'cap.json');
    const r = await ccbench([
      'allreduce',
      '--sizes',
      '4M',
      '-n',
      '2',
      '--iters',
      '100000',
      '--warmup',
      '3',
      '--max-time-per-size',
      '0.2',
      '--json',
      json,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const row = readJson(json).results[0];
    assert.ok(row.iters >= 1 && row.iters < 100000, `iterations capped: ${row.iters}`);
    assert.ok(r.ms < 60_000);
  });

  test('SIGTERM mid-sweep keeps every finished size and marks the file interrupted', async () => {
    const json = join(dir, 'term.json');
    let pid = 0;
    const run = ccbench(
      ['allreduce', '--sizes', '8:1K', '-n', '2', '--iters', '100000000', '--max-time-per-size', '0.3', '--json', json],
      { onSpawn: (p) => (pid = p) },
    );
    await waitFor(() => existsSync(json) && readJson(json).results.length >= 2);
    process.kill(pid, 'SIGTERM');
    const r = await run;
    assert.equal(r.code, 143, r.stderr);
    const doc = readJson(json);
    assert.equal(doc.status, 'interrupted');
    assert.ok(doc.results.length >= 2);
    await waitFor(() => strays().length === 0);
  });

  test('a stopped rank ends the job after --timeout with one message naming it, its host, op, size and iteration', async () => {
    const json = join(dir, 'hang.json');
    const run = ccbench([
      'allreduce',
      '--sizes',
      '8:1K',
      '-n',
      '2',
      '--iters',
      '100000000',
      '--max-time-per-size',
      '0.3',
      '--timeout',
      '2',
      '--json',
      json,
    ]);
    await waitFor(() => existsSync(json) && readJson(json).results.length >= 1);
    const victim = readJson(json).ranks[1].pid as number;
    process.kill(victim, 'SIGSTOP');
    const r = await run;
    assert.equal(r.code, 124, r.stderr);
    // A size that outlasts 10 s on a loaded machine (the cap is an estimate from the warm-up)
    // also gets the non-TTY progress note: that is not an error line.
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !/^ccbench: .*: running for \d+:\d+/.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      // stopped in the timed loop or, when the next size had just begun, in its warm-up
      /^ccbench: rank 1 \(.+\) has sent nothing for \d+ s \(stopped or hung\) during allreduce \d+ B float32 sum on 2 ranks \((timed|warmup) iteration \d+\)$/,
    );
    const doc = readJson(json);
    assert.equal(doc.status, 'failed');
    assert.ok(doc.results.length >= 1, 'finished sizes kept');
    await waitFor(() => strays().length === 0);
  });
});
