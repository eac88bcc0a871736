// The TCP control plane for jobs that are not MPI jobs (and the heartbeat channel of those that
// are): rank 0 listens, every other rank connects once and proves the job's secret. Collectives
// go through rank 0 (a star): fine for control traffic, which is never in a timed loop.
//
// Defences: a connection must authenticate within authMs with frames of at most PRE_AUTH_FRAME
// bytes (so an idle or hostile socket costs ~1 KiB); beyond MAX_PENDING unauthenticated
// connections new ones are closed at once; anything malformed or unproven is dropped without
// touching the job.
import type { Server, Socket } from 'node:net';
import { net } from '../builtins.js';
import { EXIT, JobError } from '../errors.js';
import { nonce, proof, proofMatches } from './auth.js';
import type { ControlPlane } from './control.js';
import { tooManyFiles } from './fds.js';
import { AUTH_MS, joinRankZero, MAX_FRAME, PRE_AUTH_FRAME } from './join-rank-zero.js';
import { encodeFrame, frameHead, FrameReader, FrameType, type Frame, type FrameTypeId } from './frames.js';

const MAX_PENDING = 512;

export interface TcpOptions {
  rank: number;
  size: number;
  secret: string;
  host: string; // rank 0 binds this address; the others connect to it
  port: number; // 0 on rank 0: any free port
  timeoutMs: number; // for everyone to join
  authMs?: number; // for one connection to authenticate (default 5 s)
}

/** Something went wrong with a peer: it died, failed, went silent, or rank 0 ended the job. */
export interface PeerEvent {
  rank: number;
  kind: 'closed' | 'failed' | 'aborted';
  message?: string;
  code?: number;
}

interface Peer {
  socket: Socket;
  reader: FrameReader;
  heard: number; // ms timestamp of the last frame
  heartbeat: Record<string, unknown>;
  bye: boolean;
}

export class TcpControl implements ControlPlane {
  private readonly peers = new Map<number, Peer>();
  private readonly inbox = new Map<string, Frame[]>();
  private readonly waiters = new Map<string, (f: Frame) => void>();
  private seq = 0;
  private server: Server | undefined;
  private closing = false;
  private onEvent: (e: PeerEvent) => void = () => {};
  readonly refused: string[] = []; // why connections were dropped (reported if the rendezvous fails)

  private constructor(
    readonly rank: number,
    readonly size: number,
    private readonly secret: string,
  ) {}

  /** Rank 0: listening once this resolves; `joined` resolves when every other rank has proved itself. */
  static async listen(o: TcpOptions): Promise<{ control: TcpControl; port: number; joined: Promise<void> }> {
    const files = tooManyFiles(o.size - 1);
    if (files) throw new JobError(files, EXIT.usage);
    const c = new TcpControl(0, o.size, o.secret);
    const { port, joined } = await c.serve(o);
    return { control: c, port, joined };
  }

  /** Any other rank: connected and authenticated once this resolves. */
  static async connect(o: TcpOptions): Promise<TcpControl> {
    const c = new TcpControl(o.rank, o.size, o.secret);
    const { socket, reader, early } = await joinRankZero(o);
    c.adopt(0, socket, reader, early);
    return c;
  }

  /** Receives peer failures; set before the sweep starts. */
  setEventHandler(h: (e: PeerEvent) => void): void {
    this.onEvent = h;
  }

  /** Per-rank last heartbeat and when anything was last heard (rank 0: every client; others: rank 0). */
  peerStates(): Map<number, { heard: number; heartbeat: Record<string, unknown> }> {
    return new Map([...this.peers].map(([r, p]) => [r, { heard: p.heard, heartbeat: p.heartbeat }]));
  }

  /** Counts every peer as heard now (after this process itself was suspended). */
  touchAll(): void {
    for (const p of this.peers.values()) p.heard = Date.now();
  }

  heartbeat(info: Record<string, unknown>): void {
    for (const p of this.peers.values()) this.write(p, FrameType.Heartbeat, info);
  }

  /** Rank 0: tell every rank to stop with this exit code. */
  abort(message: string, code: number): void {
    this.closing = true;
    for (const p of this.peers.values()) this.write(p, FrameType.Abort, { message, code });
  }

  /** Resolves when the connection to `rank` has closed, for whatever reason (also after fail()). */
  closed(rank: number): Promise<void> {
    const p = this.peers.get(rank);
    if (!p || p.socket.destroyed) return Promise.resolve();
    return new Promise((r) => p.socket.once('close', () => r()));
  }

  /** Not rank 0: report this rank's failure so rank 0 can name it and end the job. */
  fail(message: string, code: number): void {
    this.closing = true;
    const p = this.peers.get(0);
    if (p) this.write(p, FrameType.Fail, { message, code });
  }

