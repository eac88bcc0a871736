// Output files are never damaged by a run that did not own them, hold the same finished sizes in
// every format when a run is interrupted, survive a full disk with their rows, and a big sweep's
// JSON costs what its rows cost (appended, not rewritten).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ccbench, leavesNoProcess, mpirunCcbench, readJson, run, type RunResult, tempDir, waitFor } from './helpers.js';

const dir = tempDir();
const QUICK = ['--iters', '20', '--warmup', '2'];
const LONG = ['--sizes', '8:1K', '--iters', '100000000', '--max-time-per-size', '0.3'];

function oneLine(r: RunResult, code: number, ...needles: RegExp[]): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(r.code, code, r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  for (const n of needles) assert.match(lines[0], n);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

const csvRows = (path: string) => readFileSync(path, 'utf8').trim().split('\n').slice(1);

describe('output files', () => {
  leavesNoProcess();

  test('a refused existing file is never written afterwards, typed or started by mpirun, also through a symlink', async () => {
    const precious = join(dir, 'precious.json');
    writeFileSync(precious, 'precious\n');
    const link = join(dir, 'link.json');
    symlinkSync(precious, link);
    for (const path of [precious, link]) {
      oneLine(await ccbench(['allreduce', '-n', '2', '--sizes', '8', '--json', path, ...QUICK]), 2, /already exists/);
      const m = await mpirunCcbench(2, ['allreduce', '--sizes', '8', '--json', path, ...QUICK]);
      assert.equal(m.code, 2, m.stderr);
      assert.match(m.stderr, /already exists/);
      assert.equal(readFileSync(precious, 'utf8'), 'precious\n', `untouched via ${path}`);
    }
  });

  test('two runs racing on one path: one writes it, whole; the other refuses and leaves it alone', async () => {
    const path = join(dir, 'race.json');
    const args = ['allreduce', '--sizes', '8:4K', '--json', path, ...QUICK];
    const [a, b] = await Promise.all([mpirunCcbench(2, args), mpirunCcbench(2, args)]);
    assert.deepEqual([a.code, b.code].sort(), [0, 2], `${a.stderr}\n${b.stderr}`);
    const doc = readJson(path);
    assert.equal(doc.status, 'complete');
    assert.equal(doc.results.length, 10);
  });

  test('--overwrite replaces only a regular file: a device, a FIFO, a directory are refused up front, at once', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    mkdirSync(join(dir, 'adir'));
    for (const [path, what] of [
      ['/dev/null', 'a device'],
      [fifo, 'a FIFO'],
      [join(dir, 'adir'), 'a directory'],
    ]) {
      const r = await ccbench(['allreduce', '-n', '2', '--sizes', '8', '--overwrite', '--json', path, ...QUICK], {
        timeoutMs: 20_000,
      });
      oneLine(r, 2, new RegExp(`is ${what}`));
      assert.ok(r.ms < 15_000, `refused in ${r.ms} ms`);
    }
    assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null is still a device');
    assert.ok(statSync(fifo).isFIFO());
  });

  test('two outputs that are one file (a symlink, a hard link) are refused up front, and an empty name', async () => {
    const a = join(dir, 'one.csv');
    writeFileSync(a, 'x\n');
    symlinkSync(a, join(dir, 'sym.json'));
    linkSync(a, join(dir, 'hard.md'));
    oneLine(
      await ccbench(['allreduce', '--sizes', '8', '--overwrite', '--csv', a, '--json', join(dir, 'sym.json')]),
      2,
      /--json and --csv name the same file/,
    );
    oneLine(
      await ccbench(['allreduce', '--sizes', '8', '--overwrite', '--csv', a, '--out', join(dir, 'hard.md')]),
      2,
      /--csv and --out markdown name the same file/,
    );
    oneLine(await ccbench(['allreduce', '--sizes', '8', '--json', '']), 2, /--json needs a file name/);
    assert.equal(readFileSync(a, 'utf8'), 'x\n');
  });

  for (const [launcher, backend] of [
    ['mpirun', 'mpi'],
    ['local', 'gloo'],
  ])
    for (const sig of ['SIGINT', 'SIGTERM'] as const)
      test(`${sig} under ${launcher}: the CSV, the Markdown and the JSON hold the same finished sizes`, async () => {
        const base = join(dir, `same-${launcher}-${sig}`);
        let pid = 0;
        const cmd = `exec ${process.execPath} ${join(process.cwd(), 'bin', 'ccbench.js')} allreduce --launcher ${launcher} --backend ${backend} -n 2 ${LONG.join(' ')} -q --json ${base}.json --csv ${base}.csv --out ${base}.md`;
        const p = run('setsid', ['bash', '-c', cmd], { onSpawn: (x) => (pid = x) });
        await waitFor(() => existsSync(`${base}.json`) && readJson(`${base}.json`).results.length >= 2);
        process.kill(sig === 'SIGINT' ? -pid : pid, sig);
        const r = await p;
        assert.equal(r.code, sig === 'SIGINT' ? 130 : 143, r.stderr);
        const doc = readJson(`${base}.json`);
        assert.equal(doc.status, 'interrupted');
        const sizes = doc.results.map((x: any) => String(x.size_bytes));
        assert.deepEqual(
          csvRows(`${base}.csv`).map((l) => l.split(',')[2]),
          sizes,
          'CSV rows',
        );
        const md = readFileSync(`${base}.md`, 'utf8')
          .split('\n')
          .filter((l) => /^\| \d/.test(l))
          .map((l) => l.split('|')[1].trim());
        assert.deepEqual(md, sizes, 'Markdown rows');
      });

  test(
    'a full disk: the file and ENOSPC named, the run failed, the rows before kept, no temporary file',
    { skip: process.getuid?.() !== 0 ? 'needs root to mount a small tmpfs' : undefined },
    async () => {
      const mnt = join(dir, 'small');
      mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
      try {
        const json = join(mnt, 'r.json');
        const csv = join(dir, 'full.csv');
        const r = await ccbench([
          'allreduce',
          '-n',
          '2',
          '--backend',
          'mpi',
          '--sizes',
          '8:16K:+8',
          '--iters',
          '2',
          '--warmup',
          '0',
          '-q',
          '--json',
          json,
          '--csv',
          csv,
        ]);
        oneLine(
          r,
          2,
          new RegExp(
            `cannot write --json ${json.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no space left on the device \\(ENOSPC\\)`,
          ),
        );
        const doc = readJson(json); // still a whole document
        assert.equal(doc.status, 'failed');
        assert.ok(doc.results.length > 5, `rows kept: ${doc.results.length}`);
        assert.deepEqual(readdirSync(mnt), ['r.json'], 'no temporary file');
        assert.ok(csvRows(csv).length >= doc.results.length, 'the CSV on another disk has every row the JSON has');
      } finally {
        execFileSync('umount', [mnt]);
        rmdirSync(mnt);
      }
    },
  );
});
