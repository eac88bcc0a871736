// ccbench replay's trace readers and plan (the timed replay comes later): each format parses to
// the entries its fields say, format detection, --scale-ranks, every bad input as one line, the
// dry run's table and JSON, and a 10,000-entry synthetic PARAM trace.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { detectFormat, loadTrace } from '../src/replay/load.js';
import type { Trace } from '../src/replay/model.js';
import { checkTrace, replayPlan } from '../src/replay/plan.js';
import { rebin, scaleTrace } from '../src/replay/scale.js';
import { summarize } from '../src/replay/summary.js';
import { ccbench, readJson, ROOT, tempDir } from './helpers.js';

const FIX = join(ROOT, 'test', 'fixtures', 'traces');
const PARAM = join(FIX, 'param');
const KINETO = join(FIX, 'kineto');
const DS = join(FIX, 'deepspeed.json');
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A PARAM trace of the given rank files in a fresh directory. */
function paramDir(ranks: unknown[][]): string {
  const d = join(dir, `t${n++}`);
  mkdirSync(d);
  ranks.forEach((es, r) => writeFileSync(join(d, `${r}.json`), JSON.stringify(es)));
  return d;
}
const file = (name: string, data: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof data === 'string' ? data : JSON.stringify(data));
  return p;
};
const ar = (elems: number, extra = {}) => ({
  comms: 'all_reduce',
  in_msg_size: elems,
  out_msg_size: elems,
  dtype: 'float',
  ...extra,
});
const refuses = (f: () => unknown, re: RegExp) =>
  assert.throws(f, (e: Error) => e instanceof UsageError && re.test(e.message) && !e.message.includes('\n'));

describe('PARAM basic trace', () => {
  const t = loadTrace([PARAM]);
  test('4 ranks, entries in their order with ccbench counts, bytes (elements × dtype size), groups and roots', () => {
    assert.equal(t.format, 'param');
    assert.equal(t.worldSize, 4);
    const r1 = t.perRank.get(1)!;
    assert.equal(r1.length, 245);
    const [ag, gap, tpAr, a2av, send, rs, bc, loss, barrier] = r1;
    assert.deepEqual(
      [ag.index, ag.op, ag.count, ag.bytes, ag.dtype, ag.group, ag.pg, ag.recordedUs],
      [1, 'allgather', 1024, 4096, 'bfloat16', [0, 1], '1', 10],
    );
    assert.deepEqual([gap.op, gap.recordedUs], ['compute', 120]);
    assert.deepEqual([tpAr.op, tpAr.count, tpAr.bytes, tpAr.dtype], ['allreduce', 4096, 16384, 'float32']);
    assert.deepEqual(
      [a2av.op, a2av.inSplit, a2av.outSplit, a2av.count, a2av.bytes],
      ['alltoallv', [128, 192, 256, 64], [128, 192, 256, 64], 640, 1280],
    );
    assert.deepEqual([send.op, send.peer, send.count, send.bytes, send.group], ['send', 3, 2048, 8192, [1, 3]]);
    assert.deepEqual([rs.op, rs.count, rs.bytes], ['reducescatter', 4096, 32768]); // the whole 8192-element input
    assert.deepEqual([bc.op, bc.root, bc.group, bc.dtype, bc.bytes], ['broadcast', 1, [1, 3], 'int64', 2048]); // global root 3
    assert.deepEqual([loss.op, loss.bytes, loss.group], ['allreduce', 4, [0, 1, 2, 3]]);
    assert.deepEqual([barrier.op, barrier.bytes, barrier.count], ['barrier', 0, 0]);
    assert.equal(t.perRank.get(2)![4].op, 'recv');
    assert.equal(t.perRank.get(2)![4].peer, 0);
    assert.deepEqual(t.dropped, { init: 4, wait: 108, 'compute without a duration': 108 });
  });

  test('the summary: per op entries, bytes, shares; sub-groups; recorded time', () => {
    const s = summarize(t);
    const rs = s.ops.find((o) => o.op === 'reducescatter')!;
    assert.equal(rs.entries, 4 * 27);
    assert.equal(rs.bytes, 4 * 27 * 32768);
    assert.ok(Math.abs(s.ops.reduce((a, o) => a + o.byteShare, 0) - 1) < 1e-9);
    assert.ok(Math.abs(s.ops.reduce((a, o) => a + (o.timeShare ?? 0), 0) - 1) < 1e-9);
    assert.deepEqual(s.groups, [{ size: 2, count: 4, example: [0, 1] }]);
    assert.ok(s.stepCommUs!.max > 0 && s.computeUs!.mean === 28 * 120);
    const p = replayPlan(t, 3);
    assert.equal(p.communicators.length, 5);
    assert.equal(p.totalEntries, 4 * 245 * 3);
    assert.equal(p.p2pPairs, 2);
  });

  test('one file is replayed by every rank of the world its entries name', () => {
    const f = file('single.json', [ar(16, { world_size: 2 }), { comms: 'barrier', world_size: 2 }]);
    const s = loadTrace([f]);
    assert.equal(s.worldSize, 2);
    assert.equal(s.perRank.get(1)![0].bytes, 64);
  });
});

