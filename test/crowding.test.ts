// Ranks that outnumber their CPUs (rank/crowding.ts): per host, and across hosts that are one
// machine (one kernel boot id) with their ranks bound to the same cores.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuList, crowding } from '../src/rank/crowding.js';
import type { Ident } from '../src/rank/join.js';
import { runFacts } from '../src/report/meta.js';

const rank = (r: number, host: string, o: Partial<Ident> = {}): Ident => ({
  rank: r,
  host,
  pid: 100 + r,
  local_rank: 0,
  cpus: 2,
  bound_cpus: '0-1',
  machine: 'boot-a',
  ...o,
});

test('kernel CPU lists', () => {
  assert.deepEqual([...cpuList('0-3,8')!], [0, 1, 2, 3, 8]);
  assert.deepEqual([...cpuList('5')!], [5]);
  assert.equal(cpuList(undefined), undefined);
  assert.equal(cpuList('0-1;x'), undefined);
});

test('two hosts of one machine, each rank bound to "its" core 0: flagged; unbound or apart: not', () => {
  const bound = [rank(0, 'n1', { bound_cpus: '0' }), rank(1, 'n2', { bound_cpus: '0' })];
  assert.deepEqual(crowding(bound), [{ host: 'n1, n2', ranks: 2, cpus: 1, one_machine: true }]);
  assert.deepEqual(crowding([rank(0, 'n1'), rank(1, 'n2')]), []);
  assert.deepEqual(crowding([rank(0, 'n1', { bound_cpus: '0' }), rank(1, 'n2', { bound_cpus: '1' })]), []);
  // two real machines: nothing shared, whatever the bindings say
  assert.deepEqual(crowding([bound[0], { ...bound[1], machine: 'boot-b' }]), []);
  // no boot id or no binding known: nothing claimed
  assert.deepEqual(crowding(bound.map((r) => ({ ...r, machine: undefined }))), []);
  assert.deepEqual(crowding(bound.map((r) => ({ ...r, bound_cpus: undefined }))), []);
});

test('a host with more ranks than CPUs is said once, per host', () => {
  const three = [rank(0, 'vm'), rank(1, 'vm'), rank(2, 'vm')];
  assert.deepEqual(crowding(three), [{ host: 'vm', ranks: 3, cpus: 2 }]);
  assert.deepEqual(crowding([...three, rank(3, 'n2', { bound_cpus: '0' })]), [{ host: 'vm', ranks: 3, cpus: 2 }]);
});

test("the table's facts say what to do about ranks of one machine on the same cores", () => {
  const meta = { backend: { name: 'mpi' }, oversubscribed: [{ host: 'n1, n2', ranks: 2, cpus: 1, one_machine: true }] };
  const [line] = runFacts(meta as unknown as Parameters<typeof runFacts>[0]);
  assert.match(
    line,
    /^2 ranks of hosts n1, n2, one machine \(one kernel\), are bound to 1 CPU between them: .*--bind-to none/,
  );
});