  async barrier(): Promise<void> {
    const seq = ++this.seq;
    if (this.rank === 0) {
      await Promise.all([...this.peers.keys()].map((r) => this.expect(r, FrameType.Barrier, seq)));
      for (const p of this.peers.values()) this.write(p, FrameType.Barrier, { seq });
    } else {
      this.write(this.peers.get(0) as Peer, FrameType.Barrier, { seq });
      await this.expect(0, FrameType.Barrier, seq);
    }
  }

  async bcast(data: Buffer, root: number): Promise<Buffer> {
    const seq = ++this.seq;
    if (this.rank === 0) {
      const value = root === 0 ? data : (await this.expect(root, FrameType.Bcast, seq)).payload;
      for (const [r, p] of this.peers) if (r !== root) this.write(p, FrameType.Bcast, { seq, root }, value);
      return value;
    }
    if (this.rank === root) {
      this.write(this.peers.get(0) as Peer, FrameType.Bcast, { seq, root }, data);
      return data;
    }
    return (await this.expect(0, FrameType.Bcast, seq)).payload;
  }

  async gather(data: Buffer): Promise<Buffer[] | null> {
    const seq = ++this.seq;
    if (this.rank !== 0) {
      this.write(this.peers.get(0) as Peer, FrameType.Gather, { seq }, data);
      return null;
    }
    const parts = await Promise.all(
      [...Array(this.size - 1).keys()].map((i) => this.expect(i + 1, FrameType.Gather, seq)),
    );
    return [data, ...parts.map((f) => f.payload)];
  }

  /** Resolves once every queued frame has been handed to the kernel, or after ms. */
  flush(ms: number): Promise<void> {
    const drained = [...this.peers.values()].map(
      (p) => new Promise<void>((r) => (p.socket.destroyed ? r() : p.socket.write('', () => r()))),
    );
    return Promise.race([Promise.all(drained).then(() => {}), new Promise<void>((r) => setTimeout(r, ms).unref())]);
  }

  /** Stops reporting peer events (a clean end is under way). */
  quiet(): void {
    this.closing = true;
    this.onEvent = () => {};
  }

