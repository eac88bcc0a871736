// Which software facts rank 0 calls a mismatch between hosts (system/software.ts): a fact whose set
// of values differs from host to host; never one that is set per rank by design or names the job.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadAddon } from '../src/native/addon.js';
import { differenceWarning, softwareDifferences, softwareOf } from '../src/system/software.js';

const base = { ccbench: '1', NCCL: 'not found', $NCCL_DEBUG: 'WARN' };

test('one host with another NCCL and an extra variable: both named, with hosts and ranks', () => {
  const ranks = [
    base,
    base,
    { ...base, NCCL: '2.21.5 (/opt/nccl/lib/libnccl.so.2)' },
    { ...base, $NCCL_NET_PLUGIN: 'aws' },
  ];
  const d = softwareDifferences(ranks, ['n1', 'n1', 'n2', 'n2']);
  assert.deepEqual(
    d.map((x) => x.fact),
    ['NCCL', '$NCCL_NET_PLUGIN'],
  );
  assert.deepEqual(d[0].values, [
    { value: 'not found', hosts: ['n1', 'n2'], ranks: [0, 1, 3] },
    { value: '2.21.5 (/opt/nccl/lib/libnccl.so.2)', hosts: ['n2'], ranks: [2] },
  ]);
  assert.deepEqual(d[1].values, [
    { value: '(unset)', hosts: ['n1', 'n2'], ranks: [0, 1, 2] },
    { value: 'aws', hosts: ['n2'], ranks: [3] },
  ]);
  const line = differenceWarning(d);
  assert.equal(line.split('\n').length, 1);
  assert.match(line, /^ccbench: warning: the hosts run different software — NCCL: .*n2 2\.21\.5/);
  assert.match(line, /\$NCCL_NET_PLUGIN: n1,n2 \(unset\) vs n2 aws/);
});

test('the same values spread the same way on every host: no difference; one host: none either', () => {
  const r = (dev: string) => ({ ...base, $UCX_TLS: dev });
  assert.deepEqual(softwareDifferences([r('a'), r('b'), r('a'), r('b')], ['n1', 'n1', 'n2', 'n2']), []);
  assert.deepEqual(softwareDifferences([base, { ...base, NCCL: 'x' }], ['n1', 'n1']), []);
  assert.equal(differenceWarning([]), '');
});

test('more than three differences: three shown, the count of the rest said', () => {
  const other = { a: '1', b: '1', c: '1', d: '1', e: '1' };
  const line = differenceWarning(softwareDifferences([{}, other], ['h1', 'h2']));
  assert.match(line, /; and 2 more\./);
});

test("a rank's own software leaves out per-rank GPU binding and the job's names", () => {
  const s = softwareOf(loadAddon(), undefined, {
    CUDA_VISIBLE_DEVICES: '1',
    OMPI_MCA_ess_base_vpid: '3',
    OMPI_MCA_btl: 'self,tcp',
    NCCL_IB_HCA: 'mlx5_0',
  });
  assert.equal(s.$OMPI_MCA_btl, 'self,tcp');
  assert.equal(s.$NCCL_IB_HCA, 'mlx5_0');
  assert.equal(s.$CUDA_VISIBLE_DEVICES, undefined);
  assert.equal(s.$OMPI_MCA_ess_base_vpid, undefined);
  for (const k of ['ccbench', 'Node.js', 'MPI', 'Gloo', 'NCCL', 'RCCL', 'GPU driver']) assert.ok(s[k], k);
});
