// npm run bench:scale — the control plane alone at many ranks (issue 13, part 6): simulated ranks
// (bench/scale-rank.ts: ccbench's real TCP control plane, heartbeats and result encoding, no
// backend) spread over the namespace cluster's hosts, rank 0 in its own process on ctl and one
// process per host holding a block of the other ranks (ctl, n1, n2, in rank order, as a launcher
// places them). Per rank count and repetition: the rendezvous (rank 0 listening → every rank
// authenticated and the idents allgathered: joinJob), the plan broadcast, barriers, one gather
// per point of a default `ccbench allreduce` sweep (8:64M, OSU's iteration counts: 1,000 samples
// per rank up to 8 KiB, 100 above), rank 0's memory and fds, and its CPU time while only heartbeats
// flow (--idle ms). Median and range over repetitions.
//   npm run bench:scale -- [--counts 64,256,1024] [--reps 5] [--sizes 8:64M] [--rank0-nofile N]
//                          [--idle ms] [--local] [--out file.json]
//   npm run bench:scale -- --summarize <file>: a stored file's summaries computed again
// --local: every process on this host, rank 0 on 127.0.0.1 (no cluster; test/scale.test.ts).
// --rank0-nofile: rank 0 under `ulimit -n N` (the usual default soft limit is 1024).
// Results: results/scale/<time>.json (or --out), with the machine and the links' shaping check.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadAddon } from '../src/native/addon.js';
import { machine, ROOT, saveResults } from './machine.js';
import { fits, summarize, type Rep } from './scale-summary.js';

const FIXTURE = join(ROOT, 'test', 'cluster', 'cluster.sh');
const CLUSTER_DIR = '/var/tmp/ccbench-cluster';
const RANK = join(ROOT, 'dist', 'bench', 'scale-rank.js');
const HOSTS = ['ctl', 'n1', 'n2'];

const { values: a } = parseArgs({
  options: {
    counts: { type: 'string', default: '64,256,1024' },
    reps: { type: 'string', default: '5' },
    sizes: { type: 'string', default: '8:64M' },
    barriers: { type: 'string', default: '20' },
    idle: { type: 'string', default: '3000' },
    timeout: { type: 'string', default: '60' },
    'rank0-nofile': { type: 'string' },
    local: { type: 'boolean', default: false },
    out: { type: 'string' },
    summarize: { type: 'string' },
  },
});
const counts = String(a.counts).split(',').map(Number);
const reps = Number(a.reps);
const timeoutSec = Number(a.timeout);
const nofile = a['rank0-nofile'] ? Number(a['rank0-nofile']) : undefined;
if (counts.some((n) => !Number.isInteger(n) || n < 4) || !(reps >= 1) || !(timeoutSec >= 5)) {
  process.stderr.write('bench:scale: --counts takes integers of 4 or more, --reps 1 or more, --timeout 5 or more\n');
  process.exit(2);
}

interface Proc {
  host: string;
  child: ChildProcess;
  msgs: Record<string, unknown>[];
  wake: () => void;
  stderr: string;
  exited: Promise<number | null>;
}

function start(host: string, cfg: Record<string, unknown>, env: NodeJS.ProcessEnv, ulimit?: number): Proc {
  // As bin/ccbench.js starts every rank: V8 without its worker threads.
  const node = ['node', '--single-threaded', RANK, JSON.stringify(cfg)];
  const cmd = ulimit ? ['sh', '-c', 'ulimit -n "$0" && exec "$@"', String(ulimit), ...node] : node;
  const [file, ...args] = a.local ? cmd : [FIXTURE, 'run', host, ...cmd];
  const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const p: Proc = {
    host,
    child,
    msgs: [],
    wake: () => {},
    stderr: '',
    exited: new Promise((r) => child.on('exit', r)),
  };
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      p.msgs.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      p.stderr += `(stdout) ${l}\n`;
    }
    p.wake();
  });
  child.stderr!.on('data', (d: Buffer) => (p.stderr = (p.stderr + d.toString()).slice(-4000)));
  child.on('exit', () => p.wake());
  return p;
}