  /** A clean end: clients say goodbye first, so rank 0 does not take the close for a death. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.rank !== 0) {
      const p = this.peers.get(0);
      if (p) await new Promise<void>((r) => p.socket.end(encodeFrame(FrameType.Bye, {}), () => r()));
    } else {
      for (const p of this.peers.values()) p.socket.end();
    }
    this.server?.close();
  }

  // --- rank 0 -------------------------------------------------------------------------------

  private serve(o: TcpOptions): Promise<{ port: number; joined: Promise<void> }> {
    let pending = 0;
    // No Nagle from the first byte: the handshake's small frames otherwise wait on a delayed ACK.
    const server = net().createServer({ noDelay: true }, (socket) => {
      if (pending >= MAX_PENDING || this.peers.size >= this.size - 1) {
        socket.destroy();
        return;
      }
      pending++;
      void this.handshake(socket, o).finally(() => pending--);
    });
    this.server = server;
    let listening: (port: number) => void = () => {};
    let notListening: (e: Error) => void = () => {};
    const listened = new Promise<number>((res, rej) => {
      listening = res;
      notListening = rej;
    });
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const missing = [...Array(this.size - 1).keys()].map((i) => i + 1).filter((r) => !this.peers.has(r));
        const why = this.refused.length
          ? `; refused connections: ${[...new Set(this.refused)].slice(0, 5).join('; ')}`
          : '';
        reject(
          new JobError(
            `rank${missing.length > 1 ? 's' : ''} ${missing.join(', ')} did not join the control plane at ${o.host}:${(server.address() as { port: number })?.port} within ${o.timeoutMs / 1000} s${why}`,
            EXIT.rankFailed,
          ),
        );
      }, o.timeoutMs);
      this.allJoined = () => {
        clearTimeout(timer);
        resolve();
      };
      server.on('error', (e) => {
        clearTimeout(timer);
        const err = new JobError(
          `cannot listen on ${o.host}:${o.port} for the control plane: ${(e as Error).message}; choose another --control-addr`,
          EXIT.usage,
        );
        notListening(err);
        reject(err);
      });
      // Every rank may connect at once: Node's default backlog (511) left ~15% of 1,024 ranks
      // waiting for a SYN retransmit (1 s; bench:scale). The kernel caps it at net.core.somaxconn.
      server.listen({ port: o.port, host: o.host, backlog: Math.max(511, o.size) }, () => {
        listening((server.address() as { port: number }).port);
        if (this.size === 1) this.allJoined();
      });
    });
    joined.catch(() => {}); // awaited by the caller after listening; avoid an unhandled rejection meanwhile
    return listened.then((port) => ({ port, joined }));
  }

  private allJoined: () => void = () => {};

  private handshake(socket: Socket, o: TcpOptions): Promise<void> {
    return new Promise((done) => {
      const from = `${socket.remoteAddress}:${socket.remotePort}`;
      const reader = new FrameReader(PRE_AUTH_FRAME);
      const serverNonce = nonce();
      const drop = (why: string) => {
        this.refused.push(`${from}: ${why}`);
        socket.destroy();
        done();
      };
      const timer = setTimeout(() => drop('did not authenticate in time'), o.authMs ?? AUTH_MS);
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(timer);
        done();
      });
      socket.write(encodeFrame(FrameType.Hello, { v: 1, nonce: serverNonce }));
      const onData = (chunk: Buffer) => {
        let frames: Frame[];
        try {
          frames = reader.push(chunk);
        } catch (e) {
          clearTimeout(timer);
          return drop(`malformed: ${(e as Error).message}`);
        }
        if (frames.length === 0) return;
        clearTimeout(timer);
        const f = frames[0];
        const rank = f.header.rank;
        if (f.type !== FrameType.Auth || typeof f.header.nonce !== 'string' || typeof rank !== 'number')
          return drop('did not start with an authentication frame');
        if (!Number.isInteger(rank) || rank < 1 || rank >= this.size || this.peers.has(rank))
          return drop(`claimed rank ${rank}, which is not a free rank of this job`);
        if (!proofMatches(proof(this.secret, 'client', serverNonce, f.header.nonce, rank), f.header.mac))
          return drop(`claimed rank ${rank} but could not prove the job's secret`);
        socket.off('data', onData);
        socket.write(
          encodeFrame(FrameType.Welcome, { mac: proof(this.secret, 'server', serverNonce, f.header.nonce, rank) }),
        );
        reader.maxFrame = MAX_FRAME;
        this.adopt(rank, socket, reader, frames.slice(1));
        done();
        if (this.peers.size === this.size - 1) this.allJoined();
      };
      socket.on('data', onData);
    });
  }

  // --- both -------------------------------------------------------------------------------

  private adopt(rank: number, socket: Socket, reader: FrameReader, early: Frame[]): void {
    const peer: Peer = { socket, reader, heard: Date.now(), heartbeat: {}, bye: false };
    this.peers.set(rank, peer);
    socket.setNoDelay(true);
    const deliver = (f: Frame) => this.receive(rank, peer, f);
    early.forEach(deliver);
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk).forEach(deliver);
      } catch (e) {
        socket.destroy();
        this.onEvent({ rank, kind: 'failed', message: `sent a malformed frame (${(e as Error).message})` });
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (!peer.bye && !this.closing) this.onEvent({ rank, kind: 'closed' });
    });
  }

  private receive(rank: number, peer: Peer, f: Frame): void {
    peer.heard = Date.now();
    switch (f.type) {
      case FrameType.Heartbeat:
        peer.heartbeat = f.header;
        return;
      case FrameType.Bye:
        peer.bye = true;
        return;
      case FrameType.Fail:
      case FrameType.Abort:
        peer.bye = true;
        this.onEvent({
          rank,
          kind: f.type === FrameType.Fail ? 'failed' : 'aborted',
          message: String(f.header.message ?? ''),
          code: Number(f.header.code ?? 1),
        });
        return;
      case FrameType.Hello:
      case FrameType.Auth:
      case FrameType.Welcome:
        return; // handshake frames after the handshake mean nothing
      case FrameType.Barrier:
      case FrameType.Gather:
      case FrameType.Bcast: {
        const key = `${rank}/${f.type}/${f.header.seq}`;
        const w = this.waiters.get(key);
        if (w) {
          this.waiters.delete(key);
          w(f);
        } else {
          this.inbox.set(key, [...(this.inbox.get(key) ?? []), f]);
        }
      }
    }
  }

  private expect(rank: number, type: FrameTypeId, seq: number): Promise<Frame> {
    const key = `${rank}/${type}/${seq}`;
    const queued = this.inbox.get(key);
    if (queued?.length) {
      this.inbox.delete(key);
      return Promise.resolve(queued[0]);
    }
    return new Promise((resolve) => this.waiters.set(key, resolve));
  }

  private write(p: Peer, type: FrameTypeId, header: Record<string, unknown>, payload?: Buffer): void {
    if (p.socket.destroyed) return;
    if (!payload?.length) return void p.socket.write(encodeFrame(type, header));
    // The payload itself, not a copy per peer: rank 0 broadcasts the idents' allgather (~110 B a
    // rank, ~110 MiB over 1,023 copies at 1,024 ranks; its RSS after the rendezvous fell from
    // 146 to 65 MiB without them, bench:scale).
    p.socket.cork();
    p.socket.write(frameHead(type, header, payload.length));
    p.socket.write(payload);
    p.socket.uncork();
  }
}
