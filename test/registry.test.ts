// The op and dtype registries exist once per language; this proves the two agree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadAddon } from '../src/native/addon.js';
import { DTYPES } from '../src/plan/dtypes.js';
import { OPS, recvElems, sendElems } from '../src/ops/index.js';

const native = loadAddon().capabilities();

test('the native and TypeScript op lists name the same ops in the same order', () => {
  assert.deepEqual(
    native.ops.map((o) => o.name),
    OPS.map((o) => o.name),
  );
});

test('every op has the same shape, rank rules, roles, in-place support, timing and minimum count in both languages', () => {
  for (const op of OPS) {
    const n = native.ops.find((o) => o.name === op.name)!;
    const ts = {
      name: op.name,
      shape: op.shape,
      minRanks: op.minRanks,
      evenRanks: op.evenRanks,
      reduces: op.reduces,
      rooted: op.rooted,
      hasInPlace: op.hasInPlace,
      pairwise: op.pairwise,
      barrierPerIter: op.barrierPerIter,
      sample: op.sample,
      minCount: op.minCount,
    };
    assert.deepEqual({ ...n }, ts, op.name);
  }
});

test('send and receive element counts agree for every op, count and rank count', () => {
  for (const op of OPS)
    for (const n of [1, 2, 3, 4, 7, 16])
      for (const count of [0, 1, 5, 64, 1000]) {
        const got = loadAddon().bufferElems(op.name, count, n);
        assert.deepEqual(
          got,
          { send: sendElems(op, count, n), recv: recvElems(op, count, n) },
          `${op.name} count=${count} n=${n}`,
        );
      }
});

test('dtype names, ids (NCCL enum order) and sizes agree', () => {
  assert.deepEqual(
    native.dtypes.map((d) => [d.name, d.size]),
    DTYPES.map((d) => [d.name, d.size]),
  );
  assert.deepEqual(
    native.dtypes.map((d) => d.id),
    DTYPES.map((_, i) => i),
  );
});
