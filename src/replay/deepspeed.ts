// DeepSpeed's communication logger summary (deepspeed/utils/comms_logging.py log_all with
// return_dict=True, saved as JSON): summary[op][msg_size_bytes] = {count, total_latency_ms,
// avg_latency_ms, ...}, metadata = {world_size, rank, timestamp}. It keeps no order, dtype or group:
// it is replayed as a weighted size mix on the world.
import { UsageError } from '../errors.js';
import type { Trace, WeightedEntry } from './model.js';
import { mapOp, makeEntry, OP_ALIASES_TEXT, whole } from './names.js';

type Raw = Record<string, unknown>;

const ROOTED: string[] = ['broadcast', 'reduce', 'gather', 'scatter'];

/** The logged size S (get_msg_size_from_args: the tensor argument's bytes) as elements in / out. */
function elems(op: string, s: number, n: number): { inElems: number; outElems: number } {
  // calc_bw_log: all_gather logs one rank's input (it multiplies by n); reduce_scatter logs its
  // whole input (reference/workloads-models.md §3.1); the others log the buffer itself.
  if (op === 'allgather') return { inElems: s, outElems: s * n };
  if (op === 'reducescatter') return { inElems: s, outElems: s / n };
  return { inElems: s, outElems: s };
}

export function readDeepspeed(path: string, data: unknown): Trace {
  const doc = data as Raw;
  const summary = (doc.summary ?? doc) as Raw;
  const meta = doc.metadata as Raw | undefined;
  const n = whole(meta?.world_size, 'metadata.world_size (log_all(return_dict=True) writes it)', path);
  if (n < 1) throw new UsageError(`${path}: metadata.world_size is 0; it must be the job's rank count`);
  const trace: Trace = {
    format: 'deepspeed',
    sources: [path],
    worldSize: n,
    perRank: new Map(),
    weights: [],
    dropped: {},
    notes: ['DeepSpeed records no dtype: float32 assumed (int8 where a size is not a multiple of 4 bytes)'],
  };
  const world = Array.from({ length: n }, (_, r) => r);
  let index = 0;
  for (const [name, sizes] of Object.entries(summary)) {
    const at = `${path}: summary["${name}"]`;
    const op = mapOp(name);
    if (op === undefined || op === 'drop' || op === 'compute')
      throw new UsageError(`${at}: unknown op "${name}"; ccbench replays ${OP_ALIASES_TEXT}`);
    if (op === 'send' || op === 'recv' || op === 'alltoallv')
      throw new UsageError(`${at}: ${name} needs peers or splits, which the logger does not record; leave it out`);
    if (!sizes || typeof sizes !== 'object') throw new UsageError(`${at} is not an object of message sizes`);
    for (const [size, rec] of Object.entries(sizes as Raw)) {
      const where = `${at}["${size}"]`;
      const r = rec as Raw;
      const bytes = whole(r?.msg_size_bytes ?? size, 'the message size (bytes)', where);
      const calls = whole(r?.count, 'count', where);
      const dtype = bytes % 4 === 0 ? 'float32' : 'int8';
      const s = bytes / (dtype === 'float32' ? 4 : 1);
      if (op === 'reducescatter' && s % n !== 0)
        throw new UsageError(`${where}: a reduce_scatter of ${bytes} B does not divide among ${n} ranks`);
      const avg = Number(r.avg_latency_ms);
      const total = Number(r.total_latency_ms);
      const e = makeEntry(
        index++,
        { op, dtype, group: world, root: ROOTED.includes(op) ? 0 : undefined, ...elems(op, s, n) },
        where,
      ) as WeightedEntry;
      e.calls = calls;
      if (Number.isFinite(avg) && avg >= 0) e.recordedUs = avg * 1000;
      if (Number.isFinite(total) && total >= 0) e.totalUs = total * 1000;
      trace.weights!.push(e);
    }
  }
  if (trace.weights!.some((e) => e.root !== undefined))
    trace.notes.push('DeepSpeed records no root: rooted ops replayed from rank 0');
  if (trace.weights!.length === 0) throw new UsageError(`${path}: the summary holds no op and size`);
  return trace;
}
