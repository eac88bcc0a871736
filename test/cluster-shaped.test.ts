// Shaped links as ground truth (test/cluster/cluster.sh shape): n2's link given +200 µs each way
// (delayq on an NFQUEUE; the kernel has no netem) and 1 Gbit/s (tbf on both ends), and ccbench's
// latency and bw between n1 and n2 must show it, against the same runs unshaped. Ranks started by
// hand (Gloo, --control-addr), whose path has the fewest moving parts. Only n2 is shaped, and never past a test
// (finally, and after()). Skipped as cluster.test.ts is, and where iptables or
// libnetfilter-queue-dev is missing.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { D, FIXTURE, onHost, prepare, stop, type Prepared } from './cluster.js';
import { CLI, leavesNoProcess, readJson, run } from './helpers.js';

// What cluster.sh shape needs beyond the cluster (.ci/run installs both).
const tools = ['/usr/sbin/iptables', '/usr/include/libnetfilter_queue/libnetfilter_queue.h'].filter(
  (f) => !existsSync(f),
);
const lacking = tools.length
  ? `cluster.sh shape needs iptables and libnetfilter-queue-dev (missing: ${tools.join(', ')})`
  : undefined;
const cluster: Prepared = lacking
  ? { why: lacking, skip: process.env.CCBENCH_REQUIRE_CLUSTER === '1' ? undefined : lacking, startedHere: false }
  : prepare();
const why = cluster.why;
const DELAY_US = 200;
const RATE_MBIT = 1000;
let port = 29700;

const unshape = () => spawnSync(FIXTURE, ['unshape', 'n2'], { encoding: 'utf8', timeout: 20_000 });
const inN2 = (...args: string[]) =>
  execFileSync('nsenter', ['--net=/run/netns/ccbc-n2', ...args], { encoding: 'utf8', timeout: 10_000 });