describe('Kineto traces', () => {
  const t = loadTrace([join(KINETO, 'rank0.json'), join(KINETO, 'rank1.json')]);
  test('the kernels carry the args; truncated Process Group Ranks rebuilt; compute kernels become gaps', () => {
    assert.equal(t.format, 'kineto');
    assert.equal(t.worldSize, 2);
    const r1 = t.perRank.get(1)!;
    assert.equal(r1.length, 15 * 9); // 6 collectives and 3 gaps a step; the CPU ops are not counted twice
    const [ag, gap, arr, a2a] = r1;
    assert.deepEqual(
      [ag.op, ag.group, ag.count, ag.bytes, ag.dtype, ag.recordedUs],
      ['allgather', [0, 1], 1024, 4096, 'bfloat16', 11],
    );
    assert.deepEqual([gap.op, gap.recordedUs], ['compute', 80]);
    assert.equal(arr.op, 'allreduce');
    assert.deepEqual([a2a.op, a2a.inSplit, a2a.outSplit, a2a.bytes], ['alltoallv', [200, 400], [300, 400], 2400]);
    const recv = r1.find((e) => e.op === 'recv')!;
    assert.deepEqual([recv.peer, recv.count], [0, 512]);
    assert.ok(t.notes.some((x) => /no root/.test(x)));
    const s = summarize(t);
    assert.equal(s.steps, 15); // ProfilerStep#0..14
    assert.equal(s.stepCommUs!.mean, (11 + 14 + 25 + 21 + 7 + 6) * 1); // one step's collective kernels, µs
    assert.equal(s.computeUs!.mean, 50 + 30 + 40 + 20);
  });
  test('a directory works too, ranks from distributedInfo', () => assert.equal(loadTrace([KINETO]).perRank.size, 2));
});

describe('DeepSpeed comms logger summary', () => {
  const t = loadTrace([DS]);
  test('a weighted size mix on the world, sizes as ccbench means them', () => {
    assert.equal(t.worldSize, 8);
    assert.equal(t.perRank.size, 0);
    const w = t.weights!;
    const ag = w.find((x) => x.op === 'allgather')!;
    assert.deepEqual([ag.count, ag.bytes, ag.calls, ag.recordedUs], [524288, 16 * 1024 * 1024, 120, 410]); // S per rank × 8
    const rs = w.find((x) => x.op === 'reducescatter')!; // the caller-func tail is cut
    assert.deepEqual([rs.count, rs.bytes], [524288, 16 * 1024 * 1024]);
    const small = w.find((x) => x.op === 'allreduce' && x.bytes === 4)!;
    assert.deepEqual([small.count, small.calls, small.totalUs], [1, 200, 6200]);
    assert.equal(replayPlan(t, 2).totalEntries, 515 * 8 * 2);
  });
});

describe('format detection', () => {
  test('by content, and --format must agree', () => {
    assert.equal(detectFormat({ path: 'x', data: [] }), 'param');
    assert.equal(detectFormat({ path: 'x', data: { traceEvents: [] } }), 'kineto');
    assert.equal(detectFormat({ path: 'x', data: { summary: {} } }), 'deepspeed');
    assert.equal(detectFormat({ path: 'x', data: { foo: 1 } }), undefined);
    refuses(() => loadTrace([DS], 'kineto'), /reads as a deepspeed trace, not kineto/);
    refuses(() => loadTrace([PARAM], 'chakra'), /--format takes param, kineto, deepspeed/);
  });
});