/** The first message with `key` from p, or an error naming the process after ms. */
async function expect(p: Proc, key: string, ms: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = p.msgs.find((x) => key in x);
    if (m) return m;
    if (p.child.exitCode !== null || p.child.signalCode !== null || Date.now() > deadline)
      throw new Error(
        `the process on ${p.host} (pid ${p.child.pid}) gave no '${key}' ` +
          `${p.child.exitCode !== null ? `(exit ${p.child.exitCode})` : `within ${ms / 1000} s`}: ${p.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
    await new Promise<void>((r) => {
      const t = setTimeout(r, Math.min(500, Math.max(1, deadline - Date.now())));
      p.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }
}

/** Ranks 1..n-1 in blocks of ⌈n/3⌉ per host in order; rank 0 (on the first host) alone. */
function blocks(n: number): { host: string; first: number; count: number }[] {
  const per = Math.ceil(n / HOSTS.length);
  return HOSTS.map((host, i) => {
    const first = Math.max(1, i * per);
    return { host, first, count: Math.min(n, (i + 1) * per) - first };
  }).filter((b) => b.count > 0);
}

async function rep(n: number, addr: string): Promise<Rep> {
  const env = { ...process.env, CCBENCH_JOB_SECRET: randomBytes(32).toString('hex') };
  const base = { size: n, addr, sizes: a.sizes, barriers: Number(a.barriers), idleMs: Number(a.idle), timeoutSec };
  const zero = start(HOSTS[0], { ...base, first: 0, count: 1 }, env, nofile);
  const others = blocks(n).map((b) => start(b.host, { ...base, first: b.first, count: b.count }, env));
  const all = [zero, ...others];
  try {
    await Promise.all(all.map((p) => expect(p, 'ready', 60_000)));
    zero.child.stdin!.write('{"go":true}\n');
    const { port } = await expect(zero, 'port', 30_000);
    for (const p of others) p.child.stdin!.write(JSON.stringify({ port }) + '\n');
    const results = await Promise.all(all.map((p) => expect(p, 'result', 3000 * timeoutSec)));
    const codes = await Promise.race([
      Promise.all(all.map((p) => p.exited)),
      new Promise<null>((r) => setTimeout(() => r(null), 10_000).unref()),
    ]);
    if (!codes || codes.some((c) => c !== 0)) throw new Error(`a process did not exit cleanly (${codes})`);
    const [r0, ...rs] = results.map((r) => r.result as Record<string, unknown>);
    return { zero: r0, hosts: rs.map((r, i) => ({ host: others[i].host, ...r })) } as unknown as Rep;
  } finally {
    for (const p of all) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
}

/** The cluster's links: no tc qdisc that shapes and no NFQUEUE rule on any host (another job may shape n2). */
function shapingCheck(): { at: string; clean: boolean; output: string } {
  const script =
    'for ns in $(ip netns list | awk \'/^ccbc-/{print $1}\'); do echo "== $ns"; tc -n $ns qdisc show; ' +
    'ip netns exec $ns iptables -S 2>/dev/null; done';
  const output = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 20_000 }).stdout ?? '';
  return { at: new Date().toISOString(), clean: !/\b(tbf|htb|netem|NFQUEUE)\b/.test(output), output };
}

async function unshaped(): Promise<ReturnType<typeof shapingCheck>> {
  for (let i = 0; ; i++) {
    const c = shapingCheck();
    if (c.clean) return c;
    if (i === 20) throw new Error(`the cluster's links stayed shaped for 10 minutes:\n${c.output}`);
    process.stderr.write('bench:scale: a host link is shaped (another job); waiting 30 s\n');
    await new Promise((r) => setTimeout(r, 30_000));
  }
}

function clusterFacts(): Record<string, unknown> {
  if (a.local) return { hosts: 'local (every process on this host, rank 0 on 127.0.0.1)' };
  const q = (cmd: string) =>
    spawnSync(FIXTURE, ['run', 'ctl', 'sh', '-c', cmd], { encoding: 'utf8', timeout: 20_000 }).stdout?.trim();
  return {
    hosts: readFileSync(join(CLUSTER_DIR, 'hosts'), 'utf8').trim().split('\n'),
    ctl_sysctl: q('sysctl -n net.core.somaxconn net.ipv4.tcp_max_syn_backlog net.ipv4.tcp_syncookies')?.split('\n'),
    ctl_ulimit_n: q('ulimit -n'),
    node_listen_backlog: 511, // net.Server.listen's default (Node docs), under somaxconn
  };
}

