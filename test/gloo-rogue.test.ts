// A stray local client cannot break a Gloo job's setup. Gloo's TCP pairs listen on one port each
// and take the first connection for their peer; ccbench's pairs (native/comm/gloo_guard.cc) hand
// Gloo only the connection that first sends the pair's token, which travels over the control
// plane. Here a rogue in the test process connects to every TCP port the rank processes listen on
// (found in /proc: their socket inodes, then /proc/<pid>/net/tcp{,6}) while the ranks hold their
// listeners open (CCBENCH_TEST_GLOO_SETUP_DELAY_MS, test only), and sends garbage, sends nothing,
// closes at once, or keeps reconnecting with all three; the job must still finish with every
// element right, every time.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ccbench, leavesNoProcess, readJson, sleep, tempDir } from './helpers.js';

const dir = tempDir();
const DELAY_MS = 1500; // each rank waits this long with its listeners open, before its addresses go out

type Mode = 'garbage' | 'nothing' | 'close' | 'hammer';

/** Pids of the rank processes of one run (marked by CCBENCH_ROGUE_RUN in their environment). */
function rankPids(run: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'latin1');
      if (env.includes(`CCBENCH_ROGUE_RUN=${run}\0`) && env.includes('CCBENCH_RANK=')) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** A /proc/net/tcp{,6} address (hex, 32-bit words in host order) as a host to connect to. */
function host(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.every((b) => b === 0)) return bytes.length === 4 ? '127.0.0.1' : '::1'; // listening on any address
  if (bytes.length === 4) return bytes.join('.');
  return Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16)).join(':');
}

/** The TCP addresses pid listens on. */
function listeners(pid: number): { host: string; port: number }[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
    const out: { host: string; port: number }[] = [];
    for (const table of ['tcp', 'tcp6'])
      for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'latin1').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9])) continue; // 0A: LISTEN
        const [addr, port] = f[1].split(':');
        out.push({ host: host(addr), port: parseInt(port, 16) });
      }
    return out;
  } catch {
    return []; // the process is gone
  }
}

/** One rogue connection: garbage, nothing (held open), or closed at once. */
function strike(to: { host: string; port: number }, mode: Exclude<Mode, 'hammer'>, held: Socket[]): void {
  const s = connect(to);
  s.on('error', () => {}); // refused or reset: the listener is gone, which is fine
  s.on('connect', () => {
    if (mode === 'garbage') s.write(Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff)));
    if (mode === 'close') s.destroy();
  });
  if (mode !== 'close') held.push(s);
}

async function rogueRun(n: number, mode: Mode, tag: string): Promise<void> {
  const json = join(dir, `${tag}.json`);
  const run = `${process.pid}-${tag}`;
  const job = ccbench(
    ['allreduce', '--launcher', 'local', '--backend', 'gloo', '-n', String(n), '--sizes', '8:4K', '--check'].concat([
      '--iters',
      '20',
      '--quiet',
      '--json',
      json,
    ]),
    { env: { CCBENCH_TEST_GLOO_SETUP_DELAY_MS: String(DELAY_MS), CCBENCH_ROGUE_RUN: run }, timeoutMs: 120_000 },
  );
  let done = false;
  void job.then(() => (done = true));
  const held: Socket[] = [];
  const hit = new Set<string>();
  let strikes = 0;
  const end = Date.now() + 30_000;
  const kinds: Exclude<Mode, 'hammer'>[] = ['garbage', 'nothing', 'close'];
  try {
    while (!done && Date.now() < end) {
      for (const pid of rankPids(run))
        for (const to of listeners(pid)) {
          const key = `${pid}:${to.port}`;
          if (mode !== 'hammer' && hit.has(key)) continue;
          hit.add(key);
          strike(to, mode === 'hammer' ? kinds[strikes % 3] : mode, held);
          strikes++;
        }
      await sleep(mode === 'hammer' ? 20 : 50);
    }
    const r = await job;
    assert.equal(r.code, 0, `${tag}: ${r.stderr}`);
    const doc = readJson(json);
    assert.equal(doc.status, 'complete');
    assert.ok(doc.results.length > 0 && doc.results.every((x: any) => x.wrong === 0), `${tag}: every element right`);
    // Every rank listened for each of its n − 1 peers, rank 0 for the control plane too.
    assert.ok(hit.size >= n * (n - 1) + 1, `${tag}: the rogue reached ${hit.size} listeners of ${n} ranks`);
  } finally {
    for (const s of held) s.destroy();
  }
}

describe('Gloo setup with a stray local client', () => {
  leavesNoProcess();

  for (const n of [2, 3])
    for (const mode of ['garbage', 'nothing', 'close', 'hammer'] as Mode[])
      test(`${n} ranks, a rogue that ${mode === 'hammer' ? 'keeps reconnecting' : `connects and ${mode === 'nothing' ? 'sends nothing' : mode === 'close' ? 'closes' : 'sends garbage'}`}: the job completes, every element right`, async () => {
        for (let i = 0; i < 2; i++) await rogueRun(n, mode, `n${n}-${mode}-${i}`);
      });
});
