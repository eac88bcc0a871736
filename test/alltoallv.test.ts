// alltoallv on real ranks, over MPI (mpirun) and Gloo (ccbench's local launcher): every traffic
// pattern with --check on 2, 3 and 4 ranks, matrix files in nccl-tests' form and ccbench's, the
// hot rank's imbalance and per-rank time in the JSON and the table, misdelivered blocks caught,
// the same matrix on both backends, and the bad inputs. Runs stay tiny (2 cores).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ccbench, leavesNoProcess, readJson, tempDir } from './helpers.js';

const dir = tempDir();
const QUICK = ['--iters', '3', '--warmup', '1', '--quiet'];
const BACKENDS = [
  ['mpirun', 'mpi'],
  ['local', 'gloo'],
] as const;

// nccl-tests' form: bytes i→j (cells not multiples of 16 B are rounded down, as nccl-tests does).
const ntMatrix = join(dir, 'nt.txt');
writeFileSync(ntMatrix, '100 200 150 0\n50 100 75 4096\n300 150 200 16\n0 0 1000 64\n');
// ccbench's form: relative weights, scaled to each size.
const weights = join(dir, 'weights.txt');
writeFileSync(weights, '# rank 3 hot\nweights\n1, 1, 1, 5\n1 1 1 5\n1 1 1 5\n0 0 0 1 # rank 3 keeps little\n');

const PATTERNS = [
  'uniform',
  'zipf:1.5',
  'hot:1:0.5',
  'spread:1',
  'dirichlet:0.3',
  'random:11',
  `matrix:${weights}`,
  `matrix:${ntMatrix}`,
];
const suite = join(dir, 'patterns.json');
writeFileSync(
  suite,
  JSON.stringify({
    description: 'every alltoallv pattern at counts that are not powers of two',
    runs: PATTERNS.map((pattern) => ({ op: 'alltoallv', pattern, sizes: '1004,65540' })),
  }),
);

