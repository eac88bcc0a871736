// Size semantics and bandwidth factors against the nccl-tests table (shared/reference/metrics.md §3),
// and the result row built from them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { algBytes, countFor, getOp, OPS, printedBytes, recvElems, sendElems } from '../src/ops/index.js';
import { makeRow } from '../src/report/row.js';
import { dtypeSize } from '../src/plan/dtypes.js';
import type { Point } from '../src/plan/plan.js';
import type { TimeStats } from '../src/report/stats.js';

const MiB = 1024 ** 2;

/** nccl-tests: b = (c / n) rounded down to a 16-byte multiple of elements. */
function ntChunk(bytes: number, ts: number, n: number): number {
  const c = Math.floor(bytes / ts);
  return Math.floor(c / n) & ~(16 / ts - 1);
}

interface Expect {
  count: number;
  send: number;
  recv: number;
  printed: number;
  alg: number;
}

/** The metrics.md §3 table, written out independently of src/ops/. */
function ntTable(op: string, bytes: number, ts: number, n: number): Expect {
  const c = Math.floor(bytes / ts);
  const b = ntChunk(bytes, ts, n);
  switch (op) {
    case 'allreduce':
    case 'broadcast':
    case 'reduce':
    case 'sendrecv':
    case 'latency':
    case 'bw':
      return { count: c, send: c, recv: c, printed: c * ts, alg: c * ts };
    case 'bibw':
      return { count: c, send: c, recv: c, printed: c * ts, alg: 2 * c * ts };
    case 'reducescatter':
    case 'reducescatterv':
    case 'scatter':
      return { count: b, send: b * n, recv: b, printed: b * n * ts, alg: b * n * ts };
    case 'allgather':
    case 'gather':
      return { count: b, send: b, recv: b * n, printed: b * n * ts, alg: b * n * ts };
    case 'alltoall':
      return { count: b, send: b * n, recv: b * n, printed: b * n * ts, alg: b * n * ts };
    case 'alltoallv':
      // ccbench's own definition: the size is the mean a rank sends (nccl-tests prints the busiest
      // rank's); the counts per peer and the algbw bytes come from the pattern (alltoallv.test.ts).
      return { count: c, send: c, recv: c, printed: c * ts, alg: c * ts };
    case 'barrier':
      return { count: 0, send: 0, recv: 0, printed: 0, alg: 0 };
  }
  throw new Error(`no table entry for ${op}`);
}

describe('size semantics match the nccl-tests table for every op', () => {
  const combos: [number, number, number][] = [
    // [bytes, type size, ranks]
    [MiB, 4, 3],
    [MiB, 1, 7],
    [MiB, 8, 4],
    [MiB, 2, 5],
    [8, 4, 2],
    [1000, 4, 3],
    [64 * MiB, 2, 8],
    [4096, 1, 1],
    [12345, 8, 6],
  ];
  for (const def of OPS) {
    test(`${def.name}`, () => {
      for (const [bytes, ts, n] of combos) {
        const want = ntTable(def.name, bytes, ts, n);
        const count = countFor(def, bytes, ts, n);
        const where = `${def.name} ${bytes} B ts=${ts} n=${n}`;
        assert.equal(count, want.count, `count, ${where}`);
        assert.equal(sendElems(def, count, n), want.send, `send, ${where}`);
        assert.equal(recvElems(def, count, n), want.recv, `recv, ${where}`);
        assert.equal(printedBytes(def, count, ts, n), want.printed, `printed, ${where}`);
        assert.equal(algBytes(def, count, ts, n), want.alg, `alg, ${where}`);
      }
    });
  }
});

