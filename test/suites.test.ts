// Suites: the shipped ones load and plan cleanly; a malformed one fails with a clear message;
// options typed on the command line override the suite, and the suite's runs override its options.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { buildPlan, expandPoints, type PlanInput } from '../src/plan/plan.js';
import { patternLabel } from '../src/plan/patterns.js';
import { applySuite, listSuites, loadSuite } from '../src/plan/suites.js';
import { tempDir } from './helpers.js';

const dir = tempDir();
function suiteFile(name: string, doc: unknown): string {
  const p = join(dir, `${name}.json`);
  writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return p;
}

describe('shipped suites', () => {
  test('osu, nccl-tests, smoke, characterize and moe exist and each builds a valid plan on 2 ranks', () => {
    const names = listSuites().map((s) => s.name);
    for (const n of ['osu', 'nccl-tests', 'smoke', 'characterize', 'moe']) assert.ok(names.includes(n), n);
    for (const s of listSuites()) {
      const { runs, options } = applySuite(s, {}, new Set());
      const plan = buildPlan(runs, options, 2);
      assert.ok(expandPoints(plan).length > 0, s.name);
      assert.ok(s.description.length > 20, `${s.name} says what it is`);
    }
  });

  test('osu: pairwise ops from 1 B to 4 MiB in int8, collectives up to 1 MiB, per-op timing', () => {
    const s = loadSuite('osu');
    const { runs, options } = applySuite(s, {}, new Set());
    const pts = expandPoints(buildPlan(runs, options, 2));
    const lat = pts.filter((p) => p.op === 'latency');
    assert.deepEqual([lat[0].sizeBytes, lat.at(-1)!.sizeBytes, lat[0].dtype], [1, 4 * 1024 ** 2, 'int8']);
    assert.equal(Math.max(...pts.filter((p) => p.op === 'allreduce').map((p) => p.sizeBytes)), 1024 ** 2);
    assert.equal(buildPlan(runs, options, 2).timing, 'per-op');
  });

  test('nccl-tests: batch timing, 20 iterations, 1 warm-up, 8 B to 1 GiB', () => {
    const { runs, options } = applySuite(loadSuite('nccl-tests'), {}, new Set());
    const plan = buildPlan(runs, options, 2);
    const ar = expandPoints(plan).filter((p) => p.op === 'allreduce');
    assert.equal(plan.timing, 'batch');
    assert.deepEqual([ar[0].iters, ar[0].warmup, ar[0].sizeBytes, ar.at(-1)!.sizeBytes], [20, 1, 8, 1024 ** 3]);
  });

  test('characterize: six ops, 8 B to 1 GiB, every power-of-two rank count up to -n and -n itself', () => {
    const s = loadSuite('characterize');
    const { runs, options } = applySuite(s, {}, new Set());
    const plan = buildPlan(runs, options, 12);
    assert.deepEqual(plan.rankCounts, [2, 4, 8, 12]);
    assert.deepEqual(buildPlan(runs, options, 8).rankCounts, [2, 4, 8]);
    const pts = expandPoints(plan);
    assert.deepEqual(
      [...new Set(pts.map((p) => p.op))],
      ['allreduce', 'allgather', 'reducescatter', 'broadcast', 'alltoall', 'sendrecv'],
    );
    const ar = pts.filter((p) => p.op === 'allreduce' && p.ranks === 12);
    assert.deepEqual([ar[0].sizeBytes, ar.at(-1)!.sizeBytes, ar.length], [8, 1024 ** 3, 28]);
    // What the user types wins: --ranks 2,8 replaces pow2.
    const typed = applySuite(s, { ranks: [2, 8] }, new Set(['ranks']));
    assert.deepEqual(buildPlan(typed.runs, typed.options, 8).rankCounts, [2, 8]);
  });

  test('moe: alltoallv from 1 MiB to 64 MiB per rank under five patterns, each run its own', () => {
    const s = loadSuite('moe');
    const { runs, options } = applySuite(s, {}, new Set());
    const pts = expandPoints(buildPlan(runs, options, 4));
    const labels = [...new Set(pts.map((p) => patternLabel(p.pattern!)))];
    assert.deepEqual(labels, ['uniform', 'hot:1:0.5', 'hot:2:0.6', 'zipf:1.2', 'dirichlet:0.5:1']);
    assert.ok(pts.every((p) => p.op === 'alltoallv'));
    assert.deepEqual([pts[0].sizeBytes, pts.at(-1)!.sizeBytes], [1024 ** 2, 64 * 1024 ** 2]);
    // A --pattern typed on the command line replaces every run's.
    const typed = applySuite(s, { pattern: 'zipf:2' }, new Set(['pattern']));
    const all = expandPoints(buildPlan(typed.runs, typed.options, 4)).map((p) => patternLabel(p.pattern!));
    assert.deepEqual([...new Set(all)], ['zipf:2']);
  });

  test('a run\'s "pattern" must be a string, and a bad one is refused as --pattern is', () => {
    assert.throws(
      () => loadSuite(suiteFile('p1', { runs: [{ op: 'alltoallv', pattern: 3 }] })),
      (e: unknown) => e instanceof UsageError && /runs\[0\]\.pattern must be a string/.test(e.message),
    );
    const s = loadSuite(suiteFile('p2', { runs: [{ op: 'alltoallv', pattern: 'zipf:x' }] }));
    const { runs, options } = applySuite(s, {}, new Set());
    assert.throws(
      () => buildPlan(runs, options, 2),
      (e: unknown) => e instanceof UsageError && /--pattern 'zipf:x': the exponent s must be a number/.test(e.message),
    );
  });

  test('a suite may set "ranks": a list or "pow2", checked as --ranks is', () => {
    const ok = loadSuite(suiteFile('r1', { options: { ranks: '2,4' }, runs: [{ op: 'allreduce' }] }));
    assert.deepEqual(ok.options.ranks, [2, 4]);
    assert.throws(
      () => loadSuite(suiteFile('r2', { options: { ranks: 'all' }, runs: [{ op: 'allreduce' }] })),
      (e: unknown) => e instanceof UsageError && /option "ranks".*2,4,8, or pow2/.test(e.message),
    );
  });
});