/** Every repetition at n ranks; again (up to 3 times) when a link was found shaped afterwards. */
async function measure(n: number, addr: string): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    const check = a.local ? undefined : await unshaped();
    const load = loadavg();
    const rs: Rep[] = [];
    const failures: string[] = [];
    for (let i = 0; i < reps; i++) {
      try {
        rs.push(await rep(n, addr));
      } catch (e) {
        failures.push((e as Error).message);
        process.stderr.write(`bench:scale: ${n} ranks, repetition ${i + 1}: ${(e as Error).message}\n`);
      }
    }
    const after = a.local ? undefined : shapingCheck();
    if (after && !after.clean && attempt < 3) {
      process.stderr.write(`bench:scale: a link was shaped by the end of the ${n}-rank runs; measuring again\n`);
      continue;
    }
    const summary = rs.length ? summarize(rs, Number(a.idle)) : null;
    const table = summary ? `\n${JSON.stringify(summary.table, null, 1)}` : '';
    console.log(`${n} ranks: ${rs.length}/${reps} repetitions${table}`);
    const shaping = check && { before: check, after };
    return {
      ranks: n,
      measured_again_after_shaping: attempt - 1,
      loadavg_before: load,
      loadavg_after: loadavg(),
      shaping_check: shaping,
      failures,
      summary,
      reps: rs,
    };
  }
}

/**
 * The Gloo backend's address blob per rank at a few sizes (the addon's glooPrepare, as openBackend
 * calls it): it holds an address per peer, and the control plane allgathers it before Gloo opens.
 */
async function glooBlobs(): Promise<Record<string, number> | string> {
  try {
    const addon = loadAddon();
    const out: Record<string, number> = {};
    for (const n of [2, 8, 64, 256]) out[n] = (await addon.glooPrepare(0, n, '127.0.0.1')).length;
    return out;
  } catch (e) {
    return `not measured: ${(e as Error).message}`;
  }
}

/** --summarize <file>: its figures computed again from its repetitions (after a new figure is added). */
function resummarize(file: string): void {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    options: { idle_ms?: number };
    runs: { reps: Rep[]; summary: unknown }[];
    fits?: unknown;
  };
  for (const r of doc.runs) r.summary = r.reps.length ? summarize(r.reps, doc.options.idle_ms) : null;
  doc.fits = fits(doc.runs as unknown as Parameters<typeof fits>[0]);
  writeFileSync(file, JSON.stringify(doc, null, 1) + '\n');
}

async function main(): Promise<void> {
  if (a.summarize) return resummarize(a.summarize);
  if (!a.local && spawnSync(FIXTURE, ['status'], { stdio: 'ignore', timeout: 20_000 }).status !== 0) {
    process.stderr.write('bench:scale: the namespace cluster is not up: test/cluster/cluster.sh start (or --local)\n');
    process.exit(2);
  }
  const addr = a.local ? '127.0.0.1' : '198.18.0.10';
  const doc = {
    benchmark: 'bench:scale',
    machine: machine(),
    options: {
      counts,
      reps,
      sizes: a.sizes,
      barriers: Number(a.barriers),
      idle_ms: Number(a.idle),
      timeoutSec,
      rank0_nofile: nofile ?? null,
    },
    cluster: clusterFacts(),
    gloo_blob_bytes_by_ranks: {} as unknown,
    runs: [] as Record<string, unknown>[],
    fits: {} as unknown,
  };
  for (const n of counts) doc.runs.push(await measure(n, addr));
  doc.fits = fits(doc.runs as unknown as Parameters<typeof fits>[0]);
  // Last: Gloo's listening sockets are not close-on-exec, and the ranks started after would inherit them.
  doc.gloo_blob_bytes_by_ranks = await glooBlobs();
  const file = a.out ? (writeFileSync(a.out, JSON.stringify(doc, null, 1) + '\n'), a.out) : saveResults('scale', doc);
  console.log(`results: ${file}`);
  // Saved either way (a failure is a finding too), but said in the exit code.
  if (doc.runs.some((r) => (r.failures as string[]).length > 0)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:scale: ${(e as Error).message}\n`);
  process.exit(1);
});