describe('16-byte rounding of per-rank chunks (hand-computed)', () => {
  test('allgather 1 MiB float32 on 3 ranks: 87380 elements per rank', () => {
    const op = getOp('allgather');
    const count = countFor(op, MiB, 4, 3); // 262144 / 3 = 87381.33 → 87381 → multiple of 4 → 87380
    assert.equal(count, 87380);
    assert.equal(sendElems(op, count, 3), 87380);
    assert.equal(recvElems(op, count, 3), 262140);
    assert.equal(printedBytes(op, count, 4, 3), 1048560);
    assert.equal(algBytes(op, count, 4, 3), 1048560);
  });

  test('alltoall 1 MiB int8 on 7 ranks: 149792 elements per peer', () => {
    const op = getOp('alltoall');
    const count = countFor(op, MiB, 1, 7); // 149796.57 → 149796 → multiple of 16 → 149792
    assert.equal(count, 149792);
    assert.equal(sendElems(op, count, 7), 1048544);
    assert.equal(recvElems(op, count, 7), 1048544);
    assert.equal(printedBytes(op, count, 1, 7), 1048544);
  });

  test('reducescatter 1 MiB float64 on 4 ranks divides exactly', () => {
    const op = getOp('reducescatter');
    const count = countFor(op, MiB, 8, 4);
    assert.equal(count, 32768);
    assert.equal(sendElems(op, count, 4), 131072);
    assert.equal(recvElems(op, count, 4), 32768);
    assert.equal(printedBytes(op, count, 8, 4), MiB);
  });

  test('float64 chunks round to 2 elements, float16 to 8', () => {
    assert.equal(countFor(getOp('scatter'), 3 * 8 * 3, 8, 3), 2); // 3 elements per rank → 2
    assert.equal(countFor(getOp('gather'), 2 * 15 * 2, 2, 2), 8); // 15 elements per rank → 8
  });

  test('a chunk below 16 bytes rounds to zero elements', () => {
    assert.equal(countFor(getOp('allgather'), 8, 4, 2), 0);
    assert.equal(countFor(getOp('allgather'), 31, 1, 2), 0);
    assert.equal(countFor(getOp('allgather'), 32, 1, 2), 16);
  });

  test('whole-buffer ops do not round to 16 bytes', () => {
    assert.equal(countFor(getOp('allreduce'), 12, 4, 7), 3);
    assert.equal(countFor(getOp('broadcast'), 10, 4, 2), 2); // partial element dropped
  });
});

describe('n = 1, bibw, barrier', () => {
  test('one rank: chunked ops keep the whole (aligned) buffer', () => {
    for (const name of ['allgather', 'reducescatter', 'alltoall', 'gather', 'scatter']) {
      const op = getOp(name);
      const count = countFor(op, 4096, 4, 1);
      assert.equal(count, 1024, name);
      assert.equal(printedBytes(op, count, 4, 1), 4096, name);
      assert.equal(op.busFactor(1), 0, name);
    }
    assert.equal(getOp('allreduce').busFactor(1), 0);
  });

  test('bibw counts both directions in S but not in the size column', () => {
    const op = getOp('bibw');
    const count = countFor(op, MiB, 1, 2);
    assert.equal(printedBytes(op, count, 1, 2), MiB);
    assert.equal(algBytes(op, count, 1, 2), 2 * MiB);
    const bw = getOp('bw');
    assert.equal(algBytes(bw, countFor(bw, MiB, 1, 2), 1, 2), MiB);
  });

  test('barrier moves no data', () => {
    const op = getOp('barrier');
    assert.equal(countFor(op, MiB, 4, 8), 0);
    assert.equal(sendElems(op, 5, 8), 0);
    assert.equal(recvElems(op, 5, 8), 0);
    assert.equal(printedBytes(op, 5, 4, 8), 0);
    assert.equal(algBytes(op, 5, 4, 8), 0);
  });
});

describe('bus bandwidth factors', () => {
  const factors: Record<string, (n: number) => number> = {
    allreduce: (n) => (2 * (n - 1)) / n,
    allgather: (n) => (n - 1) / n,
    reducescatter: (n) => (n - 1) / n,
    reducescatterv: (n) => (n - 1) / n,
    alltoall: (n) => (n - 1) / n,
    alltoallv: (n) => (n - 1) / n,
    gather: (n) => (n - 1) / n,
    scatter: (n) => (n - 1) / n,
    broadcast: () => 1,
    reduce: () => 1,
    sendrecv: () => 1,
    latency: () => 1,
    bw: () => 1,
    bibw: () => 1,
    barrier: () => 1,
  };

  test('every op has a factor in the table', () => {
    assert.deepEqual(OPS.map((o) => o.name).sort(), Object.keys(factors).sort());
  });

  for (const [name, f] of Object.entries(factors)) {
    test(`${name}`, () => {
      for (const n of [1, 2, 3, 4, 8, 16, 96]) assert.equal(getOp(name).busFactor(n), f(n), `n=${n}`);
    });
  }

  test('spot values', () => {
    assert.equal(getOp('allreduce').busFactor(4), 1.5);
    assert.equal(getOp('allreduce').busFactor(2), 1);
    assert.equal(getOp('allgather').busFactor(4), 0.75);
    assert.equal(getOp('alltoall').busFactor(8), 0.875);
  });
});

