// The limits a process really has, and a crowded start: the memory check obeys a memory cgroup
// (v1 or v2) and ulimit -v, not only the machine's total; ranks whose control connection is
// refused or dropped during a connection burst retry until --timeout; ranks whose mpirun is
// killed end the job themselves.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ccbench, CLI, freePort, leavesNoProcess, readJson, run, sleep, strays, tempDir, waitFor } from './helpers.js';

const dir = tempDir();

/** A memory cgroup of our own to put a process in, v2 or v1, or why there is none. */
function memoryCgroup(limit: number): { procs: string; remove: () => void } | string {
  const v2 = '/sys/fs/cgroup/cgroup.controllers';
  const candidates =
    existsSync(v2) && readFileSync(v2, 'utf8').includes('memory')
      ? [['/sys/fs/cgroup', 'memory.max']]
      : [
          ['/sys/fs/cgroup/memory', 'memory.limit_in_bytes'],
          ['/sys/fs/cgroup/unified', 'memory.max'],
        ];
  for (const [root, file] of candidates) {
    const path = join(root, `ccbench-test-${process.pid}`);
    try {
      mkdirSync(path);
      writeFileSync(join(path, file), String(limit));
      return { procs: join(path, 'cgroup.procs'), remove: () => rmdirSync(path) };
    } catch {
      try {
        rmdirSync(path);
      } catch {
        // never made
      }
    }
  }
  return 'no memory cgroup can be made here (needs root and a writable cgroup file system)';
}

describe('limits and a crowded start', () => {
  leavesNoProcess();

  const cg = memoryCgroup(512 * 1024 ** 2);
  test(
    'a memory cgroup of 512 MiB: a run that needs more is refused, naming what is available',
    { skip: typeof cg === 'string' ? cg : undefined },
    async () => {
      const group = cg as { procs: string; remove: () => void };
      try {
        const script = `echo $$ > ${group.procs} && exec ${process.execPath} ${CLI} allreduce --launcher local --backend gloo -n 2 --sizes 512M --dtype float64`;
        const r = await run('sh', ['-c', script]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(
          r.stderr,
          /^ccbench: the buffers need 2 × 1 GiB = 2 GiB of memory on .+ but only \d+(\.\d)? MiB is available/,
        );
        const fits = `echo $$ > ${group.procs} && exec ${process.execPath} ${CLI} allreduce --launcher local --backend gloo -n 2 --sizes 1M --iters 5 -q`;
        assert.equal((await run('sh', ['-c', fits])).code, 0, 'a run that fits still runs');
      } finally {
        await waitFor(() => readFileSync(group.procs, 'utf8').trim() === '', 5000).catch(() => {});
        group.remove();
      }
    },
  );

  test('ulimit -v: a run whose buffers do not fit the address space left is refused', async () => {
    const r = await run('bash', [
      '-c',
      `ulimit -v 6000000 && exec ${process.execPath} ${CLI} allreduce --launcher local --backend gloo -n 2 --sizes 4G --dtype float64`,
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^ccbench: the buffers need 8 GiB of address space per rank .* ulimit -v leaves only/);
  });

  test('a burst of connections at start-up: the rank they crowd out retries and the job completes', async () => {
    const port = await freePort();
    const json = join(dir, 'burst.json');
    const args = [
      'allreduce',
      '--backend',
      'gloo',
      '--sizes',
      '8:64',
      '--iters',
      '20',
      '--check',
      '--control-addr',
      `127.0.0.1:${port}`,
      '--timeout',
      '30',
      '--json',
      json,
    ];
    const env = (r: number) => ({
      CCBENCH_RANK: String(r),
      CCBENCH_SIZE: '2',
      CCBENCH_LOCAL_RANK: String(r),
      CCBENCH_LOCAL_SIZE: '2',
      CCBENCH_JOB_SECRET: 'burst',
    });
    const r0 = ccbench(args, { env: env(0) });
    const sockets: Socket[] = [];
    // Rank 0 admits at most 512 connections that have not authenticated: hold more than that open.
    await waitFor(() => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
      return s.connecting === true && sockets.length > 1;
    }, 20_000);
    for (let i = 0; i < 600; i++) sockets.push(connect(port, '127.0.0.1').on('error', () => {}));
    await sleep(300);
    const r1 = await ccbench(args, { env: env(1) });
    for (const s of sockets) s.destroy();
    const root = await r0;
    assert.equal(root.code, 0, root.stderr);
    assert.equal(r1.code, 0, r1.stderr);
    assert.ok(readJson(json).results.every((x: { wrong: number }) => x.wrong === 0));
  });

  test('mpirun itself killed: the orphaned ranks end the job and say how it ended', async () => {
    const json = join(dir, 'orphan.json');
    let commander = 0;
    const p = run(
      'setsid',
      [
        process.execPath,
        CLI,
        'allreduce',
        '--launcher',
        'mpirun',
        '--backend',
        'mpi',
        '-n',
        '2',
        '--sizes',
        '8:1K',
        '--iters',
        '100000000',
        '--max-time-per-size',
        '0.3',
        '-q',
        '--json',
        json,
      ],
      { onSpawn: (x) => (commander = x) },
    );
    await waitFor(() => existsSync(json) && readJson(json).results.length >= 1);
    const mpirun = Number(
      execFileSync('pgrep', ['-P', String(commander)], { encoding: 'utf8' })
        .trim()
        .split('\n')[0],
    );
    const t0 = Date.now();
    process.kill(mpirun, 'SIGKILL');
    await p;
    await waitFor(() => strays().length === 0, 8000);
    assert.ok(Date.now() - t0 < 8000, `ranks ended ${Date.now() - t0} ms after mpirun was killed`);
    const doc = readJson(json);
    assert.notEqual(doc.status, 'running', JSON.stringify(doc.errors));
  });
});
