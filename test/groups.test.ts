// --groups g on real ranks (MPI and Gloo): the ranks split into disjoint groups that run each
// point at once on their own communicators, group 0 alone first for the slowdown; bad requests.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { groupOf, groupsOf } from '../src/rank/groups.js';
import { ccbench, readJson, strays, tempDir } from './helpers.js';

const dir = tempDir();
const QUICK = ['--iters', '10', '--warmup', '2'];

describe('--groups', () => {
  after(() => assert.deepEqual(strays(), [], 'no process left behind'));

  test('groups are consecutive ranks; the row figures per group, from the ranks that report', () => {
    assert.deepEqual(groupOf(5, 2), { color: 2, members: [4, 5] });
    assert.deepEqual(groupOf(0, 3), { color: 0, members: [0, 1, 2] });
    const parts = [
      { group: 0, meanUs: 12, aloneUs: 6 },
      { group: 0, meanUs: 8, aloneUs: 4 },
      { group: 1, meanUs: 20 },
      { group: 1, meanUs: 20 },
    ];
    assert.deepEqual(groupsOf(parts, 2), {
      copies: 2,
      alone_us: 5,
      together_us: 15,
      slowdown: 2,
      copy_us: [10, 20],
      group_size: 2,
    });
    assert.equal(groupsOf([{ meanUs: 1 }], 2), undefined);
  });

  for (const [backend, extra, op] of [
    ['mpi', [], 'allreduce'],
    ['gloo', ['--launcher', 'local'], 'alltoall'],
  ] as const)
    test(`${op} in two groups of 2 on ${backend}: checked, each group's time, group 0 alone`, async () => {
      const json = join(dir, `${backend}.json`);
      const r = await ccbench([
        op,
        '--groups',
        '2',
        '-n',
        '4',
        '--backend',
        backend,
        ...extra,
        '--sizes',
        '1K,16K',
        ...QUICK,
        '--check',
        '--json',
        json,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /disjoint groups of 2 ranks, all at once/);
      const doc = readJson(json);
      assert.equal(doc.plan.groups, 2);
      assert.equal(doc.results.length, 2);
      for (const row of doc.results) {
        assert.equal(row.ranks, 2, 'a row is one group');
        assert.equal(row.wrong, 0);
        const c = row.concurrent;
        assert.equal(c.group_size, 2);
        assert.equal(c.copies, 2);
        assert.equal(c.copy_us.length, 2);
        assert.ok(c.alone_us > 0 && c.slowdown > 0, JSON.stringify(c));
        assert.ok(Math.abs(c.aggregate_busbw_gbs - 2 * row.busbw_gbs) < 1e-9 * c.aggregate_busbw_gbs);
      }
    });

  test('latency in two groups of 2: two pairs at once', async () => {
    const r = await ccbench([
      'latency',
      '--groups',
      '2',
      '-n',
      '4',
      '--sizes',
      '8',
      ...QUICK,
      '-q',
      '--json',
      join(dir, 'lat.json'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [row] = readJson(join(dir, 'lat.json')).results;
    assert.equal(row.concurrent.copies, 2);
  });

  test('refused with one line and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--groups', '3', '-n', '4'], /--groups 3 must divide the 4 ranks into two or more groups/],
      [['--groups', '4', '-n', '4'], /--groups 4 must divide/],
      [['--groups', '2', '-n', '4', '--ranks', '2,4'], /cannot be combined with --ranks/],
      [['--groups', '2', '-n', '4', '--concurrent', '2'], /cannot be combined with --concurrent/],
      [['--groups', '2', '-n', '4', '--overlap'], /cannot be combined with --overlap/],
      [['--groups', '0', '-n', '4'], /--groups/],
    ];
    for (const [args, msg] of cases) {
      const r = await ccbench(['allreduce', ...args, '--sizes', '8']);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, msg);
    }
  });
});
