// A rank's part of `ccbench replay`: create the trace's communicators once (every rank, in one
// order), allocate for its largest entry, run the warm-up, then one native call per iteration;
// rank 0 gathers every rank's entry times after each iteration, appends them to the JSON Lines
// file (so a failed run keeps its finished iterations) and, at the end, prints the table and
// writes the JSON.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { ControlPlane } from '../control/control.js';
import type { Addon } from '../native/addon.js';
import { rankProgram, type ReplayRequest } from '../replay/program.js';
import { replayPlan } from '../replay/plan.js';
import { renderReplay, ReplayResults, type RankTimes } from '../replay/results.js';
import { summarize } from '../replay/summary.js';
import type { RunMeta } from '../report/meta.js';
import type { Tracker } from './tracker.js';

export const REPLAY_SCHEMA = 'ccbench.replay/1';

function writeOrSay(path: string, text: string, append = false): void {
  try {
    if (append) appendFileSync(path, text);
    else writeFileSync(path, text);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function encode(t: { entryUs: Float64Array; iterationUs: Float64Array }): Buffer {
  const out = Buffer.alloc(8 * (1 + t.entryUs.length));
  out.writeDoubleLE(t.iterationUs[0] ?? 0, 0);
  Buffer.from(t.entryUs.buffer, t.entryUs.byteOffset, t.entryUs.byteLength).copy(out, 8);
  return out;
}

function decode(b: Buffer): RankTimes {
  const all = new Float64Array(b.length / 8);
  for (let i = 0; i < all.length; i++) all[i] = b.readDoubleLE(8 * i);
  return { iterationUs: all[0], entryUs: all.subarray(1) };
}

export async function replayTrace(c: {
  addon: Addon;
  control: ControlPlane;
  tracker: Tracker;
  request: ReplayRequest;
  meta?: RunMeta; // rank 0's
  say: (line: string) => void;
}): Promise<void> {
  const { addon, control, tracker, request: q } = c;
  const rank = control.rank;
  const program = rankProgram(q.trace, rank);
  const handles = [0];
  for (let i = 1; i < program.communicators.length; i++)
    handles.push(
      await tracker.watch(
        `replay: creating communicator ${i} of ${program.communicators.length - 1}`,
        addon.subgroup(i, program.communicators[i]),
      ),
    );
  await tracker.watch('replay: allocating buffers', addon.allocate(program.sendBytes, program.recvBytes));
  const results = rank === 0 ? new ReplayResults(q.trace, control.size) : undefined;
  if (results && q.jsonl) writeOrSay(q.jsonl, '');
  if (q.warmup > 0)
    await tracker.watch(
      'replay (warm-up)',
      addon.replay(handles, program.calls, { warmup: q.warmup, iterations: 0, gaps: q.gaps }),
    );
  for (let it = 0; it < q.iterations; it++) {
    const where = `replay iteration ${it + 1} of ${q.iterations}`;
    const t = await tracker.watch(
      where,
      addon.replay(handles, program.calls, { warmup: 0, iterations: 1, gaps: q.gaps }),
    );
    const parts = await tracker.watch(`${where} (gathering times)`, control.gather(encode(t)));
    if (!results || !parts) continue;
    const lines = results.add(parts.map(decode));
    if (q.jsonl) writeOrSay(q.jsonl, lines.join('\n') + '\n', true);
  }
  if (!results || !c.meta) return;
  const report = results.report();
  const m = c.meta;
  const title = [
    `replay · ${q.trace.format} trace · ${control.size} ranks · ${q.iterations} iteration${q.iterations === 1 ? '' : 's'} (+${q.warmup} warm-up) · ${m.backend.name} (${m.backend.library})`,
    `${m.backend.device} · one time = an entry from its issue to its completion on the rank; consecutive send/recv entries run as one batch`,
  ];
  c.say(renderReplay(title, report, q.gaps).trimEnd());
  if (q.json) {
    const doc = {
      schema: REPLAY_SCHEMA,
      ...m,
      trace: summarize(q.trace),
      replay_plan: replayPlan(q.trace, q.iterations),
      options: { iterations: q.iterations, warmup: q.warmup, gaps: q.gaps },
      ...report,
      end_time: new Date().toISOString(),
      ...(q.jsonl && { entries_file: q.jsonl }),
    };
    writeOrSay(q.json, JSON.stringify(doc, null, 1) + '\n');
  }
}

/** The outputs may not exist unless --overwrite: said before anything starts. */
export function checkReplayOutputs(q: Pick<ReplayRequest, 'json' | 'jsonl' | 'overwrite'>): void {
  for (const f of [q.json, q.jsonl])
    if (f && existsSync(f) && !q.overwrite) throw new UsageError(`${f} exists; give another file or --overwrite`);
  if (q.json && q.json === q.jsonl) throw new UsageError('--json and --jsonl name the same file; give two files');
}
