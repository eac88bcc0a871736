// Shared by the tests that start real processes: run the CLI (directly or under mpirun) with a
// time bound, and find processes a test left behind.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { after } from 'node:test';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'bin', 'ccbench.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Called once the process is started (e.g. to signal it later). */
  onSpawn?: (pid: number) => void;
}

/** A marker in the environment of everything a test starts, to find leftovers afterwards. */
export const MARK = `ccbench-test-${process.pid}`;

export function run(file: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: o.cwd,
      env: { ...process.env, CCBENCH_TEST_MARK: MARK, ...o.env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('spawn', () => o.onSpawn?.(child.pid as number));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** ccbench as a user types it: the CLI starts its own ranks. */
export function ccbench(args: string[], o: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], o);
}

/** ccbench started by mpirun, each process a rank (Open MPI, local shared memory). */
export function mpirunCcbench(np: number, args: string[], o: RunOptions = {}): Promise<RunResult> {
  return run('mpirun', ['--quiet', '--oversubscribe', '-np', String(np), process.execPath, CLI, ...args], {
    ...o,
    env: {
      OMPI_ALLOW_RUN_AS_ROOT: '1',
      OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
      OMPI_MCA_pml: 'ob1',
      OMPI_MCA_btl: 'self,vader',
      ...o.env,
    },
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ccbench-test-'));
}

/** Pids of live processes whose environment carries this test run's marker. */
export function strays(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').includes(`CCBENCH_TEST_MARK=${MARK}`)) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

export function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` (which may throw while a file is being replaced) until it holds, bounded. */
export async function waitFor(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (cond()) return;
    } catch {
      // the file is being replaced, or not there yet
    }
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(100);
  }
}

/** In a describe(): after its tests, every process they started has gone (bounded wait). */
export function leavesNoProcess(): void {
  after(async () => {
    await waitFor(() => strays().length === 0, 10_000).catch(() => {});
    assert.deepEqual(strays(), [], 'no process left behind');
  });
}

/** Why the Slurm tests cannot run (no cluster at SLURM_CONF), or undefined when one is up. */
export function slurmMissing(env: Record<string, string>): string | undefined {
  try {
    execFileSync(join(ROOT, 'test', 'slurm', 'cluster.sh'), ['status'], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
      timeout: 20_000,
    });
    return undefined;
  } catch {
    return 'no Slurm cluster is running (start one with test/slurm/cluster.sh start; .ci/run does)';
  }
}

/**
 * A TCP port on 127.0.0.1 that is free now, drawn below the kernel's ephemeral range so that no
 * outgoing connection of a parallel test can take it before the run binds it.
 */
export async function freePort(): Promise<number> {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const top = Math.min(low ?? 32768, 32768) - 1;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 10000 + Math.floor(Math.random() * (top - 10000));
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port below the ephemeral range after 50 tries');
}
