// --check catches whole blocks delivered to the wrong place, whatever the chunk size. With
// CCBENCH_FAULT_INJECT=misroute (native/engine/engine.cc) the lowest rank with a result gets, after
// the check op, two sources' blocks swapped (allgather, alltoall, gather) or the two halves of a
// one-source result swapped (scatter, reducescatter, broadcast, sendrecv, allreduce). Real ranks on
// 2, 3 and 4 ranks (one launch of 4, --ranks 2,3,4), over MPI and over Gloo, with per-rank counts
// that are not powers of two — multiples of 5 and of 101 among them, the periods of the old
// patterns, which such a misroute could pass. With the hook every row reports wrong elements and
// the exit code is 3; without it no row does.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ccbench, leavesNoProcess, readJson, tempDir } from './helpers.js';

const dir = tempDir();
const RANKS = [2, 3, 4];

// Chunked ops take int64 (a chunk must be a multiple of 16 B: 2 elements) and whole-array sizes,
// so the per-rank count is size / 8 / n, rounded down to even: these totals give, on 2 / 3 / 4
// ranks, 12/8/6, 42/28/20, 60/40/30, 1212/808/606 and 6060/4040/3030 elements per rank.
const CHUNKED = ['allgather', 'alltoall', 'gather', 'scatter', 'reducescatter', 'reducescatterv'];
const TOTALS = [24, 84, 120, 2424, 12120];
// The others take float32 and any count.
const WHOLE = ['broadcast', 'sendrecv', 'allreduce'];
const COUNTS = [3, 5, 7, 10, 64, 101, 202, 505, 1010];

function perRank(op: string, bytes: number, n: number): number {
  if (!CHUNKED.includes(op)) return bytes / 4;
  const b = Math.floor(bytes / 8 / n);
  return b - (b % 2);
}

const suite = join(dir, 'misroute.json');
writeFileSync(
  suite,
  JSON.stringify({
    description: 'misrouting at counts that are not powers of two',
    runs: [
      ...CHUNKED.map((op) => ({ op, dtype: 'int64', sizes: TOTALS.map((t) => t * 8).join(',') })),
      ...WHOLE.map((op) => ({ op, dtype: 'float32', sizes: COUNTS.map((c) => c * 4).join(',') })),
    ],
  }),
);

/** Every (op, ranks, per-rank count) the suite must report, sorted. */
function expectedRows(): string[] {
  const out: string[] = [];
  for (const op of [...CHUNKED, ...WHOLE])
    for (const n of RANKS)
      for (const bytes of CHUNKED.includes(op) ? TOTALS.map((t) => t * 8) : COUNTS.map((c) => c * 4))
        out.push(`${op} n=${n} count=${perRank(op, bytes, n)}`);
  return out.sort();
}

describe('--check catches misrouted blocks at any chunk size', () => {
  leavesNoProcess();

  for (const [launcher, backend] of [
    ['mpirun', 'mpi'],
    ['local', 'gloo'],
  ])
    for (const hook of [true, false])
      test(`${backend}${hook ? ', misrouted: every row wrong, exit code 3' : ': no row wrong'}`, async () => {
        const json = join(dir, `${backend}-${hook ? 'misroute' : 'clean'}.json`);
        const r = await ccbench(
          [
            'suite',
            suite,
            '--launcher',
            launcher,
            '--backend',
            backend,
            '-n',
            '4',
            '--ranks',
            RANKS.join(','),
            '--check',
            '--iters',
            '2',
            '--warmup',
            '1',
            '--quiet',
            '--json',
            json,
          ],
          { env: { CCBENCH_FAULT_INJECT: hook ? 'misroute' : undefined }, timeoutMs: 300_000 },
        );
        assert.equal(r.code, hook ? 3 : 0, r.stderr);
        const doc = readJson(json);
        assert.equal(doc.status, hook ? 'check-failed' : 'complete');
        const rows: any[] = doc.results;
        assert.deepEqual(rows.map((x) => `${x.op} n=${x.ranks} count=${x.count}`).sort(), expectedRows());
        const bad = rows.filter((x) => (hook ? !(x.wrong > 0) : x.wrong !== 0));
        assert.deepEqual(
          bad.map((x) => `${x.op} n=${x.ranks} count=${x.count}: ${x.wrong} wrong`),
          [],
          hook ? 'every misrouted row is caught' : 'no row of a correct run is wrong',
        );
      });
});