/** The names of n2's processes. */
function onN2(): string[] {
  const pids = execFileSync('ip', ['netns', 'pids', 'ccbc-n2'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return pids.flatMap((p) => {
    try {
      return [readFileSync(`/proc/${p}/comm`, 'utf8').trim()];
    } catch {
      return []; // gone
    }
  });
}

/**
 * One job, rank 0 on n1 and rank 1 on n2, rank 0's result record. This checkout's ccbench, not the
 * `ccbench` of the cluster's PATH, which is that of whichever checkout started the cluster.
 */
async function pair(json: string, args: string[]): Promise<any> {
  const all = [...args, '--backend', 'gloo', '--quiet', '--timeout', '30', '--control-addr', `n1:${port++}`];
  const env = (r: number) => ({ CCBENCH_RANK: String(r), CCBENCH_SIZE: '2', CCBENCH_JOB_SECRET: 'shaped' });
  const [r0, r1] = await Promise.all([
    onHost('n1', [process.execPath, CLI, ...all, '--json', json], { env: env(0) }),
    onHost('n2', [process.execPath, CLI, ...all], { env: env(1) }),
  ]);
  assert.equal(r0.code, 0, r0.stderr);
  assert.equal(r1.code, 0, r1.stderr);
  const doc = readJson(json);
  assert.deepEqual(doc.hosts, ['n1', 'n2']);
  return doc.results[0];
}

describe('shaped links on the network-namespace cluster', { skip: cluster.skip, concurrency: false }, () => {
  const work = why ? '' : mkdtempSync(join(D, 'work', 'shaped-'));
  after(() => {
    if (why) return;
    unshape();
    rmSync(work, { recursive: true, force: true });
    stop(cluster);
  });
  leavesNoProcess();

  if (why) test('the cluster is up (CCBENCH_REQUIRE_CLUSTER=1)', () => assert.fail(why));
  if (why) return;

  // Small sizes: p50 of 8 B round trips (the mean carries this VM's scheduling spikes). bw: 4 MiB
  // messages, 8 windows of 64 (2 GiB shaped: ~17 s at 125 MB/s).
  const LAT = ['latency', '--sizes', '8', '--iters', '2000', '--warmup', '100'];
  const BW = ['bw', '--sizes', '4M', '--iters', '6', '--warmup', '2'];

  const shape = () => {
    const r = spawnSync(FIXTURE, ['shape', 'n2', `delay=${DELAY_US}`, `rate=${RATE_MBIT}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  const p50 = (x: any): number => x.time_us.p50;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

  test(`n2 shaped to +${DELAY_US} µs each way and ${RATE_MBIT} Mbit/s: latency and bw show it`, async (t) => {
    // Unshaped and shaped runs in turn, 3 of each, so that the load of other jobs on this machine
    // (which moves an unshaped p50 from 30 to 130 µs here) falls on both alike; bw in the first.
    const plain: number[] = [];
    const shaped: number[] = [];
    const bw = { plain: 0, shaped: 0 };
    for (let i = 0; i < 3; i++) {
      plain.push(p50(await pair(join(work, `lat-plain-${i}.json`), LAT)));
      if (i === 0) bw.plain = (await pair(join(work, 'bw-plain.json'), BW)).algbw_gbs;
      shape();
      try {
        if (i === 0) {
          const status = execFileSync(FIXTURE, ['status'], { encoding: 'utf8' });
          assert.match(status, /^shaped n2: delay=200 rate=1000 \(delayq pid \d+\)$/m);
        }
        shaped.push(p50(await pair(join(work, `lat-shaped-${i}.json`), LAT)));
        if (i === 0) bw.shaped = (await pair(join(work, 'bw-shaped.json'), BW)).algbw_gbs;
      } finally {
        unshape();
      }
    }
    const added = median(shaped) - median(plain);
    t.diagnostic(
      `8 B latency p50 ${plain.map((x) => x.toFixed(1))} -> ${shaped.map((x) => x.toFixed(1))} µs; ` +
        `4 MiB bw ${bw.plain.toFixed(3)} -> ${bw.shaped.toFixed(4)} GB/s`,
    );
    // One-way time = half a round trip, and the round trip crosses n2's link once each way: +D.
    // Measured on this 2-vCPU VM: +204..275 µs (results/shaped-links), the excess delayq's lateness
    // and, most likely, wake-ups after sleeping through each delay, dearer than the short waits of
    // unshaped runs; hence 0.75..1.9 D. With both CPUs saturated by other jobs it went past that
    // (+410 µs, results/shaped-links/saturated).
    assert.ok(
      added >= 0.75 * DELAY_US && added <= 1.9 * DELAY_US,
      `latency +${added.toFixed(1)} µs for +${DELAY_US} µs`,
    );
    // 1 Gbit/s = 0.125 GB/s on the wire; TCP/IP headers take ~3% of it. The rate is tbf's, an upper
    // bound; below it, delayq (every packet through user space) sets the pace when the VM is slow:
    // 0.117 GB/s in results/shaped-links, 0.059-0.090 GB/s on 2026-12-01 evening with the unshaped
    // 8 B latency at 74-167 µs instead of 27-39, the tree before this change measuring alike.
    const rate = RATE_MBIT / 8000;
    assert.ok(bw.shaped >= 0.4 * rate && bw.shaped <= 1.05 * rate, `bw ${bw.shaped.toFixed(4)} GB/s for ${rate} GB/s`);
    assert.ok(bw.plain > 2 * bw.shaped, `unshaped ${bw.plain.toFixed(3)} GB/s, clearly faster`);
  });

  const analysis = 'needs the α-β model fit and ccbench doctor of the analysis issue, not built yet';
  test('the α-β model fit recovers the injected delay and rate within 15%', { skip: analysis }, () => {});
  test('ccbench doctor over 3-4 hosts names the shaped host', { skip: analysis }, () => {});

  test('unshape leaves no qdisc, rule or daemon, and twice is fine; bad shapes are refused', async () => {
    const autocork = inN2('sysctl', '-n', 'net.ipv4.tcp_autocorking');
    const r = spawnSync(FIXTURE, ['shape', 'n2', 'delay=50', 'rate=500'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(inN2('tc', 'qdisc', 'show', 'dev', 'eth0'), /tbf .*rate 500Mbit/);
    assert.match(inN2('iptables', '-S'), /NFQUEUE --queue-num 13/);
    for (const u of [unshape(), unshape()]) assert.equal(u.status, 0, u.stderr);
    assert.doesNotMatch(inN2('tc', 'qdisc', 'show', 'dev', 'eth0'), /tbf/);
    assert.doesNotMatch(
      execFileSync('tc', ['-n', 'ccbc-fabric', 'qdisc', 'show', 'dev', 'v-ccbc-n2'], { encoding: 'utf8' }),
      /tbf/,
    );
    assert.doesNotMatch(inN2('iptables', '-S'), /NFQUEUE|ccbc-shape/);
    assert.equal(inN2('sysctl', '-n', 'net.ipv4.tcp_autocorking'), autocork, 'TCP autocorking as it was');
    assert.ok(!onN2().includes('delayq'), `no delayq on n2 (${onN2().join(' ')})`);
    assert.doesNotMatch(execFileSync(FIXTURE, ['status'], { encoding: 'utf8' }), /shaped/);
    for (const bad of [['delay=2ms'], ['rate=0'], ['speed=1'], []]) {
      const b = await run(FIXTURE, ['shape', 'n2', ...bad], { timeoutMs: 10_000 });
      assert.equal(b.code, 2, b.stderr);
      assert.match(b.stderr, /^cluster\.sh: shape: .*\n$/);
    }
  });
});
