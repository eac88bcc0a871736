// bench:scale's simulated-rank machinery (bench/scale.ts, scale-rank.ts) at a small count on
// loopback, not the cluster: a plumbing check that its processes join, gather and report every
// figure; no timing targets.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, run } from './helpers.js';

const BENCH = join(ROOT, 'dist', 'bench', 'scale.js');

test('bench:scale --local: 16 simulated ranks join, gather a sweep and report every figure', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'ccbench-scale-')), 'scale.json');
  const r = await run(
    process.execPath,
    [
      BENCH,
      '--local',
      '--counts',
      '16',
      '--reps',
      '2',
      '--sizes',
      '8:64K',
      '--barriers',
      '3',
      '--idle',
      '300',
      '--out',
      out,
    ],
    { timeoutMs: 90_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(doc.benchmark, 'bench:scale');
  assert.ok(doc.machine.cores > 0);
  const [run16] = doc.runs;
  assert.equal(run16.ranks, 16);
  assert.deepEqual(run16.failures, []);
  assert.equal(run16.reps.length, 2);
  const s = run16.summary.stats;
  for (const k of [
    'rendezvous_ms',
    'allgather_ms',
    'barrier_ms',
    'bcast_plan_ms',
    'sweep_gather_ms',
    'rank0_max_rss_mib',
  ])
    assert.ok(s[k].median > 0 && s[k].min <= s[k].median && s[k].median <= s[k].max, `${k}: ${JSON.stringify(s[k])}`);
  // 8 B .. 8 KiB at 1,000 samples, 16 .. 64 KiB at 100 (OSU's counts): 11,300 per rank.
  assert.equal(s.samples_per_rank.median, 11 * 1000 + 3 * 100);
  // Every rank's samples reach rank 0 (float64 each, plus the encoding's headers).
  assert.ok(s.sweep_bytes.median > 16 * 11_300 * 8 && s.sweep_bytes.median < 16 * 11_300 * 8 * 1.1);
  // Rank 0 holds a socket per other rank (and its listening socket and stdio beside them).
  assert.ok(s.rank0_sockets_joined.median >= 15, JSON.stringify(s.rank0_sockets_joined));
  // Every rank's connection was seen: 15 connect instants across the processes.
  const connects = run16.reps[0].hosts.reduce((n: number, h: { connectedAt: number[] }) => n + h.connectedAt.length, 0);
  assert.equal(connects, 15);
});

test('bench:scale refuses a bad --counts with one line and exit code 2', async () => {
  const r = await run(process.execPath, [BENCH, '--local', '--counts', '2'], { timeoutMs: 30_000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^bench:scale: --counts takes integers of 4 or more/);
});

test('bench:scale records a rank 0 whose open-file limit cannot hold the job, and fails', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'ccbench-scale-')), 'scale.json');
  const r = await run(
    process.execPath,
    [BENCH, '--local', '--counts', '64', '--reps', '1', '--rank0-nofile', '64', '--timeout', '10', '--out', out],
    { timeoutMs: 60_000 },
  );
  assert.equal(r.code, 1, r.stderr);
  const [run64] = JSON.parse(readFileSync(out, 'utf8')).runs;
  assert.equal(run64.reps.length, 0);
  assert.match(run64.failures[0], /rank 0 needs a socket for each of its 63 peers but may open only 64 files/);
  assert.ok(r.ms < 10_000, `refused at once, not after --timeout (${r.ms} ms)`);
});
