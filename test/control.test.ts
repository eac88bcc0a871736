// The TCP control plane in one process, on loopback: collectives between real sockets, and the
// rogue clients it must refuse without disturbing the job. Every wait is bounded.
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { newSecret } from '../src/control/auth.js';
import { EXIT } from '../src/errors.js';
import { encodeFrame, FrameError, FrameReader, FrameType } from '../src/control/frames.js';
import { Monitor, type Position } from '../src/control/monitor.js';
import { TcpControl, type PeerEvent } from '../src/control/tcp.js';
import { ROOT, run, sleep } from './helpers.js';

const HOST = '127.0.0.1';

async function job(
  size: number,
  secret = newSecret(),
  opts: { authMs?: number; beforeJoin?: (port: number) => Promise<void> } = {},
) {
  const {
    control: root,
    port,
    joined,
  } = await TcpControl.listen({ rank: 0, size, secret, host: HOST, port: 0, timeoutMs: 10_000, authMs: opts.authMs });
  await opts.beforeJoin?.(port);
  const others = await Promise.all(
    [...Array(size - 1).keys()].map((i) =>
      TcpControl.connect({ rank: i + 1, size, secret, host: HOST, port, timeoutMs: 10_000 }),
    ),
  );
  await joined;
  return { all: [root, ...others], root, others, port, secret };
}

async function closeAll(all: TcpControl[]): Promise<void> {
  for (const c of all.slice(1)) await c.close();
  await all[0].close();
}

/** A raw socket to the control port; resolves when the server closes it (or after ms). */
function rogue(port: number, send: (s: Socket) => void, ms = 3000): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const s = connect(port, HOST, () => send(s));
    const t = setTimeout(() => {
      s.destroy();
      resolve('open');
    }, ms);
    s.on('error', () => {});
    s.resume(); // read, or the close is never noticed
    s.on('close', () => {
      clearTimeout(t);
      resolve('closed');
    });
  });
}

async function collectivesWork(all: TcpControl[]): Promise<void> {
  await Promise.all(all.map((c) => c.barrier()));
  const b = await Promise.all(all.map((c) => c.bcast(Buffer.from(c.rank === 2 ? 'from two' : 'x'), 2)));
  assert.deepEqual(
    b.map(String),
    all.map(() => 'from two'),
  );
  const g = await Promise.all(all.map((c) => c.gather(Buffer.from(`r${c.rank}`))));
  assert.deepEqual(
    g[0]?.map(String),
    all.map((c) => `r${c.rank}`),
  );
  assert.ok(g.slice(1).every((x) => x === null));
}

describe('frames', () => {
  test('round trip, split across chunks', () => {
    const f = encodeFrame(FrameType.Gather, { seq: 7 }, Buffer.from('payload'));
    const r = new FrameReader(1024);
    assert.deepEqual(r.push(f.subarray(0, 3)), []);
    const out = r.push(f.subarray(3));
    assert.equal(out.length, 1);
    assert.deepEqual([out[0].type, out[0].header, String(out[0].payload)], [FrameType.Gather, { seq: 7 }, 'payload']);
  });

  test('an oversized length is refused before anything is buffered', () => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(10_000_000);
    assert.throws(() => new FrameReader(1024).push(head), FrameError);
  });

  test('unknown types, bad headers and short bodies are refused', () => {
    const bad = encodeFrame(FrameType.Bye, {});
    bad.writeUInt8(99, 4);
    assert.throws(() => new FrameReader(1024).push(bad), /unknown frame type/);
    const raw = (type: number, header: string) => {
      const h = Buffer.from(header);
      const f = Buffer.alloc(9 + h.length);
      f.writeUInt32BE(5 + h.length, 0);
      f.writeUInt8(type, 4);
      f.writeUInt32BE(h.length, 5);
      h.copy(f, 9);
      return f;
    };
    assert.throws(() => new FrameReader(1024).push(raw(FrameType.Bye, '{')), /not JSON/);
    assert.throws(() => new FrameReader(1024).push(raw(FrameType.Bye, '[1]')), /not an object/);
    const long = encodeFrame(FrameType.Bye, {});
    long.writeUInt32BE(1000, 5);
    assert.throws(() => new FrameReader(1024).push(long), /header longer/);
  });
});

