// --concurrent k and `ccbench mix` on real MPI ranks: copies of a collective, or different
// collectives, at once on their own communicators and buffer slices, each checked, with each
// alone for the slowdown; the dl-step suite; and what they refuse.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseMix } from '../src/plan/mix.js';
import { buildPlan } from '../src/plan/plan.js';
import { concurrencyOf } from '../src/rank/sweep.js';
import { ccbench, readJson, strays, tempDir } from './helpers.js';

const dir = tempDir();
const QUICK = ['--iters', '10', '--warmup', '2'];

// A rank's gathered result with only what concurrencyOf reads (a test double of the wire record).
const part = (meanUs: number, aloneUs: number, copyUs: number[]) => ({
  member: true,
  reporter: true,
  wrong: -1,
  meanUs,
  iters: 1,
  aloneUs,
  copyUs,
  samples: new Float64Array(0),
});

describe('--concurrent', () => {
  after(() => assert.deepEqual(strays(), [], 'no process left behind'));

  test("the ranks' means: together / alone is the slowdown, each copy's time averaged", () => {
    assert.deepEqual(concurrencyOf([part(30, 10, [20, 30]), part(50, 10, [40, 50])]), {
      copies: 2,
      alone_us: 10,
      together_us: 40,
      slowdown: 4,
      copy_us: [30, 40],
    });
    assert.equal(concurrencyOf([{ ...part(1, 1, []), copyUs: undefined }]), undefined, 'not a concurrent run');
  });

  test('k copies of each collective, every copy checked: zero wrong, per-copy times, the aggregate busbw', async () => {
    for (const [op, k] of [
      ['allreduce', 3],
      ['alltoall', 2],
      ['broadcast', 2],
      ['reducescatter', 2],
    ] as const) {
      const json = join(dir, `${op}.json`);
      const r = await ccbench([
        op,
        '--concurrent',
        String(k),
        '-n',
        '2',
        '--sizes',
        '1K,64K',
        ...QUICK,
        '--check',
        '--json',
        json,
      ]);
      assert.equal(r.code, 0, `${op}: ${r.stderr}`);
      const doc = readJson(json);
      assert.equal(doc.plan.concurrent, k);
      for (const row of doc.results) {
        assert.equal(row.wrong, 0, `${op} ${row.size_bytes}`);
        const c = row.concurrent;
        assert.equal(c.copies, k);
        assert.equal(c.copy_us.length, k);
        assert.ok(c.alone_us > 0 && c.together_us > 0 && c.slowdown > 0, JSON.stringify(c));
        assert.ok(Math.abs(c.aggregate_busbw_gbs - k * row.busbw_gbs) < 1e-9 * c.aggregate_busbw_gbs);
        assert.ok(Math.max(...c.copy_us) <= c.together_us * 1.000001, 'no copy ends after the last');
      }
    }
  });

  test('copies on sub-communicators of a --ranks sweep, in place; the table shows the slowdown', async () => {
    const r = await ccbench([
      'allreduce',
      '--concurrent',
      '2',
      '-n',
      '2',
      '--ranks',
      '1,2',
      '--in-place',
      '--sizes',
      '4K',
      ...QUICK,
      '--check',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 copies at once on 2 communicators/);
    assert.match(r.stdout, /^size \(B\) +together +p50 +alone +slowdown +busbw +agg busbw +#wrong$/m);
    assert.equal((r.stdout.match(/^ +4096 .* \d+\.\d\d× .* 0( +\*)?$/gm) ?? []).length, 2, r.stdout);
  });

  test('planned on NCCL and RCCL (each copy on its own stream), refused on Gloo', () => {
    for (const backend of ['nccl', 'rccl']) {
      assert.equal(buildPlan(['allreduce'], { backend, concurrent: 2, np: 2 }).concurrent, 2);
      assert.ok(buildPlan(parseMix('allreduce:1M,alltoall:64K'), { backend, mix: true, np: 2 }).mix);
    }
    assert.throws(
      () => buildPlan(['allreduce'], { backend: 'gloo', concurrent: 2, np: 2 }),
      /Gloo's collectives block/,
    );
  });

  test('refused with one line and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--backend', 'gloo', '--launcher', 'local'],
        /--concurrent starts its copies with non-blocking collectives: Gloo/,
      ],
      [['--overlap'], /drop --overlap/],
      [['--timing', 'batch'], /drop --timing batch/],
    ];
    for (const [args, msg] of cases) {
      const r = await ccbench(['allreduce', '--concurrent', '2', ...args, '-n', '2', '--sizes', '8']);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, msg);
    }
    const bw = await ccbench(['bw', '--concurrent', '2', '-n', '2', '--sizes', '8']);
    assert.equal(bw.code, 2);
    assert.match(bw.stderr, /bw is point-to-point; --concurrent times non-blocking collectives/);
    for (const k of ['0', '17']) {
      const bad = await ccbench(['allreduce', '--concurrent', k, '-n', '2', '--sizes', '8']);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /--concurrent/);
    }
  });

  test('a mix of three collectives: a row each with its slowdown against it alone, every item checked', async () => {
    const json = join(dir, 'mix.json');
    const r = await ccbench([
      'mix',
      'allreduce:64K,alltoall:16K,broadcast:4K',
      '-n',
      '2',
      ...QUICK,
      '--check',
      '--json',
      json,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /a mix: every item at once, each on its own communicator/);
    const doc = readJson(json);
    assert.equal(doc.plan.mix, true);
    assert.deepEqual(
      doc.results.map((x: { op: string; size_bytes: number }) => `${x.op} ${x.size_bytes}`),
      ['allreduce 65536', 'alltoall 16384', 'broadcast 4096'],
    );
    for (const row of doc.results) {
      const c = row.concurrent;
      assert.equal(row.wrong, 0, row.op);
      assert.deepEqual(c.mix, ['allreduce 64 KiB', 'alltoall 16 KiB', 'broadcast 4 KiB']);
      assert.equal(c.copy_us.length, 3);
      assert.ok(c.alone_us > 0 && c.slowdown > 0, JSON.stringify(c));
      assert.equal(c.aggregate_busbw_gbs, null, 'the items are not alike');
      assert.ok(Math.abs(c.together_us - row.time_us.avg) < 1e-6 * c.together_us, "the row's times are its own");
    }
  });

  test('the dl-step suite is a mix; its sizes can be overridden', async () => {
    const json = join(dir, 'dl-step.json');
    const r = await ccbench(['suite', 'dl-step', '-n', '2', '--sizes', '32K', '--iters', '3', '-q', '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    const doc = readJson(json);
    assert.deepEqual(
      doc.results.map((x: { op: string }) => x.op),
      ['allreduce', 'allgather', 'reducescatter', 'alltoall'],
    );
    assert.ok(doc.results.every((x: { concurrent?: { copies: number } }) => x.concurrent?.copies === 4));
  });

  test('a bad mix: one line and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['allreduce:1M'], /a mix needs two or more items/],
      [['allreduce:1M,'], /a mix needs two or more items/],
      [['allreduce,alltoall:1K'], /mix item 'allreduce' is not op:size/],
      [['allreduce:1M,bogus:1K'], /unknown op 'bogus'/],
      [['allreduce:8:1M,alltoall:1K'], /is not op:size/],
      [['allreduce:8,16,alltoall:1K'], /is not op:size/],
      [['latency:8,allreduce:1K'], /latency is point-to-point; a mix times non-blocking collectives/],
      [
        ['allreduce:1K,alltoall:1K', '--backend', 'gloo', '--launcher', 'local'],
        /a mix starts its items with non-blocking collectives: Gloo/,
      ],
      [['allreduce:1K,alltoall:1K', '--ranks', '1,2'], /a mix runs on one rank count/],
      [['allreduce:1K,alltoall:1K', '--dtype', 'float32,int32'], /one --dtype and one --reduce-op/],
      [['allreduce:1K,alltoall:1K', '--concurrent', '2'], /drop --concurrent/],
    ];
    for (const [args, msg] of cases) {
      const r = await ccbench(['mix', ...args, '-n', '2']);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, msg);
    }
  });
});
