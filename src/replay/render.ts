// The dry run's output: the trace's summary and the replay plan as text tables, or one JSON object.
import { formatBytes } from '../plan/sizes.js';
import type { Trace } from './model.js';
import type { ReplayPlan } from './plan.js';
import type { TraceSummary } from './summary.js';

export const pct = (f: number | undefined) => (f === undefined ? '-' : `${(100 * f).toFixed(1)}%`);
export const time = (us: number | undefined) =>
  us === undefined
    ? '-'
    : us >= 1e6
      ? `${(us / 1e6).toFixed(3)} s`
      : us >= 1e3
        ? `${(us / 1e3).toFixed(3)} ms`
        : `${us.toFixed(1)} µs`;

export function table(head: string[], rows: string[][]): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i])))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

const showGroup = (g: number[]) =>
  g.length <= 8 ? `[${g.join(', ')}]` : `[${g.slice(0, 4).join(', ')}, …, ${g[g.length - 1]}]`;

export function renderDryRun(s: TraceSummary, p: ReplayPlan): string {
  const out = [
    `# trace: ${s.format}, ${s.worldSize} ranks (${s.sources.length === 1 ? s.sources[0] : `${s.sources.length} files`})`,
  ];
  out.push(
    ...table(
      ['op', p.mix ? 'calls' : 'entries', 'bytes', 'recorded', 'time share', 'byte share'],
      s.ops.map((o) => [
        o.op,
        String(o.entries),
        formatBytes(o.bytes),
        time(o.recordedUs),
        pct(o.timeShare),
        pct(o.byteShare),
      ]),
    ),
  );
  out.push(`(over all ranks; bytes: the size column, as ccbench's tables mean it)`);
  if (s.stepCommUs)
    out.push(
      `recorded communication per step (${s.steps === 1 ? 'the trace taken as one step' : `${s.steps} profiler steps`}): ${time(s.stepCommUs.mean)} per rank on average, ${time(s.stepCommUs.max)} at most (rank ${s.stepCommUs.maxRank})`,
    );
  if (s.computeUs) out.push(`recorded compute gaps per step: ${time(s.computeUs.mean)} per rank on average`);
  if (s.untimed) out.push(`${s.untimed} communication entries have no recorded duration`);
  if (s.groups.length)
    out.push(
      `sub-groups: ${s.groups.map((g) => `${g.count} of ${g.size} rank${g.size === 1 ? '' : 's'} (e.g. ${showGroup(g.example)})`).join(', ')}`,
    );
  const dropped = Object.entries(s.dropped);
  if (dropped.length) out.push(`left out: ${dropped.map(([why, n]) => `${n} ${why}`).join(', ')}`);
  for (const n of s.notes) out.push(`note: ${n}`);

  out.push('', `# replay plan: ${p.ranks} ranks, ${p.iterations} iteration${p.iterations === 1 ? '' : 's'}`);
  if (p.mix)
    out.push(
      `a weighted size mix: ${p.mix.points} (op, size) points, ${p.mix.calls} calls per iteration on every rank`,
    );
  else
    out.push(
      `per rank and iteration: ${range(p.entriesPerRank)} entries (${range(p.gapsPerRank)} of them compute gaps), ${p.p2pPairs} point-to-point sender→receiver pairs`,
    );
  out.push(
    `${p.totalEntries} entries in all; communicators (the world, then each sub-communicator, created once before timing):`,
  );
  out.push(
    ...table(
      ['communicator', 'ranks', 'collectives', 'trace names'],
      p.communicators.map((c) => [
        c.world ? 'world' : showGroup(c.ranks),
        String(c.ranks.length),
        String(c.entries),
        c.names.join(', ') || '-',
      ]),
    ).map((l) => `  ${l}`),
  );
  out.push('', 'This is what the replay would run (drop --dry-run to run it).');
  return out.join('\n') + '\n';
}

const range = (r: { min: number; max: number }) => (r.min === r.max ? String(r.min) : `${r.min}–${r.max}`);

/** The dry run as JSON: the summary, the plan and every rank's entries (a size mix: its points). */
export function dryRunJson(t: Trace, s: TraceSummary, p: ReplayPlan): object {
  return {
    kind: 'ccbench.replay-plan',
    summary: s,
    plan: p,
    ...(t.replays ? { replays: t.replays } : {}),
    ...(t.weights ? { mix: t.weights } : { ranks: [...t.perRank].map(([rank, entries]) => ({ rank, entries })) }),
  };
}
