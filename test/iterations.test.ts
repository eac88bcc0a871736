// OSU 7.4's iteration counts as the plan gives them to points (src/plan/iterations.ts): by op class
// and message size, per rank for the ops whose OSU size is one rank's message, and --iters/--warmup.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { defaultIterations, LARGE_MESSAGE_SIZE } from '../src/plan/iterations.js';
import { buildPlan as build, expandPoints, type PlanInput, type RunSpec } from '../src/plan/plan.js';

// Planned for the mpi backend, as plan.test.ts does.
const buildPlan = (runs: (string | RunSpec)[], o: PlanInput) => build(runs, { backend: 'mpi', ...o });
const plan1 = (op: string, o: PlanInput = {}) => buildPlan([op], o);
/** 'op@bytes:iters/warmup' per point. */
const counts = (pts: ReturnType<typeof expandPoints>) =>
  pts.map((p) => `${p.op}@${p.sizeBytes}:${p.iters}/${p.warmup}`);

describe('iteration counts (OSU 7.4 defaults)', () => {
  test('by class, switching strictly above 8192 bytes', () => {
    assert.equal(LARGE_MESSAGE_SIZE, 8192);
    assert.deepEqual(defaultIterations('coll', 8192), { iters: 1000, warmup: 100 });
    assert.deepEqual(defaultIterations('coll', 8193), { iters: 100, warmup: 10 });
    assert.deepEqual(defaultIterations('lat', 8192), { iters: 10000, warmup: 100 });
    assert.deepEqual(defaultIterations('lat', 8193), { iters: 1000, warmup: 10 });
    assert.deepEqual(defaultIterations('bw', 8192), { iters: 100, warmup: 10 });
    assert.deepEqual(defaultIterations('bw', 8193), { iters: 20, warmup: 2 });
    assert.deepEqual(defaultIterations('coll', 0), { iters: 1000, warmup: 100 });
  });

  test('points get the counts for their op and size', () => {
    const pts = expandPoints(buildPlan(['allreduce', 'latency', 'bw'], { sizes: '8K,16K' }));
    assert.deepEqual(counts(pts), [
      'allreduce@8192:1000/100',
      'allreduce@16384:100/10',
      'latency@8192:10000/100',
      'latency@16384:1000/10',
      'bw@8192:100/10',
      'bw@16384:20/2',
    ]);
  });

  test("per-rank ops switch on one rank's message, as OSU's size column means for them", () => {
    // 4 ranks: 32 KiB of allgather is 8 KiB per rank (OSU's 8 KiB point: small counts); 64 KiB
    // is 16 KiB per rank. reducescatter's OSU size is the whole buffer, like allreduce's.
    const pts = expandPoints(
      buildPlan(['allgather', 'alltoall', 'gather', 'scatter', 'reducescatter'], { sizes: '32K,64K', np: 4 }),
    );
    assert.deepEqual(counts(pts), [
      'allgather@32768:1000/100',
      'allgather@65536:100/10',
      'alltoall@32768:1000/100',
      'alltoall@65536:100/10',
      'gather@32768:1000/100',
      'gather@65536:100/10',
      'scatter@32768:1000/100',
      'scatter@65536:100/10',
      'reducescatter@32768:100/10',
      'reducescatter@65536:100/10',
    ]);
  });

  test('explicit --iters and --warmup override every size, including warmup 0', () => {
    const pts = expandPoints(plan1('allreduce', { sizes: '8:1M', iters: 7, warmup: 0 }));
    assert.ok(pts.length > 10);
    for (const p of pts) assert.deepEqual([p.iters, p.warmup], [7, 0]);
  });

  test('--iters below 1 is rejected', () => {
    assert.throws(
      () => plan1('allreduce', { iters: 0 }),
      (e: unknown) => e instanceof UsageError && e.message.includes('--iters'),
    );
  });
});
