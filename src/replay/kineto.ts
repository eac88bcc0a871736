// PyTorch profiler (Kineto) chrome traces, one JSON per rank: {distributedInfo: {rank, world_size},
// traceEvents: [...]}. Collectives are the events whose args carry PyTorch's comms keys
// (torch/csrc/profiler/util.h: "Collective name", "dtype", "In msg nelems", "Out msg nelems",
// "In split size", "Out split size", "Global rank start", "Global rank stride", "Group size",
// "Process Group Name", "Process Group Ranks", "Src Rank", "Dst Rank", "Seq"): the GPU kernel
// event where there is one (its ts / dur, µs, are the GPU's), else the CPU op record_param_comms.
import { UsageError } from '../errors.js';
import { countDrop, type Trace, type TraceEntry } from './model.js';
import { mapDtype, mapOp, makeEntry, OP_ALIASES_TEXT, whole, type Recorded } from './names.js';
import type { RankFile } from './param.js';

interface Event {
  name?: string;
  cat?: string;
  ph?: string;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

const isKernel = (e: Event) => e.cat === 'kernel';
const isComm = (e: Event) => e.args?.['Collective name'] !== undefined;

/** The rank and world size a file says it is, or undefined where it says nothing. */
export function kinetoIdentity(data: unknown): { rank?: number; worldSize?: number } {
  const info = (data as { distributedInfo?: Record<string, unknown> })?.distributedInfo;
  const num = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
  return { rank: num(info?.rank), worldSize: num(info?.world_size) };
}

/** A list kept as a string ("[0, 1, 2]"); null where it was cut short with "...". */
function listOf(v: unknown, field: string, at: string): number[] | null {
  if (Array.isArray(v)) return v.map((x) => whole(x, `an entry of ${field}`, at));
  if (typeof v !== 'string') throw new UsageError(`${at}: "${field}" is ${JSON.stringify(v)}, not a list`);
  if (v.includes('...')) return null;
  const body = v
    .trim()
    .replace(/^\[|\]$/g, '')
    .trim();
  return body === '' ? [] : body.split(',').map((x) => whole(x.trim(), `an entry of "${field}"`, at));
}

/** "Process Group Ranks", rebuilt from Global rank start / stride and Group size where truncated. */
function groupOf(a: Record<string, unknown>, at: string): number[] {
  const listed =
    a['Process Group Ranks'] === undefined ? null : listOf(a['Process Group Ranks'], 'Process Group Ranks', at);
  if (listed) return listed;
  const size = whole(a['Group size'], '"Group size"', at);
  const start = whole(a['Global rank start'], '"Global rank start"', at);
  const stride = whole(a['Global rank stride'], '"Global rank stride"', at);
  const ranks = Array.from({ length: size }, (_, i) => start + i * stride);
  const shown = String(a['Process Group Ranks'] ?? '')
    .replace(/^\[|\.\.\.\]?$/g, '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => /^\d+$/.test(x))
    .map(Number);
  if (shown.some((r, i) => ranks[i] !== r))
    throw new UsageError(
      `${at}: "Process Group Ranks" ${JSON.stringify(a['Process Group Ranks'])} disagrees with Global rank start ${start}, stride ${stride}`,
    );
  return ranks;
}

export function readKineto(files: RankFile[], worldSize: number): Trace {
  const trace: Trace = {
    format: 'kineto',
    sources: files.map((f) => f.path),
    worldSize,
    perRank: new Map(),
    dropped: {},
    notes: [],
  };
  const seen = { rootless: 0 };
  for (const f of files) {
    const events = (f.data as { traceEvents?: unknown }).traceEvents;
    if (!Array.isArray(events)) throw new UsageError(`${f.path} is not a Kineto trace: it has no "traceEvents" list`);
    const onGpu = events.some((e: Event) => isKernel(e) && isComm(e));
    const comm = (e: Event) => isComm(e) && (onGpu ? isKernel(e) : e.name === 'record_param_comms');
    const picked = events
      .map((e: Event, i) => ({ e, i }))
      .filter(({ e }) => comm(e) || (onGpu && isKernel(e) && e.ph === 'X'))
      .sort((a, b) => (a.e.ts ?? 0) - (b.e.ts ?? 0));
    const out: TraceEntry[] = [];
    const t0 = picked.find(({ e }) => comm(e))?.e.ts ?? 0;
    let gap: TraceEntry | undefined;
    for (const { e, i } of picked) {
      const at = `${f.path}: event ${i}`;
      if (!comm(e)) {
        // compute kernels between two collectives become one gap of their summed GPU time
        const dur = typeof e.dur === 'number' && e.dur >= 0 ? e.dur : 0;
        if (gap) gap.recordedUs! += dur;
        else {
          gap = makeEntry(i, { op: 'compute', inElems: 0, outElems: 0, dtype: '', group: [], recordedUs: dur }, at);
          gap.startUs = (e.ts ?? t0) - t0;
          out.push(gap);
        }
        continue;
      }
      gap = undefined;
      const entry = readEvent(e, i, at, trace.dropped, seen);
      if (entry) out.push({ ...entry, startUs: (e.ts ?? t0) - t0 });
    }
    trace.perRank.set(f.rank, out);
    const steps = new Set(
      events.filter((e: Event) => /^ProfilerStep#\d+$/.test(e.name ?? '')).map((e: Event) => e.name),
    );
    if (steps.size) trace.steps = Math.min(trace.steps ?? steps.size, steps.size);
  }
  if (seen.rootless)
    trace.notes.push(`${seen.rootless} rooted entries record no root (Kineto keeps none): replayed from group rank 0`);
  return trace;
}

function readEvent(
  e: Event,
  i: number,
  at: string,
  dropped: Record<string, number>,
  seen: { rootless: number },
): TraceEntry | undefined {
  const a = e.args!;
  const name = String(a['Collective name']);
  const op = mapOp(name);
  if (op === undefined)
    throw new UsageError(`${at}: unknown op "${name}"; ccbench replays ${OP_ALIASES_TEXT} (wait and init are skipped)`);
  if (op === 'drop') {
    countDrop(dropped, name.toLowerCase().replace(/[^a-z]/g, ''));
    return undefined;
  }
  const group = groupOf(a, at);
  const r: Recorded = {
    op,
    inElems: 0,
    outElems: 0,
    dtype: 'int8',
    group,
    recordedUs: typeof e.dur === 'number' && e.dur >= 0 ? e.dur : undefined,
  };
  if (a['Process Group Name'] !== undefined) r.pg = String(a['Process Group Name']);
  if (op !== 'barrier') {
    r.inElems = whole(a['In msg nelems'], '"In msg nelems"', at);
    r.outElems = whole(a['Out msg nelems'], '"Out msg nelems"', at);
    const dtype = mapDtype(String(a.dtype ?? ''));
    if (!dtype)
      throw new UsageError(`${at}: unknown dtype ${JSON.stringify(a.dtype)} (ccbench has no such element type)`);
    r.dtype = dtype;
    for (const [key, side] of [
      ['In split size', 'inSplit'],
      ['Out split size', 'outSplit'],
    ] as const) {
      if (a[key] === undefined) continue;
      const s = listOf(a[key], key, at);
      if (s === null) throw new UsageError(`${at}: "${key}" is cut short with "...", so the splits are lost`);
      r[side] = s;
    }
  }
  if (['broadcast', 'reduce', 'gather', 'scatter'].includes(op)) {
    if (a.Root === undefined) seen.rootless++;
    r.root = a.Root === undefined ? 0 : whole(a.Root, 'Root', at);
  }
  if (op === 'send' || op === 'recv') {
    // Src / Dst Rank are the process group's ranks (ProcessGroup::send takes a group rank)
    const key = op === 'send' ? 'Dst Rank' : 'Src Rank';
    const local = whole(a[key], `"${key}"`, at);
    if (local >= group.length) throw new UsageError(`${at}: "${key}" ${local} is outside its group of ${group.length}`);
    r.peer = group[local];
  }
  return makeEntry(i, r, at);
}
