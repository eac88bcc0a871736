// --overlap on real MPI ranks: every collective through its MPI_I* form with --check, OSU's
// overlap figures in the table, the JSON and the CSV, and the combinations it refuses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildPlan } from '../src/plan/plan.js';
import { overlapOf } from '../src/rank/sweep.js';
import { ccbench, readJson, strays, tempDir } from './helpers.js';

const dir = tempDir();
const QUICK = ['--iters', '10', '--warmup', '2'];

// A rank's gathered result with only what overlapOf reads (a test double of the wire record).
const part = (meanUs: number, pureUs: number, computeUs: number) => ({
  member: true,
  reporter: true,
  wrong: -1,
  meanUs,
  iters: 1,
  pureUs,
  computeUs,
  samples: new Float64Array(0),
});

describe('--overlap', () => {
  after(() => assert.deepEqual(strays(), [], 'no process left behind'));

  test("OSU's formula over the ranks' means: 100 − 100·(overall − compute)/pure, clamped at 0", () => {
    assert.equal(overlapOf([part(10, 10, 10)])?.percent, 100); // the op hid entirely
    assert.equal(overlapOf([part(15, 10, 10)])?.percent, 50);
    assert.equal(overlapOf([part(25, 10, 10)])?.percent, 0); // slower than op + compute: clamped
    const two = overlapOf([part(10, 10, 10), part(20, 10, 10)]);
    assert.deepEqual(two, { overall_us: 15, compute_us: 10, pure_us: 10, percent: 50 });
    assert.equal(overlapOf([{ ...part(1, 0, 0), pureUs: undefined }]), undefined, 'not an overlap run');
  });

  test('every collective runs non-blocking with --check: zero wrong, the overlap figures in the JSON', async () => {
    const ops = ['allreduce', 'reduce', 'broadcast', 'allgather', 'reducescatter', 'alltoall', 'gather', 'scatter'];
    for (const op of ops) {
      const json = join(dir, `${op}.json`);
      const r = await ccbench([
        op,
        '--overlap',
        '-n',
        '2',
        '--sizes',
        '64:64K:32',
        ...QUICK,
        '--check',
        '--json',
        json,
      ]);
      assert.equal(r.code, 0, `${op}: ${r.stderr}`);
      const doc = readJson(json);
      assert.equal(doc.plan.timing, 'overlap');
      assert.equal(doc.results.length, 3, op);
      for (const row of doc.results) {
        assert.equal(row.wrong, 0, `${op} ${row.size_bytes}`);
        const o = row.overlap;
        assert.ok(o.pure_us > 0 && o.compute_us > 0 && o.overall_us > 0, `${op}: ${JSON.stringify(o)}`);
        assert.ok(o.percent >= 0 && o.percent <= 100, `${op}: ${o.percent}`);
        assert.ok(Math.abs(o.overall_us - row.time_us.avg) < 1e-6 * o.overall_us, 'the samples are the overall times');
      }
    }
  });

  test('the table has OSU columns; the CSV carries them; in place and on 3 ranks with a root', async () => {
    const csv = join(dir, 'gather.csv');
    const r = await ccbench([
      'gather',
      '--overlap',
      '-n',
      '3',
      '--root',
      '2',
      '--in-place',
      '--sizes',
      '1K,4K',
      ...QUICK,
      '--check',
      '--csv',
      csv,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /overlap timing \(OSU non-blocking\)/);
    assert.match(r.stdout, /^size \(B\) +overall +p50 +compute +pure comm +overlap +#wrong$/m);
    assert.match(r.stdout, /^ +1008 .* \d+\.\d % +0/m); // 1 KiB rounded to whole chunks of 3 ranks
    const [head, ...rows] = readFileSync(csv, 'utf8').trim().split('\n');
    const cols = head.split(',');
    for (const k of ['overlap_compute_us', 'overlap_pure_us', 'overlap_pct'])
      for (const row of rows) assert.notEqual(row.split(',')[cols.indexOf(k)], '', k);
  });

  test('`all --overlap` skips the point-to-point ops with a note and runs the collectives', async () => {
    const json = join(dir, 'all.json');
    const r = await ccbench(['all', '--overlap', '-n', '2', '--sizes', '64', '--iters', '3', '-q', '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    for (const op of ['latency', 'bw', 'bibw', 'sendrecv'])
      assert.match(r.stderr, new RegExp(`note: ${op} is point-to-point; --overlap times non-blocking collectives`));
    const ops = new Set(readJson(json).results.map((x: { op: string }) => x.op));
    assert.ok(ops.has('barrier') && ops.has('allreduce') && !ops.has('latency'), [...ops].join());
  });

  test("planned on NCCL and RCCL: their competing work is the GPU's (device memsets on a stream of their own)", () => {
    for (const backend of ['nccl', 'rccl'])
      assert.equal(buildPlan(['allreduce'], { backend, overlap: true, np: 2 }).timing, 'overlap');
  });

  test('refused with one line and exit 2: gloo, point-to-point, and other timings', async () => {
    const cases: [string[], RegExp][] = [
      [['allreduce', '--backend', 'gloo', '--launcher', 'local'], /Gloo's collectives block the calling thread/],
      [['latency'], /latency is point-to-point; --overlap times non-blocking collectives/],
      [['allreduce', '--timing', 'batch'], /--overlap is a timing of its own .*; drop --timing batch/],
      [['allreduce', '--blocking'], /drop --blocking/],
      [['allreduce', '--graph', '2'], /drop --graph/],
    ];
    for (const [args, msg] of cases) {
      const r = await ccbench([...args, '--overlap', '-n', '2', '--sizes', '8']);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], msg);
    }
  });
});