describe('--scale-ranks', () => {
  const t = loadTrace([PARAM]);
  test('4 → 8: tilings keep their number of groups, sizes kept, splits re-binned, pairs kept', () => {
    const s = scaleTrace(t, 8);
    assert.equal(s.worldSize, 8);
    assert.equal(s.perRank.size, 8);
    const r5 = s.perRank.get(5)!;
    assert.deepEqual(r5[0].group, [4, 5, 6, 7]); // a block of 2 of 4 → of 4 of 8
    assert.equal(r5[0].bytes, 4096); // the gathered array kept: 512 elements from each of 4
    assert.equal(r5[0].count, 512);
    const a2av = r5[3];
    assert.equal(a2av.inSplit!.length, 8);
    assert.equal(a2av.count, t.perRank.get(s.replays![5])![3].count); // the total is kept
    assert.equal(replayPlan(s, 1).p2pPairs, 4);
    assert.deepEqual(s.replays, [0, 1, 0, 1, 2, 3, 2, 3]);
    checkTrace(s); // every rank's view agrees after scaling
  });
  test('refused where it cannot: unpaired p2p, groups of arbitrary ranks', () => {
    refuses(() => scaleTrace(t, 6), /--scale-ranks 6: .*cannot be paired/);
    refuses(() => scaleTrace(t, 2), /--scale-ranks 2: .*cannot be paired/);
    const odd = loadTrace([paramDir([[ar(8, { global_ranks: [0, 3] })], [], [], [ar(8, { global_ranks: [0, 3] })]])]);
    refuses(() => scaleTrace(odd, 8), /group \[0, 3\] is neither the world nor one of equal/);
  });
  test('re-binning keeps the total', () => {
    assert.deepEqual(rebin([1, 1, 1, 1], 2), [2, 2]);
    assert.deepEqual(rebin([10, 0], 4), [5, 5, 0, 0]);
    assert.equal(
      rebin([128, 192, 256, 64], 3).reduce((a, b) => a + b),
      640,
    );
  });
  test('a size mix scales its world', () => assert.equal(scaleTrace(loadTrace([DS]), 16).weights![0].group.length, 16));
});

describe('bad input: one line each', () => {
  const cases: [string, () => Trace, RegExp][] = [
    [
      'unknown op',
      () => loadTrace([paramDir([[{ comms: 'all_shuffle', in_msg_size: 1 }]])]),
      /0\.json: entry 0: unknown op "all_shuffle"/,
    ],
    [
      'unknown dtype',
      () => loadTrace([paramDir([[ar(4, { dtype: 'complex64' })]])]),
      /entry 0: unknown dtype "complex64"/,
    ],
    ['size not whole', () => loadTrace([paramDir([[ar(10.5)]])]), /entry 0: in_msg_size is 10.5, not a whole number/],
    ['negative size', () => loadTrace([paramDir([[ar(-1)]])]), /in_msg_size is -1/],
    ['not JSON', () => loadTrace([file('bad.json', '[{"comms": ')]), /bad\.json is not JSON/],
    ['no format', () => loadTrace([file('odd.json', { foo: 1 })]), /cannot tell its trace format/],
    ['entry not an object', () => loadTrace([paramDir([[42]])]), /entry 0: not an object/],
    ['no sizes', () => loadTrace([paramDir([[{ comms: 'all_reduce', dtype: 'float' }]])]), /has no in_msg_size/],
    [
      'missing rank file',
      () => {
        const d = paramDir([[ar(4)], [ar(4)], [ar(4)]]);
        rmSync(join(d, '1.json'));
        return loadTrace([d]);
      },
      /rank 1's trace is missing/,
    ],
    [
      'fewer rank files than the entries name',
      () => loadTrace([paramDir([[ar(4, { world_size: 4 })], [ar(4, { world_size: 4 })]])]),
      /the entries name 4 ranks \(world_size, global_ranks\), but there are 2 rank files/,
    ],
    [
      'ranks disagree',
      () => loadTrace([paramDir([[ar(4)], [ar(8)]])]),
      /1\.json: entry 0 \(rank 1\): allreduce of 8 float32 where rank 0 has allreduce of 4/,
    ],
    [
      'collective counts differ',
      () => loadTrace([paramDir([[ar(4), ar(4)], [ar(4)]])]),
      /rank 1 has 1 collectives .* rank 0 has 2/,
    ],
    [
      'unpaired send',
      () => loadTrace([paramDir([[{ comms: 'send', in_msg_size: 4, dtype: 'float', dst_rank: 1 }], []])]),
      /rank 0 sends 1 messages to rank 1, which receives 0/,
    ],
    [
      'split sum',
      () =>
        loadTrace([
          paramDir([
            [
              {
                comms: 'all_to_allv',
                in_msg_size: 5,
                out_msg_size: 4,
                in_split: [2, 2],
                out_split: [2, 2],
                dtype: 'float',
              },
            ],
            [],
          ]),
        ]),
      /in_split sums to 4 elements, but in_msg_size is 5/,
    ],
    [
      'root outside',
      () =>
        loadTrace([
          paramDir([[{ ...ar(4), comms: 'broadcast', root: 5 }], [{ ...ar(4), comms: 'broadcast', root: 5 }]]),
        ]),
      /root 5 is not in its group/,
    ],
    [
      'rank not in its group',
      () =>
        loadTrace([
          paramDir([
            [ar(4, { global_ranks: [1, 2] })],
            [ar(4, { global_ranks: [1, 2] })],
            [ar(4, { global_ranks: [1, 2] })],
          ]),
        ]),
      /0\.json: entry 0 \(rank 0\): allreduce on group \[1, 2\], which does not hold this rank/,
    ],
    [
      'Kineto splits truncated',
      () =>
        loadTrace([
          file('k.json', {
            distributedInfo: { rank: 0, world_size: 1 },
            traceEvents: [
              {
                ph: 'X',
                cat: 'kernel',
                ts: 1,
                dur: 1,
                args: {
                  'Collective name': 'all_to_all',
                  dtype: 'Float',
                  'In msg nelems': 2,
                  'Out msg nelems': 2,
                  'In split size': '[1, ...]',
                  'Process Group Ranks': '[0]',
                },
              },
            ],
          }),
        ]),
      /"In split size" is cut short/,
    ],
    [
      'DeepSpeed without world size',
      () => loadTrace([file('ds.json', { summary: { all_reduce: { 4: { count: 1 } } } })]),
      /metadata\.world_size/,
    ],
    [
      'DeepSpeed unknown op',
      () =>
        loadTrace([file('ds2.json', { summary: { all_mangle: { 4: { count: 1 } } }, metadata: { world_size: 2 } })]),
      /unknown op "all_mangle"/,
    ],
  ];
  for (const [name, f, re] of cases) test(name, () => refuses(f, re));
});

