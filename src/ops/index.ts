// The op registry: every op, in the order of native/ops/list.h (test/registry.test.ts checks).
// A new op is its descriptor file, its import here and its place in the list.
import allgather from './allgather.js';
import allreduce from './allreduce.js';
import alltoall from './alltoall.js';
import alltoallv from './alltoallv.js';
import barrier from './barrier.js';
import bibw from './bibw.js';
import broadcast from './broadcast.js';
import bw from './bw.js';
import gather from './gather.js';
import latency from './latency.js';
import type { OpDef } from './op.js';
import reduce from './reduce.js';
import reducescatter from './reducescatter.js';
import reducescatterv from './reducescatterv.js';
import scatter from './scatter.js';
import sendrecv from './sendrecv.js';

export const OPS: readonly OpDef[] = [
  allreduce,
  allgather,
  reducescatter,
  reducescatterv,
  broadcast,
  reduce,
  alltoall,
  alltoallv,
  gather,
  scatter,
  sendrecv,
  latency,
  bw,
  bibw,
  barrier,
];

export function findOp(name: string): OpDef | undefined {
  const key = name.trim().toLowerCase();
  return OPS.find((o) => o.name === key || o.aliases.includes(key));
}

export function getOp(name: string): OpDef {
  const op = findOp(name);
  if (!op) throw new Error(`unknown op ${name}`);
  return op;
}

export * from './op.js';