describe('makeRow', () => {
  const stats = (avg: number, samples = 50): TimeStats => ({
    avg,
    min: avg * 0.9,
    max: avg * 1.1,
    p50: avg,
    p90: avg * 1.05,
    p99: avg * 1.1,
    stdev: 0.5,
    samples,
    p50_ci: null,
  });
  const point = (o: Partial<Point>): Point => ({
    op: 'allreduce',
    ranks: 4,
    dtype: 'float32',
    typeSize: dtypeSize(o.dtype ?? 'float32'),
    redop: 'sum',
    root: -1,
    inPlace: false,
    sizeBytes: MiB,
    count: MiB / 4,
    iters: 100,
    warmup: 10,
    ...o,
  });

  test('allreduce 1 MiB in 100 µs on 4 ranks: algbw 10.48576 GB/s, busbw × 1.5', () => {
    const r = makeRow(point({}), stats(100), null);
    assert.equal(r.alg_bytes, MiB);
    assert.ok(Math.abs((r.algbw_gbs as number) - 10.48576) < 1e-9);
    assert.ok(Math.abs((r.busbw_gbs as number) - 15.72864) < 1e-9);
    assert.equal(r.bus_factor, 1.5);
  });

  test('allgather uses the whole-array S and (n-1)/n', () => {
    const r = makeRow(
      point({ op: 'allgather', redop: 'none', count: 87380, ranks: 3, sizeBytes: 1048560 }),
      stats(50),
      0,
    );
    assert.equal(r.alg_bytes, 1048560);
    assert.ok(Math.abs((r.algbw_gbs as number) - 1048560 / 50e3) < 1e-9);
    assert.ok(Math.abs((r.busbw_gbs as number) - (1048560 / 50e3) * (2 / 3)) < 1e-9);
    assert.equal(r.wrong, 0);
  });

  test('bibw doubles algbw relative to bw at the same time', () => {
    const bw = makeRow(point({ op: 'bw', ranks: 2, redop: 'none', count: MiB, dtype: 'int8' }), stats(200), null);
    const bibw = makeRow(point({ op: 'bibw', ranks: 2, redop: 'none', count: MiB, dtype: 'int8' }), stats(200), null);
    assert.equal(bibw.algbw_gbs, 2 * (bw.algbw_gbs as number));
    assert.equal(bibw.busbw_gbs, bibw.algbw_gbs);
  });

  test('barrier has no bandwidth', () => {
    const r = makeRow(point({ op: 'barrier', redop: 'none', count: 0, sizeBytes: 0 }), stats(3), null);
    assert.equal(r.alg_bytes, 0);
    assert.equal(r.algbw_gbs, null);
    assert.equal(r.busbw_gbs, null);
  });

  test('a zero time gives no bandwidth instead of Infinity', () => {
    const r = makeRow(point({}), stats(0), null);
    assert.equal(r.algbw_gbs, null);
    assert.equal(r.busbw_gbs, null);
  });

  test('iters comes from the samples, iters_planned and the rest from the point', () => {
    const s = stats(10, 37);
    const r = makeRow(point({ op: 'broadcast', root: 2, inPlace: true, warmup: 7, iters: 1000 }), s, 5);
    assert.equal(r.iters, 37);
    assert.equal(r.iters_planned, 1000, 'a size cut short by --max-time-per-size shows both');
    assert.equal(r.warmup, 7);
    assert.equal(r.root, 2);
    assert.equal(r.in_place, true);
    assert.equal(r.size_bytes, MiB);
    assert.equal(r.count, MiB / 4);
    assert.equal(r.dtype, 'float32');
    assert.equal(r.redop, 'sum');
    assert.equal(r.wrong, 5);
    assert.equal(r.time_us, s);
  });
});