describe('precedence', () => {
  const s = loadSuite(
    suiteFile('p', {
      options: { iters: 7, timing: 'batch', dtype: 'int32' },
      runs: [{ op: 'allreduce', sizes: '1K:4K' }, { op: 'alltoall' }],
    }),
  );

  test("the suite's options apply where the user typed nothing", () => {
    const { runs, options } = applySuite(s, { sizes: '8:64' }, new Set());
    const pts = expandPoints(buildPlan(runs, options, 2));
    assert.ok(pts.every((p) => p.iters === 7 && p.dtype === 'int32'));
    assert.deepEqual(
      pts.filter((p) => p.op === 'allreduce').map((p) => p.sizeBytes),
      [1024, 2048, 4096],
      "the run's own sizes",
    );
    assert.deepEqual(
      pts.filter((p) => p.op === 'alltoall').map((p) => p.sizeBytes),
      [32, 64],
      'the plan-wide sizes',
    );
  });

  test('options typed on the command line win over the suite and its runs', () => {
    const cli: PlanInput = { sizes: '256', iters: 3, dtype: 'float64' };
    const { runs, options } = applySuite(s, cli, new Set<keyof PlanInput>(['sizes', 'iters', 'dtype']));
    const pts = expandPoints(buildPlan(runs, options, 2));
    assert.ok(
      pts.every((p) => p.iters === 3 && p.dtype === 'float64' && p.sizeBytes === 256),
      JSON.stringify(pts),
    );
    assert.equal(buildPlan(runs, options, 2).timing, 'batch', 'untyped options still come from the suite');
  });
});

describe('malformed suites', () => {
  const cases: [string, unknown, string][] = [
    ['not JSON', '{runs: [', 'not valid JSON'],
    ['no runs', { options: {} }, 'needs a "runs" list'],
    ['empty runs', { runs: [] }, '"runs" is empty'],
    ['a run without op', { runs: [{ sizes: '8' }] }, 'runs[0] needs an "op"'],
    ['an unknown run field', { runs: [{ op: 'allreduce', size: '8' }] }, 'unknown field "size"'],
    ['an unknown option', { options: { iterations: 5 }, runs: [{ op: 'allreduce' }] }, 'unknown option "iterations"'],
    [
      'an option of the wrong type',
      { options: { iters: '5' }, runs: [{ op: 'allreduce' }] },
      '"iters" must be a number',
    ],
    // The declared kinds and ranges (plan/options.ts) hold in suites as on the command line.
    ['a fractional count', { options: { iters: 1.5 }, runs: [{ op: 'allreduce' }] }, '"iters" must be a whole number'],
    ['negative seconds', { options: { timeout: -1 }, runs: [{ op: 'allreduce' }] }, '"timeout" takes seconds'],
    [
      'a count past its range',
      { options: { window: 5000 }, runs: [{ op: 'allreduce' }] },
      '"window" must be at most 4096',
    ],
    [
      'a choice that is not one',
      { options: { timing: 'fast' }, runs: [{ op: 'allreduce' }] },
      '"timing" must be one of per-op, batch',
    ],
    ['a launch option', { options: { launcher: 'local' }, runs: [{ op: 'allreduce' }] }, 'unknown option "launcher"'],
  ];
  for (const [name, doc, needle] of cases)
    test(name, () =>
      assert.throws(
        () => loadSuite(suiteFile(name.replace(/\W/g, '_'), doc)),
        (e: unknown) => e instanceof UsageError && e.message.includes(needle),
      ),
    );

  test('an unknown suite name lists the shipped ones', () => {
    assert.throws(
      () => loadSuite('nope'),
      (e: unknown) => e instanceof UsageError && /osu/.test((e as Error).message),
    );
  });

  test('an op name that does not exist is caught when planning', () => {
    const { runs, options } = applySuite(loadSuite(suiteFile('badop', { runs: [{ op: 'allredce' }] })), {}, new Set());
    assert.throws(
      () => buildPlan(runs, options, 2),
      (e: unknown) => e instanceof UsageError && /unknown op 'allredce'/.test((e as Error).message),
    );
  });
});
