// PARAM's "basic" comms trace (facebookresearch/param, train/comms/pt/commsTraceParser.py): per
// rank a JSON list of entries {comms, in_msg_size, out_msg_size (ELEMENTS), dtype, in_split,
// out_split, root, pg_id, global_ranks, src_rank, dst_rank, markers, startTime_ns, world_size},
// and compute entries {compute, ...}. `dur_us` is a field of ccbench's own (the entry's recorded
// duration, reference/workloads-models.md §3.6); PARAM ignores it.
import { UsageError } from '../errors.js';
import { countDrop, type Trace, type TraceEntry } from './model.js';
import { mapDtype, mapOp, makeEntry, OP_ALIASES_TEXT, whole, type Recorded } from './names.js';

export interface RankFile {
  path: string;
  rank: number;
  data: unknown;
}

type Raw = Record<string, unknown>;

const where = (path: string, i: number) => `${path}: entry ${i}`;

function ranksOf(v: unknown, at: string): number[] {
  if (!Array.isArray(v)) throw new UsageError(`${at}: global_ranks is ${JSON.stringify(v)}, not a list of ranks`);
  return v.map((x) => whole(x, 'a rank in global_ranks', at));
}

function splitOf(v: unknown, field: string, at: string): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new UsageError(`${at}: ${field} is ${JSON.stringify(v)}, not a list of element counts`);
  return v.map((x) => whole(x, `an element count in ${field}`, at));
}

/** The world the entries name: the largest world_size or global rank + 1. */
function namedWorld(files: RankFile[]): number {
  let w = 0;
  for (const f of files)
    for (const [i, e] of (f.data as Raw[]).entries()) {
      if (typeof e?.world_size === 'number') w = Math.max(w, e.world_size);
      if (Array.isArray(e?.global_ranks))
        for (const r of ranksOf(e.global_ranks, where(f.path, i))) w = Math.max(w, r + 1);
    }
  return w;
}

/** `files`: one per rank (a directory of <rank>.json), or one file every rank replays (single). */
export function readParam(files: RankFile[], single: boolean): Trace {
  for (const f of files)
    if (!Array.isArray(f.data))
      throw new UsageError(`${f.path} is not a PARAM basic trace: it is not a JSON list of entries`);
  const named = namedWorld(files);
  const worldSize = single ? Math.max(1, named) : files.length;
  if (!single && named > worldSize)
    throw new UsageError(
      `${files[0].path}: the entries name ${named} ranks (world_size, global_ranks), but there are ${worldSize} rank files; give every <rank>.json of the job`,
    );
  const trace: Trace = {
    format: 'param',
    sources: files.map((f) => f.path),
    worldSize,
    perRank: new Map(),
    dropped: {},
    notes: [],
  };
  if (single) trace.notes.push(`one file for all ${worldSize} ranks (PARAM replays a single file on every rank)`);
  for (const f of files) {
    const entries = readEntries(f, worldSize, trace.dropped);
    if (single) for (let r = 0; r < worldSize; r++) trace.perRank.set(r, entries);
    else trace.perRank.set(f.rank, entries);
  }
  return trace;
}

function readEntries(f: RankFile, worldSize: number, dropped: Record<string, number>): TraceEntry[] {
  const world = Array.from({ length: worldSize }, (_, r) => r);
  const groups = new Map<string, number[]>(); // pg_id → ranks, once an entry has named them
  const out: TraceEntry[] = [];
  let t0: number | undefined;
  for (const [i, e] of (f.data as Raw[]).entries()) {
    const at = where(f.path, i);
    if (!e || typeof e !== 'object' || Array.isArray(e))
      throw new UsageError(`${at}: not an object with "comms" or "compute"`);
    const startNs = e.startTime_ns === undefined ? undefined : whole(e.startTime_ns, 'startTime_ns', at);
    t0 ??= startNs;
    const startUs = startNs !== undefined && t0 !== undefined ? (startNs - t0) / 1000 : undefined;
    const dur = e.dur_us;
    if (dur !== undefined && (typeof dur !== 'number' || !(dur >= 0)))
      throw new UsageError(`${at}: dur_us is ${JSON.stringify(dur)}, not a duration in microseconds`);
    if (typeof e.compute === 'string' && e.comms === undefined) {
      if (dur === undefined) countDrop(dropped, 'compute without a duration');
      else
        out.push(
          makeEntry(i, { op: 'compute', inElems: 0, outElems: 0, dtype: '', group: [], recordedUs: dur, startUs }, at),
        );
      continue;
    }
    if (typeof e.comms !== 'string') throw new UsageError(`${at}: has neither a "comms" nor a "compute" name`);
    const op = mapOp(e.comms);
    if (op === undefined)
      throw new UsageError(
        `${at}: unknown op "${e.comms}"; ccbench replays ${OP_ALIASES_TEXT} (wait and init are skipped)`,
      );
    if (op === 'drop') {
      countDrop(dropped, e.comms.toLowerCase().replace(/[^a-z]/g, ''));
      continue;
    }
    let group = world;
    const pg = e.pg_id === undefined ? undefined : String(e.pg_id);
    if (e.global_ranks !== undefined) {
      group = ranksOf(e.global_ranks, at);
      if (pg !== undefined) groups.set(pg, group);
    } else if (pg !== undefined && groups.has(pg)) group = groups.get(pg)!;
    if (typeof e.world_size === 'number' && e.world_size !== group.length)
      throw new UsageError(
        `${at}: world_size ${e.world_size} but its group has ${group.length} ranks; give global_ranks for a sub-group`,
      );
    const r: Recorded = { op, inElems: 0, outElems: 0, dtype: 'int8', group, pg, recordedUs: dur, startUs };
    if (op !== 'barrier') {
      if (e.in_msg_size === undefined && e.out_msg_size === undefined)
        throw new UsageError(`${at}: ${e.comms} has no in_msg_size or out_msg_size`);
      r.inElems = e.in_msg_size === undefined ? 0 : whole(e.in_msg_size, 'in_msg_size', at);
      r.outElems = e.out_msg_size === undefined ? 0 : whole(e.out_msg_size, 'out_msg_size', at);
      if (typeof e.dtype !== 'string') throw new UsageError(`${at}: ${e.comms} has no dtype`);
      const dtype = mapDtype(e.dtype);
      if (!dtype) throw new UsageError(`${at}: unknown dtype "${e.dtype}" (ccbench has no such element type)`);
      r.dtype = dtype;
      r.inSplit = splitOf(e.in_split, 'in_split', at);
      r.outSplit = splitOf(e.out_split, 'out_split', at);
    }
    if (['broadcast', 'reduce', 'gather', 'scatter'].includes(op)) {
      const root = whole(e.root ?? 0, 'root', at); // PARAM's root is a global rank (the src or dst of torch.distributed)
      r.root = group.indexOf(root);
      if (r.root < 0) throw new UsageError(`${at}: root ${root} is not in its group [${group.join(', ')}]`);
    }
    if (op === 'send' || op === 'recv') {
      const field = op === 'send' ? 'dst_rank' : 'src_rank';
      r.peer = whole(e[field], field, at);
    }
    out.push(makeEntry(i, r, at));
  }
  return out;
}
