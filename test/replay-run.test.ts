// `ccbench replay` on real ranks: each trace format end to end over MPI (mpirun) and Gloo (the
// local launcher) — sub-communicators of any ranks, alltoallv splits, send/recv pairs, compute
// gaps — with the table, the JSON and one JSON Lines record per entry; and the bad cases.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ccbench, leavesNoProcess, mpirunCcbench, readJson, ROOT, strays, tempDir, waitFor } from './helpers.js';

const TRACES = join(ROOT, 'test', 'fixtures', 'traces');
const PARAM = join(TRACES, 'param');
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

const BACKENDS = [
  ['mpirun', 'mpi'],
  ['local', 'gloo'],
] as const;

/** Every entry of the trace is in the JSON Lines file once per rank's list and iteration. */
function linesOf(path: string): any[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

function oneLine(r: { code: number | null; stderr: string }, re: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, re);
}

describe('ccbench replay on ranks', { concurrency: false }, () => {
  leavesNoProcess();

  for (const [launcher, backend] of BACKENDS)
    test(`PARAM trace, 4 ranks, ${backend}: every entry timed, sub-groups and pairs, per op next to the recording`, async () => {
      const json = join(dir, `param-${backend}.json`);
      const jsonl = join(dir, `param-${backend}.jsonl`);
      const r = await ccbench(
        [
          'replay',
          PARAM,
          '--launcher',
          launcher,
          '--backend',
          backend,
          '--iterations',
          '2',
          '--json',
          json,
          '--jsonl',
          jsonl,
        ],
        { timeoutMs: 180_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^# replay · param trace · 4 ranks · 2 iterations \(\+1 warm-up\)/m);
      assert.match(r.stdout, /^op\s+entries\s+bytes\s+replayed\s+share\s+recorded\s+replayed\/recorded$/m);
      assert.match(r.stdout, /^alltoallv\s+108\s+135 KiB\s+\S+ \S+\s+\S+%\s+607\.5 µs\s+\S+×$/m);
      assert.match(r.stdout, /^communication per step .*; recorded 2\.700 ms at most/m);
      const doc = readJson(json);
      assert.equal(doc.schema, 'ccbench.replay/1');
      assert.equal(doc.backend.name, backend);
      assert.equal(doc.iterations, 2);
      assert.deepEqual(doc.ops.map((o: any) => o.op).sort(), [
        'allgather',
        'allreduce',
        'alltoallv',
        'barrier',
        'broadcast',
        'recv',
        'reducescatter',
        'send',
      ]);
      assert.ok(Math.abs(doc.ops.reduce((a: number, o: any) => a + o.share, 0) - 1) < 0.01, 'shares add up to 1');
      assert.ok(doc.step.comm_us.max >= doc.step.comm_us.mean && doc.step.comm_us.mean > 0);
      assert.deepEqual(doc.step.recorded_comm_us, { mean: 2699.5, max: 2699.5 }); // the trace's own (its summary)
      assert.equal(doc.step.recorded_comm_us.max, doc.trace.stepCommUs.max);
      assert.ok(doc.overhead_us_per_entry.mean >= 0);
      // 245 entries per rank (28 compute gaps), 4 ranks, 2 iterations
      const lines = linesOf(jsonl);
      assert.equal(lines.length, 2 * 4 * 245);
      assert.deepEqual([...new Set(lines.map((l) => l.rank))].sort(), [0, 1, 2, 3]);
      for (const l of lines.filter((x) => x.op !== 'compute')) assert.ok(l.time_us > 0, JSON.stringify(l));
      const strided = lines.find((l) => l.op === 'allreduce' && l.group_size === 2 && l.rank === 3);
      assert.ok(strided, 'a sub-group collective on rank 3');
      assert.ok(lines.some((l) => l.op === 'send' && l.peer !== undefined));
    });

  test('Kineto traces of 2 ranks over MPI, and --gaps spins through the compute gaps', async () => {
    const json = join(dir, 'kineto.json');
    const kineto = [join(TRACES, 'kineto', 'rank0.json'), join(TRACES, 'kineto', 'rank1.json')];
    const r = await ccbench(['replay', ...kineto, '--backend', 'mpi', '--json', json, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const doc = readJson(json);
    assert.equal(doc.trace.format, 'kineto');
    assert.equal(doc.world_size, 2);
    assert.ok(doc.ops.length >= 3);
    assert.ok(doc.step.gaps_us < 50, `gaps not replayed: ${doc.step.gaps_us} µs`);
    assert.equal(doc.steps, 15, "per step: Kineto's ProfilerStep marks");
    // the same trace mapped onto 4 ranks: every rank replays a recorded one
    const scaled = join(dir, 'kineto4.json');
    const s4 = await ccbench(['replay', ...kineto, '--scale-ranks', '4', '--backend', 'mpi', '--json', scaled, '-q']);
    assert.equal(s4.code, 0, s4.stderr);
    assert.equal(readJson(scaled).world_size, 4);
    assert.equal(readJson(scaled).replay_plan.ranks, 4);
    const param = join(dir, 'gaps.json');
    const g = await ccbench([
      'replay',
      PARAM,
      '--backend',
      'mpi',
      '--gaps',
      '--warmup-iterations',
      '0',
      '--json',
      param,
    ]);
    assert.equal(g.code, 0, g.stderr);
    // the fixture records 3.36 ms of compute gaps per rank; a spin lasts at least that long
    const gaps = readJson(param).step.gaps_us;
    assert.ok(gaps >= 3360 && gaps < 3360 * 3, `gaps replayed: ${gaps} µs`);
  });

  test('a DeepSpeed size mix on -n 2 (Gloo): every (op, size) point as often as the logger counted it', async () => {
    const json = join(dir, 'ds.json');
    const jsonl = join(dir, 'ds.jsonl');
    // the fixture's sizes shrunk to keep the test small: the counts are what is checked
    const ds = JSON.parse(readFileSync(join(TRACES, 'deepspeed.json'), 'utf8'));
    for (const sizes of Object.values(ds.summary) as Record<string, any>[])
      for (const k of Object.keys(sizes)) if (Number(k) > 65536) delete sizes[k];
    const small = join(dir, 'ds-small.json');
    writeFileSync(small, JSON.stringify(ds));
    const r = await ccbench(
      [
        'replay',
        small,
        '-n',
        '2',
        '--launcher',
        'local',
        '--backend',
        'gloo',
        '--warmup-iterations',
        '0',
        '--json',
        json,
        '--jsonl',
        jsonl,
      ],
      { timeoutMs: 180_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const doc = readJson(json);
    const calls = doc.trace.ops.reduce((a: number, o: any) => a + o.entries, 0);
    assert.equal(linesOf(jsonl).length, 2 * calls, 'each call on each of the 2 ranks');
    assert.equal(doc.world_size, 2);
  });

  test('started by mpirun directly: the same replay', async () => {
    const json = join(dir, 'direct.json');
    const r = await mpirunCcbench(4, ['replay', PARAM, '--warmup-iterations', '0', '--json', json, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readJson(json).launcher, 'openmpi');
  });

  test('a rank killed mid-replay: the job ends naming it, the finished iterations stay in the JSON Lines file', async () => {
    const jsonl = join(dir, 'killed.jsonl');
    const p = ccbench(
      [
        'replay',
        PARAM,
        '--launcher',
        'local',
        '--backend',
        'gloo',
        '--iterations',
        '100000',
        '--jsonl',
        jsonl,
        '--timeout',
        '20',
      ],
      { timeoutMs: 90_000 },
    );
    const newlines = () => (existsSync(jsonl) ? readFileSync(jsonl, 'utf8').split('\n').length - 1 : 0);
    await waitFor(() => newlines() >= 4 * 245, 60_000);
    const rank1 = strays().find((pid) => readFileSync(`/proc/${pid}/environ`, 'latin1').includes('\0CCBENCH_RANK=1\0'));
    assert.ok(rank1, 'rank 1 found');
    process.kill(rank1, 'SIGKILL');
    const r = await p;
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /rank 1 \(\S+\) died during replay/);
    const lines = linesOf(jsonl);
    assert.ok(
      lines.length >= 4 * 245 && lines.length % (4 * 245) === 0,
      `whole iterations kept: ${lines.length} lines`,
    );
  });

  test('bad input: one line, exit 2, before any rank starts', async () => {
    oneLine(
      await ccbench(['replay', PARAM, '-n', '2']),
      /the trace is of 4 ranks but -n asks for 2; drop -n, or map the trace with --scale-ranks 2/,
    );
    const json = join(dir, 'exists.json');
    writeFileSync(json, '{}');
    oneLine(await ccbench(['replay', PARAM, '--json', json]), /exists\.json exists; give another file or --overwrite/);
    oneLine(await ccbench(['replay', PARAM, '--json', json, '--jsonl', json, '--overwrite']), /name the same file/);
    oneLine(await ccbench(['replay', PARAM, '--warmup-iterations', 'x']), /--warmup-iterations takes a whole number/);
    oneLine(await ccbench(['replay', PARAM, '--backend', 'tpu']), /tpu/);
  });
});
