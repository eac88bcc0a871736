// The interruption matrix: the commander, rank 0 and rank 1, each sent SIGINT, SIGTERM, SIGKILL
// or SIGSTOP, under mpirun and under ccbench's local launcher. Every case ends in bounded time
// with the documented exit code, a message naming the rank where one died or stopped, no process
// left behind, and result files that agree with each other and say how the run ended.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, leavesNoProcess, readJson, run, sleep, strays, tempDir, waitFor } from './helpers.js';

const dir = tempDir();
const TIMEOUT = 3; // --timeout, seconds
const LONG = ['--sizes', '8:1K', '--iters', '100000000', '--max-time-per-size', '0.3', '--timeout', String(TIMEOUT)];

type Victim = 'commander' | 'rank 0' | 'rank 1';
type Sig = 'SIGINT' | 'SIGTERM' | 'SIGKILL' | 'SIGSTOP';

/** What each case must end with: exit code (null: the commander itself was killed), the message, the JSON status. */
function expected(
  victim: Victim,
  sig: Sig,
): { code: number | null; message?: RegExp; status: string[]; boundMs: number } {
  const quick = 8000;
  if (sig === 'SIGINT') return { code: 130, status: ['interrupted'], boundMs: quick };
  if (sig === 'SIGTERM') return { code: 143, status: ['interrupted'], boundMs: quick };
  if (victim === 'commander' && sig === 'SIGKILL') return { code: null, status: ['interrupted'], boundMs: quick };
  if (victim === 'commander') return { code: 130, status: ['interrupted'], boundMs: quick }; // stopped, resumed, then Ctrl-C
  const who = victim === 'rank 0' ? '0' : '1';
  if (sig === 'SIGKILL')
    return {
      code: 4,
      message:
        who === '0' ? /lost the connection to rank 0 \(.+\) during allreduce/ : /rank 1 \(.+\) died during allreduce/,
      status: ['failed'],
      boundMs: quick,
    };
  return {
    code: 124,
    message: new RegExp(`rank ${who} \\(.+\\) has sent nothing for \\d+ s \\(stopped or hung\\)`),
    status: ['failed'],
    boundMs: (TIMEOUT + 5) * 1000,
  };
}

const csvSizes = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[2]);

describe('interruption matrix', () => {
  leavesNoProcess();

  for (const [launcher, backend] of [
    ['mpirun', 'mpi'],
    ['local', 'gloo'],
  ])
    for (const victim of ['commander', 'rank 0', 'rank 1'] as Victim[])
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL', 'SIGSTOP'] as Sig[])
        test(`${launcher}: ${victim} gets ${sig}`, async () => {
          const base = join(dir, `${launcher}-${victim.replace(' ', '')}-${sig}`);
          const cmd = [
            process.execPath,
            CLI,
            'allreduce',
            '--launcher',
            launcher,
            '--backend',
            backend,
            '-n',
            '2',
            ...LONG,
            '-q',
            '--json',
            `${base}.json`,
            '--csv',
            `${base}.csv`,
          ];
          let commander = 0;
          const p = run('setsid', cmd, { onSpawn: (x) => (commander = x), timeoutMs: 60_000 });
          await waitFor(() => existsSync(`${base}.json`) && readJson(`${base}.json`).results.length >= 1);
          const pid =
            victim === 'commander'
              ? commander
              : (readJson(`${base}.json`).ranks[victim === 'rank 0' ? 0 : 1].pid as number);
          const want = expected(victim, sig);
          let t0 = Date.now();
          process.kill(pid, sig);
          if (victim === 'commander' && sig === 'SIGSTOP') {
            // The commander is not in the data path: the sweep goes on while it is stopped.
            const rows = readJson(`${base}.json`).results.length;
            await waitFor(() => readJson(`${base}.json`).results.length > rows, 10_000);
            process.kill(pid, 'SIGCONT');
            t0 = Date.now();
            process.kill(pid, 'SIGINT');
          }
          const r = await p;
          const ms = Date.now() - t0;
          if (want.code === null) assert.equal(r.signal, 'SIGKILL');
          else assert.equal(r.code, want.code, r.stderr);
          if (want.message) {
            const ours = r.stderr.split('\n').filter((l) => l.startsWith('ccbench:'));
            assert.equal(ours.length, 1, r.stderr);
            assert.match(ours[0], want.message);
          }
          assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
          // Everything is gone within the bound, also when the commander was killed.
          await waitFor(() => strays().length === 0, want.boundMs);
          assert.ok(ms < want.boundMs, `the commander ended ${ms} ms after the signal (bound ${want.boundMs} ms)`);
          await waitFor(() => want.status.includes(readJson(`${base}.json`).status), 5000).catch(() => {});
          const doc = readJson(`${base}.json`);
          assert.ok(want.status.includes(doc.status), `status ${doc.status}, errors ${JSON.stringify(doc.errors)}`);
          assert.ok(doc.errors.length >= 1, 'the JSON says why it ended');
          assert.deepEqual(
            csvSizes(`${base}.csv`),
            doc.results.map((x: { size_bytes: number }) => String(x.size_bytes)),
            'CSV and JSON hold the same sizes',
          );
          await sleep(100);
        });
});
