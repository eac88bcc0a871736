// One process of bench/scale.ts: rank 0, or a block of simulated ranks. Every simulated rank runs
// ccbench's own control-plane code as a real rank does (src/rank/join.ts's joinJob over TCP: the
// authenticated rendezvous and the allgather of idents; the plan broadcast of run.ts's agreePlan;
// the Monitor's heartbeats; one gather per point of the sweep with sweep.ts's encoding, and on
// rank 0 the decoding and combine() into a row), with no backend: where a rank would measure,
// the ranks meet at a control-plane barrier instead (a stand-in for the collective, not timed as
// a gather), and the samples are synthetic numbers of the plan's count (their values do not
// change the encoding's size). Protocol with the driver, one JSON line each way on stdio:
//   → {"ready":pid}   ← rank 0: {"go":true}; others: {"port":p}   → {"result":{…}}
// Config: one JSON argument (see Config). Exits 1 on any failure; every wait is bounded.
import { readdirSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { allgather } from '../src/control/control.js';
import { Monitor } from '../src/control/monitor.js';
import type { RankEnv } from '../src/job/detect.js';
import type { Addon, MeasureResult } from '../src/native/addon.js';
import { buildPlan, expandPoints, type Plan } from '../src/plan/plan.js';
import { decodePlan, encodePlan } from '../src/plan/serial.js';
import { joinJob, type Joined } from '../src/rank/join.js';
import { combine, decodeResult, describePoint, encodeResult } from '../src/rank/sweep.js';
import { Tracker } from '../src/rank/tracker.js';

export interface Config {
  size: number; // ranks in the job
  first: number; // the ranks this process holds: first .. first + count - 1 (rank 0 alone)
  count: number;
  addr: string; // rank 0's control-plane address (no port)
  sizes: string; // the sweep's --sizes (allreduce, OSU's iteration counts)
  barriers: number; // timed barriers (and broadcasts of the plan)
  idleMs: number; // a pause in which only heartbeats flow: rank 0's CPU time for them
  timeoutSec: number; // --timeout of the simulated job (rendezvous, Monitor)
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
const now = () => Number(process.hrtime.bigint()) / 1e6; // CLOCK_MONOTONIC: one clock for every namespace
const die = (why: string): never => {
  process.stderr.write(`scale-rank ${cfg.first}..${cfg.first + cfg.count - 1}: ${why}\n`);
  process.exit(1);
};
// Nothing outlives a lost driver or a stuck job.
setTimeout(() => die('took longer than 4 × --timeout'), 4000 * cfg.timeoutSec).unref();
// A stand-in for the addon where only the Tracker's position is read: no engine runs here.
const noEngine = { progress: () => ({ phase: 'idle', iteration: 0 }) } as unknown as Addon;

function say(msg: unknown): void {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

const lines = createInterface({ input: process.stdin });
const nextLine = new Promise<Record<string, unknown>>((resolve) =>
  lines.once('line', (l) => resolve(JSON.parse(l) as Record<string, unknown>)),
);
lines.on('close', () => setTimeout(() => die('the driver went away'), 100).unref());

/** This process's open fds, and how many of them are sockets. */
function fds(): { fds: number; sockets: number } {
  const all = readdirSync('/proc/self/fd');
  let sockets = 0;
  for (const fd of all) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // the fd readdir itself used, closed meanwhile
    }
  }
  return { fds: all.length, sockets };
}

function memory() {
  const m = process.memoryUsage();
  return { rss_mib: m.rss / 2 ** 20, heap_used_mib: m.heapUsed / 2 ** 20, external_mib: m.external / 2 ** 20 };
}

const samples = (n: number) => Float64Array.from({ length: n }, () => 5 + Math.random());

/** What one simulated rank does after joining; rank 0 returns its timings. */
async function life(j: Joined, plan0: Plan | undefined) {
  const c = j.control;
  const t: Record<string, number[]> = { bcast: [], barrier: [], gather: [], combine: [], allgather: [] };
  // The plan, as agreePlan sends it; the first broadcast is the real one, the rest time it again.
  let plan = plan0 as Plan;
  for (let i = 0; i < cfg.barriers; i++) {
    const t0 = now();
    const got = await c.bcast(
      j.rank === 0 ? Buffer.from(JSON.stringify({ plan: encodePlan(plan) })) : Buffer.alloc(0),
      0,
    );
    t.bcast.push(now() - t0);
    if (j.rank !== 0) plan = decodePlan(String(JSON.parse(String(got)).plan));
  }
  // The idents' allgather again, alone (joinJob's included the rendezvous), as measureAll's devices one.
  for (let i = 0; i < 3; i++) {
    const t0 = now();
    await allgather(c, Buffer.from(JSON.stringify(j.idents[j.rank])));
    t.allgather.push(now() - t0);
  }
  const tracker = new Tracker(noEngine);
  const monitor = new Monitor(j.tcp, {
    rank: j.rank,
    host: j.idents[j.rank].host,
    timeoutSec: cfg.timeoutSec,
    hosts: j.idents.map((i) => i.host),
    position: () => tracker.position(),
    fatal: (_cause, message) => die(`rank ${j.rank}: ${message}`),
  });
  tracker.onMove = () => monitor.beat();
  monitor.start();
  for (let i = 0; i < cfg.barriers; i++) {
    const t0 = now();
    await c.barrier();
    t.barrier.push(now() - t0);
  }
  // Idle: every rank waits in a barrier while rank 0 sleeps; only the Monitors' heartbeats flow.
  let idleCpuMs = NaN;
  if (j.rank === 0) {
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, cfg.idleMs));
    const cpu = process.cpuUsage(cpu0);
    idleCpuMs = (cpu.user + cpu.system) / 1000;
  }
  await c.barrier();
  const points = expandPoints(plan);
  const pointSamples: number[] = [];
  const pointBytes: number[] = [];
  let rowBytes = 0;
  for (const point of points) {
    const where = describePoint(point);
    tracker.at(where);
    await c.barrier(); // stands in for the measurement (a collective): the ranks leave it together
    const r: MeasureResult = {
      samples: samples(point.iters),
      meanUs: 5.5,
      iters: point.iters,
      warmup: point.warmup,
      reporter: true,
      wrong: -1,
    };
    const t0 = now();
    const parts = await tracker.watch(`${where} (gathering results)`, c.gather(encodeResult(r)));
    const t1 = now();
    if (!parts) continue;
    const row = combine(point, parts.map(decodeResult), false);
    t.gather.push(t1 - t0);
    t.combine.push(now() - t1);
    pointSamples.push(point.iters);
    pointBytes.push(parts.reduce((s, p) => s + p.length, 0));
    rowBytes += JSON.stringify(row).length;
  }
  await tracker.watch('finishing', c.barrier());
  monitor.stop();
  j.tcp.quiet();
  return { t, idleCpuMs, pointSamples, pointBytes, rowBytes, samplesPerRank: points.reduce((s, p) => s + p.iters, 0) };
}