describe('ccbench replay (the command)', () => {
  const oneLine = (r: { code: number | null; stderr: string; stdout: string }, re: RegExp) => {
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  };
  test('--dry-run prints the summary and the plan; --json writes them', async () => {
    const out = join(dir, 'plan.json');
    const r = await ccbench(['replay', PARAM, '--dry-run', '--iterations', '2', '--json', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# trace: param, 4 ranks/m);
    assert.match(r.stdout, /^op\s+entries\s+bytes\s+recorded\s+time share\s+byte share$/m);
    assert.match(r.stdout, /^reducescatter\s+108\s+3\.4 MiB\s+3\.240 ms\s+30\.0%\s+46\.0%$/m);
    assert.match(r.stdout, /^# replay plan: 4 ranks, 2 iterations$/m);
    assert.match(r.stdout, /^\s+\[1, 3\]\s+2\s+108\s+4$/m);
    assert.match(r.stdout, /what the replay would run \(drop --dry-run to run it\)/);
    const j = readJson(out);
    assert.equal(j.kind, 'ccbench.replay-plan');
    assert.equal(j.plan.ranks, 4);
    assert.equal(j.plan.totalEntries, 4 * 245 * 2);
    assert.equal(j.ranks[1].entries[0].op, 'allgather');
    oneLine(
      await ccbench(['replay', PARAM, '--dry-run', '--json', out]),
      /plan\.json exists; give another --json file or --overwrite/,
    );
  });
  test('bad traces and values: one line, exit 2', async () => {
    const d = paramDir([[ar(4)], [ar(4, { dtype: 'quaternion' })]]);
    oneLine(await ccbench(['replay', d, '--dry-run']), /1\.json: entry 0: unknown dtype "quaternion"/);
    oneLine(await ccbench(['replay', join(dir, 'nowhere'), '--dry-run']), /cannot read .*nowhere: no such file/);
    oneLine(
      await ccbench(['replay', PARAM, '--dry-run', '--iterations', '0']),
      /--iterations takes a whole number from 1/,
    );
    oneLine(await ccbench(['replay', PARAM, '--dry-run', '--scale-ranks', '6']), /--scale-ranks 6: .*cannot be paired/);
  });
});

test('a 10,000-entry synthetic PARAM trace loads and plans (a plumbing bound, not a speed target)', () => {
  const d = join(dir, 'synth');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'synth-trace.mjs'), 'param', d, '--entries', '10000']);
  assert.equal((JSON.parse(readFileSync(join(d, '3.json'), 'utf8')) as unknown[]).length, 10000);
  const t0 = performance.now();
  const t = loadTrace([d]);
  replayPlan(t, 1);
  summarize(t);
  const ms = performance.now() - t0;
  assert.ok(t.perRank.get(0)!.length > 8000);
  assert.ok(ms < 20_000, `${ms} ms`);
});