describe('control plane collectives', () => {
  test('barrier, bcast from a non-zero root and gather on 4 ranks', async () => {
    const { all } = await job(4);
    await collectivesWork(all);
    await collectivesWork(all); // sequence numbers keep repeated collectives apart
    await closeAll(all);
  });

  test('a single rank needs nobody', async () => {
    const { all } = await job(1);
    await all[0].barrier();
    assert.equal(String(await all[0].bcast(Buffer.from('b'), 0)), 'b');
    assert.deepEqual((await all[0].gather(Buffer.from('a')))?.map(String), ['a']);
    await closeAll(all);
  });

  test('rank 0 refuses at once a job whose sockets its open-file limit cannot hold', async () => {
    // Under `ulimit -n 100`: 199 peers cannot fit (found by bench:scale: a 60 s wait otherwise), 20 can.
    const tcp = join(ROOT, 'dist', 'src', 'control', 'tcp.js');
    const script =
      `import { TcpControl } from ${JSON.stringify(tcp)};` +
      `const o = { rank: 0, secret: 'x', host: '127.0.0.1', port: 0, timeoutMs: 1000 };` +
      `const big = await TcpControl.listen({ ...o, size: 200 }).then(() => 'listened', (e) => [e.message, e.exitCode]);` +
      `const small = await TcpControl.listen({ ...o, size: 20 });` +
      `await small.control.close();` +
      `console.log(JSON.stringify(big));`;
    const r = await run(
      'sh',
      ['-c', 'ulimit -n 100 && exec "$0" --input-type=module -e "$1"', process.execPath, script],
      {
        timeoutMs: 20_000,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const [message, code] = JSON.parse(r.stdout) as [string, number];
    assert.match(
      message,
      /^rank 0 needs a socket for each of its 199 peers but may open only 100 files \(ulimit -n; \d+ already open\); raise the limit where rank 0 starts \(ulimit -n 4096/,
    );
    assert.equal(code, EXIT.usage);
  });

  test('a rank with the wrong secret is refused with a clear reason', async () => {
    const {
      control: root,
      port,
      joined,
    } = await TcpControl.listen({ rank: 0, size: 2, secret: newSecret(), host: HOST, port: 0, timeoutMs: 1500 });
    await assert.rejects(
      TcpControl.connect({ rank: 1, size: 2, secret: newSecret(), host: HOST, port, timeoutMs: 3000 }),
      /do not share a secret/,
    );
    await assert.rejects(joined, /rank 1 did not join.*could not prove the job's secret/);
    await root.close();
  });

  test('a rank that reaches an impostor at the port does not trust it', async () => {
    const fake = createServer((s) =>
      s.write(encodeFrame(FrameType.Hello, { v: 1, nonce: 'abc' }), () =>
        s.on('data', () => s.write(encodeFrame(FrameType.Welcome, { mac: 'forged' }))),
      ),
    );
    await new Promise<void>((r) => fake.listen(0, HOST, () => r()));
    const port = (fake.address() as { port: number }).port;
    await assert.rejects(
      TcpControl.connect({ rank: 1, size: 2, secret: newSecret(), host: HOST, port, timeoutMs: 3000 }),
      /not this job's rank 0/,
    );
    fake.close();
  });
});

describe('rogue clients do not disturb the job', () => {
  test('no secret, wrong secret, garbage, oversized frames, a taken rank and a flood', async () => {
    const rogues: Promise<'closed' | 'open'>[] = [];
    const { all, port, secret } = await job(3, newSecret(), {
      authMs: 500,
      beforeJoin: async (p) => {
        rogues.push(rogue(p, () => {})); // says nothing: dropped at the auth deadline
        rogues.push(
          rogue(p, (s) => s.write(encodeFrame(FrameType.Auth, { rank: 1, nonce: 'n', mac: 'f'.repeat(64) }))),
        ); // wrong proof
        rogues.push(rogue(p, (s) => s.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')))); // not our protocol
        rogues.push(
          rogue(p, (s) => {
            const h = Buffer.alloc(4);
            h.writeUInt32BE(2 ** 31);
            s.write(h);
          }),
        ); // 2 GiB frame
        rogues.push(rogue(p, (s) => s.write(encodeFrame(FrameType.Auth, { rank: 99, nonce: 'n', mac: 'x' })))); // no such rank
        for (let i = 0; i < 200; i++) rogues.push(rogue(p, () => {}, 5000)); // flood
        await sleep(50);
      },
    });
    await collectivesWork(all);
    // After the job is complete, a client claiming a taken rank is turned away too.
    rogues.push(rogue(port, (s) => s.write(encodeFrame(FrameType.Auth, { rank: 2, nonce: 'n', mac: 'x' }))));
    const outcomes = await Promise.all(rogues);
    assert.ok(
      outcomes.every((o) => o === 'closed'),
      `every rogue connection was closed: ${outcomes.filter((o) => o !== 'closed').length} left open`,
    );
    assert.ok(all[0].refused.some((r) => /could not prove the job's secret/.test(r)));
    assert.ok(all[0].refused.some((r) => /malformed/.test(r)));
    await collectivesWork(all); // still working
    await closeAll(all);
    void secret;
  });
});

describe('failures reach the monitor', () => {
  const pos = (where: string): Position => ({ where, phase: 'timed', iteration: 3 });

  test('a rank that dies is named by rank 0', async () => {
    const { all } = await job(3);
    const events: PeerEvent[] = [];
    all[0].setEventHandler((e) => events.push(e));
    (all[2] as unknown as { peers: Map<number, { socket: Socket }> }).peers.get(0)!.socket.destroy(); // as SIGKILL would
    await waitUntil(() => events.length > 0);
    assert.deepEqual(events[0], { rank: 2, kind: 'closed' });
    await closeAll(all);
  });

  test("a silent rank is named after the timeout; a failing rank's own message is relayed", async () => {
    const { all } = await job(3);
    const fatal: [string, string, number][] = [];
    const m0 = new Monitor(all[0], {
      rank: 0,
      host: 'h0',
      timeoutSec: 1,
      position: () => pos('allreduce 8 B float32 sum on 3 ranks'),
      fatal: (...a) => {
        fatal.push(a);
      },
    });
    const m1 = new Monitor(all[1], {
      rank: 1,
      host: 'h1',
      timeoutSec: 1,
      position: () => pos('allreduce 8 B float32 sum on 3 ranks'),
      fatal: () => {},
    });
    m0.start();
    m1.start(); // rank 2 sends no heartbeat at all, as if stopped
    await waitUntil(() => fatal.length > 0, 5000);
    m0.stop();
    m1.stop();
    await closeAll(all);
    assert.equal(fatal[0][0], 'silent');
    assert.match(fatal[0][1], /^rank 2 has sent nothing for \d+ s \(stopped or hung\)/);
    assert.equal(fatal[0][2], 124);

    const { all: b } = await job(2);
    const got: string[] = [];
    const mb = new Monitor(b[0], {
      rank: 0,
      host: 'h0',
      timeoutSec: 0,
      position: () => pos('x'),
      fatal: (cause, m) => {
        got.push(`${cause}: ${m}`);
      },
    });
    mb.start();
    b[1].fail('could not allocate 4 GiB', 2);
    await waitUntil(() => got.length > 0);
    mb.stop();
    await closeAll(b);
    assert.match(got[0], /^peer-failed: rank 1 failed during start-up: could not allocate 4 GiB$/);
  });
});

async function waitUntil(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}