describe('alltoallv', () => {
  leavesNoProcess();

  for (const [launcher, backend] of BACKENDS)
    test(`${backend}: every pattern on 2, 3 and 4 ranks, every block checked, none wrong`, async () => {
      const json = join(dir, `all-${backend}.json`);
      const r = await ccbench([
        'suite',
        suite,
        '--launcher',
        launcher,
        '--backend',
        backend,
        '-n',
        '4',
        '--ranks',
        '2,3,4',
        '--check',
        '--json',
        json,
        ...QUICK,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const rows = readJson(json).results;
      for (const p of PATTERNS)
        for (const n of [2, 3, 4]) {
          const mine = rows.filter((x: any) => x.pattern.startsWith(p.split(':')[0]) && x.ranks === n);
          const label = `${p} on ${n} ranks`;
          assert.ok(mine.length > 0, label);
          for (const x of mine) {
            assert.equal(x.wrong, 0, label);
            assert.equal(x.rank_time_us.length, n, label);
            assert.equal(x.send_bytes.length, n, label);
            // The size column is the mean a rank sends; busbw comes from the busiest rank.
            const sent = x.send_bytes.reduce((a: number, b: number) => a + b, 0);
            const got = x.recv_bytes.reduce((a: number, b: number) => a + b, 0);
            assert.equal(got, sent, label);
            if (!p.startsWith('matrix'))
              assert.ok(
                x.send_bytes.every((b: number) => b === x.size_bytes),
                label,
              );
            assert.equal(x.alg_bytes, Math.max(...x.send_bytes, ...x.recv_bytes), label);
            assert.ok(Math.abs(x.busbw_gbs / x.algbw_gbs - (n - 1) / n) < 1e-9, label);
          }
        }
      // The byte matrix measures its own size (one per rank count): the mean of its top-left rows.
      const nt = rows.filter((x: any) => x.pattern === `matrix:${ntMatrix}`);
      assert.deepEqual(
        nt.map((x: any) => [x.ranks, x.size_bytes]),
        [
          [2, Math.floor((96 + 192 + 48 + 96) / 2 / 4) * 4],
          [3, Math.floor((96 + 192 + 144 + 48 + 96 + 64 + 288 + 144 + 192) / 3 / 4) * 4],
          [4, Math.floor((432 + 4304 + 640 + 1056) / 4 / 4) * 4],
        ],
      );
      assert.deepEqual(nt[2].recv_bytes, [432, 432, 1392, 4176]);
    });

  test('hot:1:0.5 on 4 MPI ranks: rank 0 receives twice the mean, each rank has its time, no wrong element', async () => {
    const json = join(dir, 'hot.json');
    const csv = join(dir, 'hot.csv');
    const r = await ccbench([
      'alltoallv',
      '--pattern',
      'hot:1:0.5',
      '-n',
      '4',
      '--check',
      '--json',
      json,
      '--csv',
      csv,
      '--sizes',
      '64K',
      '--iters',
      '3',
      '--warmup',
      '1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [row] = readJson(json).results;
    assert.equal(row.pattern, 'hot:1:0.5');
    // 16384 floats a row: 8192 to rank 0, the rest as even as whole elements go (2731, 2731, 2730).
    assert.deepEqual(row.send_bytes, [65536, 65536, 65536, 65536]);
    assert.deepEqual(row.recv_bytes, [131072, 43696, 43696, 43680]);
    assert.equal(row.imbalance.max_over_mean, 2);
    assert.ok(Math.abs(row.imbalance.gini - 0.25) < 1e-4, String(row.imbalance.gini));
    assert.equal(row.rank_time_us.length, 4);
    assert.ok(row.rank_time_us.every((t: number) => t > 0));
    assert.equal(Math.max(...row.rank_time_us), row.time_us.max);
    assert.equal(row.wrong, 0);
    // The table: the pattern in the title, the imbalance, Gini and slowest rank in the row, 100 columns.
    assert.match(r.stdout, /# alltoallv · 4 ranks · pattern hot:1:0\.5 · float32/);
    const head = r.stdout.split('\n').find((l) => l.startsWith('size (B)'))!;
    assert.match(head, /busbw\s+imb\s+gini\s+slow\s+#wrong$/);
    const line = r.stdout.split('\n').find((l) => /^\s+65536\s/.test(l))!;
    assert.match(line, /\s2\.00\s+0\.25\s+r[0-3]\s+0( +\*)?$/);
    for (const l of r.stdout.split('\n')) assert.ok(l.length <= 100, l);
    // The CSV: the pattern, both imbalance figures and the slowest rank's time after the common columns.
    const [head_, line_] = readFileSync(csv, 'utf8').trim().split('\n');
    const at = (name: string) => line_.split(',')[head_.split(',').indexOf(name)];
    assert.equal(at('pattern'), 'hot:1:0.5');
    assert.equal(Number(at('recv_max_over_mean')), 2);
    assert.equal(Number(at('rank_time_max_us')), row.time_us.max);
  });

  test('blocks misdelivered after the check op are caught (exit code 3)', async () => {
    const json = join(dir, 'misroute.json');
    const r = await ccbench(
      ['alltoallv', '--pattern', 'zipf:1', '-n', '3', '--check', '--json', json, '--sizes', '1004', ...QUICK],
      { env: { CCBENCH_FAULT_INJECT: 'misroute' } },
    );
    assert.equal(r.code, 3, r.stderr);
    assert.ok(readJson(json).results[0].wrong > 0);
  });

  test('MPI and Gloo ranks build the same matrix from the pattern and seed', async () => {
    const recv = [];
    for (const [launcher, backend] of BACKENDS) {
      const json = join(dir, `same-${backend}.json`);
      const r = await ccbench([
        'alltoallv',
        '--launcher',
        launcher,
        '--backend',
        backend,
        '--pattern',
        'dirichlet:0.5',
        '--seed',
        '99',
        '-n',
        '3',
        '--sizes',
        '4000',
        '--json',
        json,
        ...QUICK,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const [row] = readJson(json).results;
      assert.equal(row.pattern, 'dirichlet:0.5:99');
      recv.push(row.recv_bytes);
    }
    assert.deepEqual(recv[0], recv[1]);
    assert.notDeepEqual(recv[0], [4000, 4000, 4000]);
  });
});

describe('alltoallv bad inputs: one line, exit code 2', () => {
  leavesNoProcess();
  const bad = join(dir, 'bad');
  mkdirSync(bad);
  const file = (name: string, text: string) => {
    const p = join(bad, name);
    writeFileSync(p, text);
    return p;
  };
  const A = ['alltoallv', '-n', '4', '--sizes', '1K'];
  const CASES: [string, string[], RegExp][] = [
    ['an unknown pattern', [...A, '--pattern', 'skewed'], /--pattern 'skewed': unknown pattern 'skewed'/],
    ['a pattern without its numbers', [...A, '--pattern', 'zipf'], /zipf takes 1 value/],
    ['a non-number', [...A, '--pattern', 'zipf:x'], /the exponent s must be a number, not 'x'/],
    ['a negative number', [...A, '--pattern', 'dirichlet:-1'], /alpha must be a number, not '-1'/],
    ['a fraction above 1', [...A, '--pattern', 'hot:1:2'], /the fraction must be between 0 and 1/],
    ['as many hot ranks as ranks', [...A, '--pattern', 'hot:4:0.5'], /needs more ranks than its 4 hot ones/],
    ['a seed too large', [...A, '--pattern', 'random', '--seed', '4294967296'], /--seed must be at most 4294967295/],
    ['a seed that is not a number', [...A, '--seed', 'abc'], /--seed takes a whole number, not 'abc'/],
    ['in place', [...A, '--in-place'], /alltoallv has no in-place form; drop --in-place/],
    ['a missing matrix file', [...A, '--pattern', `matrix:${join(bad, 'none.txt')}`], /cannot be read \(ENOENT\)/],
    ['a directory as the matrix', [...A, '--pattern', `matrix:${bad}`], /is a directory; give a matrix file/],
    [
      'a matrix smaller than the ranks',
      [...A, '--pattern', `matrix:${file('small.txt', '16 16 16\n16 16 16\n16 16 16\n')}`],
      /is 3 × 3, too small for 4 ranks/,
    ],
    [
      'a matrix that is not square',
      [...A, '--pattern', `matrix:${file('rect.txt', '16 16 16 16\n16 16 16 16\n')}`],
      /must be square: 2 rows, but row 1 has 4 numbers/,
    ],
    [
      'a negative cell',
      [...A, '--pattern', `matrix:${file('neg.txt', '16 -16\n16 16\n')}`],
      /row 1, column 2 is '-16', not a non-negative number/,
    ],
    ['an empty matrix file', [...A, '--pattern', `matrix:${file('empty.txt', '# nothing\n')}`], /holds no matrix/],
  ];
  for (const [name, args, needle] of CASES)
    test(name, async () => {
      const r = await ccbench(args, { timeoutMs: 30_000 });
      const lines = r.stderr.split('\n').filter((l) => l.length > 0);
      assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
      assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
      assert.match(lines[0], /^ccbench: /);
      assert.match(lines[0], needle);
      assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
      assert.equal(r.stdout, '');
    });
});
