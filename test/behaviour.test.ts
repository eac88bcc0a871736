// What exists behaves as documented, run for real on MPI and Gloo ranks: the JSON status of a
// failed check, SIGINT recorded as SIGINT, what --backend auto chose and why, oversubscribed
// hosts, 0-byte point-to-point, --quiet without a file, the Markdown exporter, `info` and runs
// agreeing on the MPI's GPU awareness.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ccbench, CLI, leavesNoProcess, readJson, run, tempDir, waitFor } from './helpers.js';

const dir = tempDir();
const QUICK = ['--iters', '20', '--warmup', '2'];

describe('behaviour', () => {
  leavesNoProcess();

  test('a failed --check: exit code 3 and JSON status check-failed', async () => {
    const json = join(dir, 'check-failed.json');
    const r = await ccbench(['allreduce', '--sizes', '8:32', '-n', '2', '--check', '--json', json, ...QUICK], {
      env: { CCBENCH_FAULT_INJECT: 'corrupt-output' },
    });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(readJson(json).status, 'check-failed');
    const ok = join(dir, 'check-ok.json');
    assert.equal(
      (await ccbench(['allreduce', '--sizes', '8:32', '-n', '2', '--check', '--json', ok, ...QUICK])).code,
      0,
    );
    assert.equal(readJson(ok).status, 'complete');
  });

  for (const [launcher, backend] of [
    ['mpirun', 'mpi'],
    ['local', 'gloo'],
  ])
    test(`Ctrl-C under ${launcher}: exit code 130 and the JSON says SIGINT`, async () => {
      const json = join(dir, `sigint-${launcher}.json`);
      // A shell of its own (setsid), so the SIGINT goes to a process group as a terminal's does.
      const cmd = `exec ${process.execPath} ${CLI} allreduce --launcher ${launcher} --backend ${backend} -n 2 --sizes 8:1K --iters 100000000 --max-time-per-size 0.3 -q --json ${json}`;
      let pid = 0;
      const p = run('setsid', ['bash', '-c', cmd], { onSpawn: (x) => (pid = x) });
      await waitFor(() => existsSync(json) && readJson(json).results.length >= 1);
      process.kill(-pid, 'SIGINT');
      const r = await p;
      assert.equal(r.code, 130, r.stderr);
      const doc = readJson(json);
      assert.equal(doc.status, 'interrupted');
      assert.deepEqual(doc.errors, ['received SIGINT']);
    });

  test('--backend auto says what it chose and why: in the printed header and in the JSON', async () => {
    const json = join(dir, 'auto-local.json');
    const r = await ccbench(['allreduce', '--launcher', 'local', '-n', '2', '--sizes', '8', '--json', json, ...QUICK]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# backend gloo, chosen by --backend auto: no GPU found, not an MPI job$/m);
    assert.equal(readJson(json).backend.chosen_by, 'auto: no GPU found, not an MPI job');
    const mpi = join(dir, 'auto-mpi.json');
    const m = await ccbench(['allreduce', '-n', '2', '--sizes', '8', '--json', mpi, ...QUICK]);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /^# backend mpi, chosen by --backend auto: no GPU found, an MPI job$/m);
    const given = join(dir, 'given.json');
    const g = await ccbench(['allreduce', '-n', '2', '--backend', 'mpi', '--sizes', '8', '--json', given, ...QUICK]);
    assert.doesNotMatch(g.stdout, /chosen by/);
    assert.equal(readJson(given).backend.chosen_by, undefined);
  });

  test('more ranks than CPUs: one line, the JSON, and MPI told to yield', async () => {
    const cpus = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
    const n = 2 * cpus;
    const json = join(dir, 'oversubscribed.json');
    const r = await ccbench([
      'allreduce',
      '-n',
      String(n),
      '--backend',
      'mpi',
      '--sizes',
      '8',
      '--json',
      json,
      ...QUICK,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter((l) => / ranks share \d+ CPUs? on /.test(l)).length, 1, r.stdout);
    const doc = readJson(json);
    assert.equal(doc.oversubscribed.length, 1);
    assert.deepEqual([doc.oversubscribed[0].ranks, doc.oversubscribed[0].cpus], [n, cpus]);
    assert.equal(doc.environment.OMPI_MCA_mpi_yield_when_idle, '1');
    const fits = join(dir, 'fits.json');
    assert.equal(
      (await ccbench(['allreduce', '-n', '2', '--backend', 'mpi', '--sizes', '8', '--json', fits, ...QUICK])).code,
      0,
    );
    assert.deepEqual(readJson(fits).oversubscribed, []);
  });

  for (const [launcher, backend] of [
    ['mpirun', 'mpi'],
    ['local', 'gloo'],
  ])
    test(`0-byte point-to-point messages on ${backend}, checked`, async () => {
      const json = join(dir, `zero-${backend}.json`);
      const r = await ccbench([
        'all',
        '--launcher',
        launcher,
        '--backend',
        backend,
        '-n',
        '2',
        '--sizes',
        '0:64',
        '--check',
        '-q',
        '--json',
        json,
        ...QUICK,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const rows = readJson(json).results;
      for (const op of ['latency', 'bw', 'bibw']) {
        const mine = rows.filter((x: any) => x.op === op);
        assert.deepEqual(
          mine.map((x: any) => x.size_bytes),
          [0, 1, 2, 4, 8, 16, 32, 64],
          op,
        );
        assert.ok(
          mine.every((x: any) => x.dtype === 'int8' && x.wrong === 0 && x.time_us.avg > 0),
          op,
        );
      }
      assert.ok(
        !rows.some((x: any) => x.op === 'allreduce' && x.size_bytes < 4),
        'collectives skip what holds no element',
      );
    });

  test('--quiet with no output file warns that the results go nowhere', async () => {
    const r = await ccbench(['allreduce', '-n', '2', '--sizes', '8', '-q', ...QUICK]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /note: --quiet and no output file: the results are printed nowhere/);
  });

  test('--format markdown on standard output and --out to a file give the same GitHub table', async () => {
    const md = join(dir, 'r.md');
    const json = join(dir, 'r.json');
    const r = await ccbench([
      'reduce',
      '-n',
      '2',
      '--backend',
      'mpi',
      '--sizes',
      '8:64',
      '--check',
      '--format',
      'markdown',
      '--out',
      md,
      '--out',
      `json:${json}`,
      ...QUICK,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(md, 'utf8'));
    const table = parseGfm(r.stdout);
    assert.deepEqual(table.head.slice(0, 3), ['size (B)', 'count', 'type']);
    assert.deepEqual(
      table.rows.map((c) => Number(c[0])),
      readJson(json).results.map((x: any) => x.size_bytes),
    );
    assert.ok(table.rows.every((c) => c[table.head.indexOf('#wrong')] === '0'));
    assert.match(r.stdout, /\*\*check:\*\* 0 wrong elements: OK/);
  });

  test("`info` and a run say the same of the MPI's GPU awareness (both ask the MPI)", async () => {
    const i = await ccbench(['info', '--json']);
    assert.equal(i.code, 0, i.stderr);
    const json = join(dir, 'aware.json');
    assert.equal(
      (await ccbench(['allreduce', '-n', '2', '--backend', 'mpi', '--sizes', '8', '--json', json, ...QUICK])).code,
      0,
    );
    const fromInfo = JSON.parse(i.stdout).mpi.gpu_awareness;
    assert.equal(fromInfo, readJson(json).system.mpi.gpu_awareness);
    assert.match(fromInfo, /^CUDA: (yes|no|unknown), ROCm: (yes|no|unknown)$/);
  });
});

/**
 * A GitHub-flavoured Markdown table read as GFM defines it (github.github.com/gfm/ §4.10): a
 * header row, a delimiter row of dashes with optional colons, then body rows; cells split on
 * unescaped pipes, leading and trailing pipes optional.
 */
function parseGfm(text: string): { head: string[]; rows: string[][] } {
  const cells = (l: string) =>
    l
      .trim()
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
  const lines = text.split('\n');
  const at = lines.findIndex(
    (l, i) => /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$/.test(lines[i + 1] ?? '') && l.includes('|'),
  );
  assert.ok(at >= 0, `no GFM table in:\n${text}`);
  const head = cells(lines[at]);
  assert.equal(cells(lines[at + 1]).length, head.length, 'the delimiter row has a cell per column');
  const rows: string[][] = [];
  for (let i = at + 2; i < lines.length && lines[i].trim().startsWith('|'); i++) rows.push(cells(lines[i]));
  for (const r of rows) assert.equal(r.length, head.length);
  return { head, rows };
}