async function main(): Promise<void> {
  const env = (rank: number): RankEnv => ({
    launcher: 'ccbench',
    rank,
    size: cfg.size,
    localRank: rank - cfg.first,
    localSize: cfg.count,
    mpi: false,
  });
  const secs = cfg.timeoutSec;
  say({ ready: process.pid });
  const msg = await nextLine;
  if (cfg.first === 0) {
    // Rank 0 alone. joinJob announces its port as to ccbench's local launcher: relayed here on stdout.
    const plan = buildPlan(['allreduce'], { np: cfg.size, sizes: cfg.sizes }, cfg.size);
    const before = { ...memory(), ...fds() };
    let listenedAt = 0;
    process.send = ((m: { ccbenchControlPort: number }) => {
      listenedAt = now();
      say({ port: m.ccbenchControlPort });
      return true;
    }) as typeof process.send;
    const j = await joinJob(noEngine, env(0), false, `${cfg.addr}:0`, secs);
    const joinedAt = now();
    const joined = { ...memory(), ...fds() };
    const life0 = await life(j, plan);
    const after = { ...memory(), ...fds(), max_rss_mib: process.resourceUsage().maxRSS / 1024 };
    await j.tcp.close();
    say({ result: { listenedAt, joinedAt, rendezvous_ms: joinedAt - listenedAt, before, joined, after, ...life0 } });
  } else {
    const port = Number(msg.port);
    const gotPort = now();
    const joinedAt: number[] = [];
    // When each rank's TcpControl.connect resolved: joinJob reads process.channel (to unref the
    // launcher's channel) right after it, once per rank; this process has no channel to lose.
    // Node reads it at other times too (at exit): only reads while joins are under way count.
    const connectedAt: number[] = [];
    let joining = true;
    Object.defineProperty(process, 'channel', {
      get: () => void (joining && connectedAt.length < cfg.count && connectedAt.push(now())),
      configurable: true,
    });
    const ranks = [...Array(cfg.count).keys()].map((i) => cfg.first + i);
    await Promise.all(
      ranks.map(async (rank) => {
        const j = await joinJob(noEngine, env(rank), false, `${cfg.addr}:${port}`, secs);
        joinedAt.push(now());
        joining = false; // every rank has connected once one has joined (joinJob's allgather)
        await life(j, undefined);
        await j.tcp.close();
      }),
    );
    say({
      result: { gotPort, connectedAt, joinedAt, ...memory(), max_rss_mib: process.resourceUsage().maxRSS / 1024 },
    });
  }
  lines.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => die(e instanceof Error ? e.message : String(e)),
);
