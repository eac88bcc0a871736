// The joining side of the TCP control plane (tcp.ts): a rank other than 0 connects to rank 0,
// answers its challenge with a proof of the job's secret and checks rank 0's proof in turn, retrying
// with backoff until --timeout. The handshake's limits are shared with rank 0's side.
import type { Socket } from 'node:net';
import { net } from '../builtins.js';
import { EXIT, JobError } from '../errors.js';
import { nonce, proof, proofMatches } from './auth.js';
import { encodeFrame, FrameReader, FrameType, type Frame } from './frames.js';
import type { TcpOptions } from './tcp.js';

export const PRE_AUTH_FRAME = 1024; // largest frame before a connection has proved itself
export const MAX_FRAME = 1 << 30;
export const AUTH_MS = 5000; // for one connection to authenticate

/** An authenticated connection to rank 0, and the frames that came with its Welcome. */
export interface Joined {
  socket: Socket;
  reader: FrameReader;
  early: Frame[];
}

/**
 * Connects until rank 0 takes us or --timeout passes, backing off (a burst of connections at
 * start-up, a rank 0 not listening yet, a stray client holding our rank for a moment all pass).
 * A refusal after the handshake began (rank 0 could not check our proof) is the error we end
 * with if nothing better comes; a Welcome that does not prove the secret ends the attempt at once.
 */
export async function joinRankZero(o: TcpOptions): Promise<Joined> {
  const deadline = Date.now() + o.timeoutMs;
  let last: JobError | undefined;
  let wait = 200;
  while (Date.now() < deadline) {
    try {
      return await tryJoin(o, deadline);
    } catch (e) {
      last = e as JobError;
      if ((e as { final?: boolean }).final) throw e;
      await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, deadline - Date.now()))));
      wait = Math.min(2000, wait * 1.5) * (0.75 + Math.random() / 2);
    }
  }
  if (last && (last as { refused?: boolean }).refused) throw new JobError(last.message, EXIT.usage);
  throw new JobError(
    `could not join rank 0's control plane at ${o.host}:${o.port} within ${o.timeoutMs / 1000} s (${last?.message ?? 'no attempt finished'})`,
    EXIT.rankFailed,
  );
}

function tryJoin(o: TcpOptions, deadline: number): Promise<Joined> {
  return new Promise((resolve, reject) => {
    const socket = new (net().Socket)();
    const reader = new FrameReader(PRE_AUTH_FRAME);
    const clientNonce = nonce();
    let serverNonce = '';
    const fail = (msg: string, final = false, refused = false) => {
      socket.destroy();
      reject(Object.assign(new JobError(msg, final ? EXIT.usage : EXIT.rankFailed), { final, refused }));
    };
    const timer = setTimeout(
      () => fail('no answer from rank 0'),
      Math.max(100, Math.min(AUTH_MS, deadline - Date.now())),
    );
    socket.on('error', (e) => {
      clearTimeout(timer);
      fail(e.message);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (serverNonce)
        fail(
          `rank 0 at ${o.host}:${o.port} refused this rank: the ranks do not share a secret (CCBENCH_JOB_SECRET or the key file must be the same for every rank)`,
          false,
          true,
        );
      else fail(`rank 0 at ${o.host}:${o.port} closed the connection before the handshake`);
    });
    const onData = (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        return fail(`malformed answer from ${o.host}:${o.port}: ${(e as Error).message}`, true);
      }
      for (const f of frames) {
        if (!serverNonce && f.type === FrameType.Hello && typeof f.header.nonce === 'string') {
          serverNonce = f.header.nonce;
          socket.write(
            encodeFrame(FrameType.Auth, {
              rank: o.rank,
              nonce: clientNonce,
              mac: proof(o.secret, 'client', serverNonce, clientNonce, o.rank),
            }),
          );
        } else if (serverNonce && f.type === FrameType.Welcome) {
          if (!proofMatches(proof(o.secret, 'server', serverNonce, clientNonce, o.rank), f.header.mac))
            return fail(
              `the process at ${o.host}:${o.port} could not prove the job's secret: it is not this job's rank 0`,
              true,
            );
          clearTimeout(timer);
          socket.removeAllListeners('close');
          socket.off('data', onData);
          reader.maxFrame = MAX_FRAME;
          return resolve({ socket, reader, early: frames.slice(frames.indexOf(f) + 1) });
        } else {
          return fail(`unexpected answer from ${o.host}:${o.port}`, true);
        }
      }
    };
    socket.on('data', onData);
    socket.connect({ port: o.port, host: o.host, noDelay: true }); // the handshake's frames go at once
  });
}
