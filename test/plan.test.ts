// The run plan: defaults, validation, expansion into points, buffer sizes (OSU iteration counts:
// iterations.test.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bufferBytes, buildPlan as build, expandPoints, type PlanInput, type RunSpec } from '../src/plan/plan.js';

// These tests plan for the mpi backend; the declared default (auto) has its own test below.
const buildPlan = (runs: (string | RunSpec)[], o: PlanInput, world?: number) =>
  build(runs, { backend: 'mpi', ...o }, world);
import { UsageError } from '../src/errors.js';
import { OPS } from '../src/ops/index.js';

function usageError(fn: () => unknown, ...fragments: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${String(e)}`);
    for (const f of fragments)
      assert.ok(typeof f === 'string' ? e.message.includes(f) : f.test(e.message), `message '${e.message}' lacks ${f}`);
    return true;
  });
}

const plan1 = (op: string, o: PlanInput = {}, world?: number) => buildPlan([op], o, world);

describe('defaults', () => {
  test('allreduce with no options', () => {
    const p = plan1('allreduce');
    assert.equal(p.sizes.length, 24); // 8 B .. 64 MiB doubling
    assert.equal(p.sizes[0], 8);
    assert.equal(p.sizes.at(-1), 64 * 1024 ** 2);
    assert.equal(p.np, 2);
    assert.deepEqual(p.rankCounts, [2]);
    assert.equal(p.backend, 'mpi');
    assert.deepEqual(p.dtypes, ['float32']);
    assert.deepEqual(p.redops, ['sum']);
    assert.equal(p.root, 0);
    assert.equal(p.timing, 'per-op');
    assert.equal(p.maxTimePerSize, 10);
    assert.equal(p.window, 64);
    assert.equal(p.timeoutSec, 300);
    assert.equal(p.check, false);
    assert.equal(p.iters, undefined);
    assert.equal(p.warmup, undefined);
    assert.deepEqual(p.output, { stdout: 'table', files: [], overwrite: false, quiet: false, wide: false }); // no --json, no --csv
    assert.deepEqual(p.runs, [{ op: 'allreduce', inPlace: false }]);
    assert.deepEqual(p.notes, []);
  });

  test('op aliases resolve to the canonical name', () => {
    assert.equal(plan1('all_reduce').runs[0].op, 'allreduce');
    assert.equal(plan1('A2A', { sizes: '1K' }).runs[0].op, 'alltoall');
  });

  test('the plan survives a JSON round trip (it travels to every rank)', () => {
    const p = plan1('allreduce', { ranks: [1, 2], dtype: 'float,int8' });
    assert.deepEqual(expandPoints(JSON.parse(JSON.stringify(p))), expandPoints(p));
  });
});

describe('ranks', () => {
  test('np comes from the largest --ranks; counts are sorted and deduplicated', () => {
    const p = plan1('allreduce', { ranks: [4, 2, 4, 8] });
    assert.equal(p.np, 8);
    assert.deepEqual(p.rankCounts, [2, 4, 8]);
  });

  test('the launcher world size wins, and -n must agree with it', () => {
    assert.equal(plan1('allreduce', {}, 6).np, 6);
    assert.deepEqual(plan1('allreduce', {}, 6).rankCounts, [6]);
    assert.equal(plan1('allreduce', { np: 6 }, 6).np, 6);
    usageError(() => plan1('allreduce', { np: 4 }, 8), '-n 4', '8 ranks');
  });

  test('--ranks outside 1..np', () => {
    usageError(() => plan1('allreduce', { np: 4, ranks: [2, 8] }), '--ranks 8', '1..4');
    usageError(() => plan1('allreduce', { ranks: [0, 2] }), '--ranks 0', '1..2');
    usageError(() => plan1('allreduce', { ranks: [16] }, 8), '--ranks 16', '1..8');
  });

  test('--root must be below the smallest rank count for rooted ops', () => {
    usageError(() => plan1('broadcast', { ranks: [2, 4], root: 2 }), '--root 2', '0..1');
    usageError(() => plan1('gather', { root: -1, sizes: '1K' }), '--root -1');
    assert.equal(plan1('reduce', { ranks: [2, 4], root: 1 }).root, 1);
    assert.equal(plan1('allreduce', { root: 9 }).root, 9); // ignored by ops without a root
  });
});

describe('dtypes and reductions', () => {
  test('aliases', () => {
    assert.deepEqual(plan1('allreduce', { dtype: 'float,half,bf16,double' }).dtypes, [
      'float32',
      'float16',
      'bfloat16',
      'float64',
    ]);
    assert.deepEqual(plan1('allreduce', { dtype: 'FP32, float' }).dtypes, ['float32']);
  });

  test("'all' lists what the mpi backend supports", () => {
    const p = plan1('allreduce', { dtype: 'all', reduceOp: 'all' });
    assert.equal(p.dtypes.length, 10);
    assert.ok(p.dtypes.includes('bfloat16') && p.dtypes.includes('uint64'));
    assert.ok(!p.dtypes.some((d) => d.startsWith('float8')));
    assert.deepEqual(p.redops, ['sum', 'prod', 'max', 'min']);
  });

  test('unknown dtype with a did-you-mean hint', () => {
    usageError(() => plan1('allreduce', { dtype: 'flaot32' }), "'flaot32'", 'did you mean float32?');
    usageError(() => plan1('allreduce', { dtype: 'float32,uint9' }), "'uint9'", 'did you mean uint8?');
    assert.throws(
      () => plan1('allreduce', { dtype: 'complex128' }),
      (e: Error) =>
        e instanceof UsageError && e.message.includes("'complex128'") && !e.message.includes('did you mean'),
    );
  });

  test('unknown reduce-op', () => {
    usageError(() => plan1('allreduce', { reduceOp: 'summ' }), "--reduce-op 'summ'", 'did you mean sum?');
  });

  test('avg and fp8 are rejected on mpi with the reason', () => {
    usageError(() => plan1('allreduce', { reduceOp: 'sum,avg' }), 'avg', 'mpi backend', 'no average reduction');
    usageError(() => plan1('allreduce', { dtype: 'fp8e4m3' }), 'float8e4m3', 'mpi backend', '8-bit float');
    usageError(() => plan1('allreduce', { dtype: 'float8e5m2' }), 'float8e5m2', '8-bit float');
  });

  test('other option errors', () => {
    usageError(() => plan1('allreduce', { timing: 'fast' }), "--timing 'fast'");
    assert.equal(plan1('allreduce', { timing: 'batch' }).timing, 'batch');
    usageError(() => plan1('allreduce', { window: 0 }), '--window');
    usageError(() => plan1('allreduce', { window: 4097 }), '--window');
    usageError(() => plan1('allreduce', { backend: 'carrier-pigeon' }), "--backend 'carrier-pigeon'");
    usageError(() => plan1('allredcue'), "unknown op 'allredcue'");
  });
});

describe('in-place and pairwise ops', () => {
  for (const op of ['bw', 'bibw', 'latency', 'barrier']) {
    test(`in-place ${op} alone is an error`, () => {
      usageError(() => plan1(op, { inPlace: true }), `${op} has no in-place form`);
    });
  }

  test('in-place with several ops: a note, and the op runs out of place', () => {
    const p = buildPlan(['allreduce', 'bw', 'barrier'], { inPlace: true });
    assert.deepEqual(p.runs, [
      { op: 'allreduce', inPlace: true },
      { op: 'bw', inPlace: false },
      { op: 'barrier', inPlace: false },
    ]);
    assert.ok(p.notes.some((n) => n.includes('bw has no in-place form')));
    assert.ok(p.notes.some((n) => n.includes('barrier has no in-place form')));
  });

  test('pairwise ops need an even rank count (error for one op)', () => {
    usageError(() => plan1('latency', { np: 3 }), 'latency', 'even rank count', '3 is odd');
    usageError(() => plan1('bw', { np: 1 }), 'at least 2 ranks');
  });

  test('pairwise ops on odd rank counts are skipped with a note among several ops', () => {
    const p = buildPlan(['allreduce', 'bibw'], { ranks: [2, 3], sizes: '1K' });
    assert.ok(p.notes.some((n) => n.includes('bibw') && n.includes('3 is odd')));
    const pts = expandPoints(p);
    assert.deepEqual(
      pts.map((x) => `${x.op}/${x.ranks}`),
      ['allreduce/2', 'allreduce/3', 'bibw/2'],
    );
  });
});

describe('sizes versus ops', () => {
  test('sizes all too small for a chunked op name the minimum', () => {
    usageError(() => plan1('allgather', { sizes: '8,32', np: 4 }), 'allgather on 4 ranks', 'at least 64 B');
    usageError(() => plan1('alltoall', { sizes: '16', np: 2, dtype: 'float64' }), 'at least 32 B');
  });

  test("sizes below a single op's minimum are skipped with a note when larger ones remain", () => {
    const p = plan1('allgather', { sizes: '8:1K', np: 4 });
    assert.ok(p.notes.some((n) => n.includes('allgather on 4 ranks') && n.includes('below 64 B are skipped')));
    assert.deepEqual(
      expandPoints(p).map((x) => x.sizeBytes),
      [64, 128, 256, 512, 1024],
    );
  });

  test('sizes below one element name the element size', () => {
    usageError(() => plan1('allreduce', { sizes: '4', dtype: 'double' }), 'float64', '8 B');
  });

  test('among several ops the small sizes are skipped with a note', () => {
    const p = buildPlan(['allreduce', 'allgather'], { sizes: '8:128' });
    assert.ok(p.notes.some((n) => n.includes('allgather') && n.includes('32 B')));
    const ag = expandPoints(p)
      .filter((x) => x.op === 'allgather')
      .map((x) => x.sizeBytes);
    assert.deepEqual(ag, [32, 64, 128]);
  });

  test('the default sizes work for every op on the default 2 ranks', () => {
    for (const op of ['allreduce', 'allgather', 'reducescatter', 'alltoall', 'gather', 'scatter', 'latency', 'barrier'])
      assert.doesNotThrow(() => plan1(op), op);
  });

  test('nothing left to measure is an error', () => {
    usageError(() => buildPlan(['allgather', 'alltoall'], { sizes: '8' }), 'nothing to measure');
  });

  test('element counts above 2^31-1 are rejected', () => {
    assert.equal(expandPoints(plan1('allreduce', { sizes: '2147483647', dtype: 'int8' }))[0].count, 2 ** 31 - 1);
    usageError(() => plan1('allreduce', { sizes: '2G', dtype: 'int8' }), '2147483648', '2147483647', '--dtype');
    assert.equal(expandPoints(plan1('allreduce', { sizes: '2G', dtype: 'float32' }))[0].count, 2 ** 29);
  });

  test('the same file for --json and --csv is rejected', () => {
    usageError(() => plan1('allreduce', { json: 'r.out', csv: 'r.out' }), '--json and --csv');
    usageError(() => plan1('allreduce', { json: 'r.out', csv: './r.out' }), '--json and --csv');
  });
});

describe('expandPoints', () => {
  test('ordering: op, ranks, dtype, redop, size', () => {
    const p = buildPlan(['allreduce', 'broadcast'], {
      ranks: [2, 4],
      dtype: 'int32,float64',
      reduceOp: 'sum,max',
      sizes: '1K,2K',
    });
    const want: string[] = [];
    for (const op of ['allreduce', 'broadcast'])
      for (const k of [2, 4])
        for (const d of ['int32', 'float64'])
          for (const r of op === 'allreduce' ? ['sum', 'max'] : ['none'])
            for (const s of [1024, 2048]) want.push(`${op} ${k} ${d} ${r} ${s}`);
    const got = expandPoints(p).map((x) => `${x.op} ${x.ranks} ${x.dtype} ${x.redop} ${x.sizeBytes}`);
    assert.deepEqual(got, want);
    assert.equal(got.length, 24);
  });

  test("redop 'none' and root -1 for ops without them", () => {
    const pts = expandPoints(
      buildPlan(['allgather', 'reduce', 'broadcast'], { sizes: '1K', root: 1, reduceOp: 'max' }),
    );
    assert.deepEqual(
      pts.map((x) => [x.op, x.redop, x.root]),
      [
        ['allgather', 'none', -1],
        ['reduce', 'max', 1],
        ['broadcast', 'none', 1],
      ],
    );
  });

  test('counts and sizes follow nccl-tests for chunked ops', () => {
    const [pt] = expandPoints(plan1('allgather', { sizes: '1M', np: 3 }));
    assert.equal(pt.count, 87380);
    assert.equal(pt.sizeBytes, 1048560);
  });

  test('barrier is a single point of size 0 per rank count', () => {
    const pts = expandPoints(plan1('barrier', { sizes: '1K:1M', ranks: [2, 4] }));
    assert.deepEqual(
      pts.map((x) => [x.ranks, x.sizeBytes, x.count, x.redop]),
      [
        [2, 0, 0, 'none'],
        [4, 0, 0, 'none'],
      ],
    );
    assert.deepEqual([pts[0].iters, pts[0].warmup], [1000, 100]);
  });
});

describe('bufferBytes', () => {
  test('out of place: separate maxima of send and receive', () => {
    // allgather 1 KiB float32: k=2 → 128 elements each (send 512, recv 1024); k=4 → send 256, recv 1024
    assert.deepEqual(bufferBytes(plan1('allgather', { sizes: '512,1K', ranks: [2, 4] })), { send: 512, recv: 1024 });
    // reducescatter 1 KiB float32 on 4 ranks: send 1024, recv 256
    assert.deepEqual(bufferBytes(plan1('reducescatter', { sizes: '1K', np: 4 })), { send: 1024, recv: 256 });
  });

  test('in place: one buffer of max(send, recv)', () => {
    assert.deepEqual(bufferBytes(plan1('reducescatter', { sizes: '1K', np: 4, inPlace: true })), {
      send: 0,
      recv: 1024,
    });
    assert.deepEqual(bufferBytes(plan1('allgather', { sizes: '1K', np: 4, inPlace: true })), { send: 0, recv: 1024 });
  });

  test('mixed: an op forced out of place still needs a send buffer', () => {
    const p = buildPlan(['allreduce', 'bw'], { sizes: '1K,4K', inPlace: true });
    assert.deepEqual(bufferBytes(p), { send: 4096, recv: 4096 });
    assert.deepEqual(
      bufferBytes(buildPlan(['allreduce', 'bw'], { sizes: '1K,4K', inPlace: true }), expandPoints(p).slice(0, 2)),
      { send: 0, recv: 4096 },
    );
  });

  test('barrier needs no buffer', () => {
    assert.deepEqual(bufferBytes(plan1('barrier')), { send: 0, recv: 0 });
  });
});

describe('defaults declared once, and what the plan does with them', () => {
  test('the declared default backend is auto (the command line and the plan agree)', () => {
    assert.equal(build(['allreduce'], {}).backend, 'auto');
  });

  test('latency, bw and bibw default to bytes (int8), so --sizes 1:4M starts at 1 B as in OSU', () => {
    for (const op of ['latency', 'bw', 'bibw']) {
      const pts = expandPoints(plan1(op, { sizes: '1:4M' }));
      assert.equal(pts[0].sizeBytes, 1, op);
      assert.ok(
        pts.every((p) => p.dtype === 'int8'),
        op,
      );
    }
    const mixed = expandPoints(buildPlan(['allreduce', 'latency'], { sizes: '8' }));
    assert.deepEqual(
      mixed.map((p) => `${p.op}:${p.dtype}`),
      ['allreduce:float32', 'latency:int8'],
    );
    assert.ok(
      expandPoints(plan1('latency', { sizes: '8', dtype: 'float32' })).every((p) => p.dtype === 'float32'),
      'a typed --dtype wins',
    );
  });

  test('0-byte messages: measured by point-to-point ops, skipped with a note by the others', () => {
    assert.deepEqual(
      expandPoints(plan1('latency', { sizes: '0:4' })).map((p) => [p.sizeBytes, p.count]),
      [
        [0, 0],
        [1, 1],
        [2, 2],
        [4, 4],
      ],
    );
    const p = buildPlan(['allreduce', 'bw'], { sizes: '0,8' });
    assert.deepEqual(
      expandPoints(p).map((x) => `${x.op}:${x.sizeBytes}`),
      ['allreduce:8', 'bw:0', 'bw:8'],
    );
    assert.ok(p.notes.some((n) => n.includes('allreduce needs at least one float32 element')));
    usageError(() => plan1('allreduce', { sizes: '0' }), 'too small');
  });

  test('sizes that round to the same count are one point, with a note', () => {
    const p = plan1('alltoall', { sizes: '1000,1001,2K', np: 4 });
    assert.deepEqual(
      expandPoints(p).map((x) => x.sizeBytes),
      [960, 2048],
    );
    assert.ok(
      p.notes.some((n) => n.includes('1000 B and 1001 B') && n.includes('measured once')),
      p.notes.join('; '),
    );
  });

  test('--quiet with no output file is noted: the results would go nowhere', () => {
    assert.ok(plan1('allreduce', { quiet: true }).notes.some((n) => n.includes('printed nowhere')));
    assert.ok(!plan1('allreduce', { quiet: true, json: 'r.json' }).notes.some((n) => n.includes('printed nowhere')));
    assert.equal(plan1('allreduce', { quiet: true }).output.stdout, null);
  });

  test('outputs: --json, --csv and --out name the same file only once, and an empty name is refused', () => {
    const p = plan1('allreduce', { json: 'a.json', out: ['markdown:a.md', 'csv:b.csv'] });
    assert.deepEqual(
      p.output.files.map((f) => [f.format, f.path]),
      [
        ['json', 'a.json'],
        ['markdown', 'a.md'],
        ['csv', 'b.csv'],
      ],
    );
    usageError(
      () => plan1('allreduce', { csv: 'x', out: ['markdown:./x'] }),
      '--csv and --out markdown name the same file',
    );
    usageError(() => plan1('allreduce', { json: '' }), '--json needs a file name');
  });

  test('numbers are checked against their declared range, wherever they come from', () => {
    usageError(() => plan1('allreduce', { iters: 2 ** 31 }), '--iters must be at most 2147483647', '32-bit');
    usageError(() => plan1('allreduce', { timeout: 3e6 }), '--timeout must be at most');
    usageError(() => plan1('allreduce', { repeat: 0 }), '--repeat must be at least 1');
  });
});

describe('the plan on the wire', () => {
  test('encoded and decoded (plain and packed) it is the same plan, with the same points', async () => {
    const { decodePlan, encodePlan, packPlan, unpackPlan } = await import('../src/plan/serial.js');
    const p = plan1('allreduce', { ranks: [1, 2], dtype: 'float,int8', sizes: '8:1M' });
    for (const back of [decodePlan(encodePlan(p)), unpackPlan(packPlan(p))]) {
      assert.deepEqual(back, JSON.parse(JSON.stringify(p)));
      assert.deepEqual(expandPoints(back), expandPoints(p));
    }
    assert.ok(packPlan(p).length < encodePlan(p).length, 'packed is smaller');
  });

  test('a plan from another ccbench version is refused with the versions named', async () => {
    const { decodePlan, encodePlan } = await import('../src/plan/serial.js');
    const text = encodePlan(plan1('allreduce', {})).replace(/"ccbench":"[^"]*"/, '"ccbench":"0.0.0-other"');
    usageError(() => decodePlan(text), '0.0.0-other', 'install the same ccbench on every node');
  });

  test('auto resolved on the ranks: planned again for the backend, which may refuse what auto allowed', async () => {
    const { planFor } = await import('../src/plan/plan.js');
    const auto = build(['allreduce'], { reduceOp: 'avg', sizes: '1K' }, 2);
    assert.equal(planFor(auto, 'nccl', '1 NVIDIA GPU found').backend, 'nccl');
    assert.equal(planFor(auto, 'nccl', '1 NVIDIA GPU found').backendReason, '1 NVIDIA GPU found');
    usageError(() => planFor(auto, 'mpi', 'no GPU found, an MPI job'), 'no average reduction');
  });
});

describe('--ranks pow2', () => {
  test('2, 4, 8, … up to -n, and -n itself; a job of 1 rank sweeps 1', () => {
    assert.deepEqual(plan1('allreduce', { ranks: 'pow2', np: 8 }).rankCounts, [2, 4, 8]);
    assert.deepEqual(plan1('allreduce', { ranks: 'pow2', np: 6 }).rankCounts, [2, 4, 6]);
    assert.deepEqual(plan1('allreduce', { ranks: 'pow2' }, 16).rankCounts, [2, 4, 8, 16]);
    assert.deepEqual(plan1('allreduce', { ranks: 'pow2', np: 1 }).rankCounts, [1]);
    assert.equal(plan1('allreduce', { ranks: 'pow2' }).np, 2); // -n's default
  });
});

describe('ops a backend lacks', () => {
  test('reducescatterv on NCCL/RCCL: an error when asked by name, skipped with a note in `all`', () => {
    for (const backend of ['nccl', 'rccl'])
      usageError(() => plan1('reducescatterv', { backend }), 'no reduce-scatter with a count per rank');
    const all = buildPlan(
      OPS.map((o) => o.name),
      { backend: 'nccl', sizes: '1K' },
    );
    assert.ok(!all.runs.some((r) => r.op === 'reducescatterv'));
    assert.ok(all.notes.some((n) => /reducescatterv|count per rank.*skipped/.test(n)));
    assert.ok(buildPlan(['reducescatterv'], { backend: 'mpi', sizes: '1K' }).runs.length === 1);
  });
});
