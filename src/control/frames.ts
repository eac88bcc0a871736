// Frames of the TCP control plane: [u32 body length][u8 type][u32 header length][JSON header][payload].
// The reader enforces a size limit before buffering a frame, so a peer cannot make us allocate:
// tiny until the peer has authenticated, larger afterwards.

export const FrameType = {
  Hello: 1, // server → client: {v, nonce}
  Auth: 2, // client → server: {rank, nonce, mac}
  Welcome: 3, // server → client: {mac}
  Barrier: 10, // client → 0 (arrived) and 0 → client (released): {seq}
  Gather: 11, // client → 0: {seq} + payload
  Bcast: 12, // 0 → client, or root → 0 to be forwarded: {seq, root} + payload
  Heartbeat: 20, // both ways: {where, phase, iteration}
  Abort: 21, // 0 → client: {message, code}
  Fail: 22, // client → 0: {message, code}: this rank failed, report it and end the job
  Bye: 23, // client → 0: clean end
} as const;

export type FrameTypeId = (typeof FrameType)[keyof typeof FrameType];
const KNOWN = new Set<number>(Object.values(FrameType));

export interface Frame {
  type: FrameTypeId;
  header: Record<string, unknown>;
  payload: Buffer;
}

export class FrameError extends Error {}

export function encodeFrame(
  type: FrameTypeId,
  header: Record<string, unknown>,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  return Buffer.concat([frameHead(type, header, payload.length), payload]);
}

/** A frame up to its payload, which can then be written as it is (one buffer for many peers). */
export function frameHead(type: FrameTypeId, header: Record<string, unknown>, payloadLength: number): Buffer {
  const h = Buffer.from(JSON.stringify(header));
  const out = Buffer.alloc(4 + 1 + 4 + h.length);
  out.writeUInt32BE(1 + 4 + h.length + payloadLength, 0);
  out.writeUInt8(type, 4);
  out.writeUInt32BE(h.length, 5);
  h.copy(out, 9);
  return out;
}

/** Accumulates stream chunks and yields whole frames; throws FrameError on anything malformed. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(public maxFrame: number) {}

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const len = head.readUInt32BE(0);
      if (len < 5 || len > this.maxFrame) throw new FrameError(`frame of ${len} bytes (limit ${this.maxFrame})`);
      if (this.buffered < 4 + len) break;
      const body = this.take(4 + len).subarray(4);
      frames.push(parseBody(body));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }
}

function parseBody(body: Buffer): Frame {
  const type = body.readUInt8(0);
  if (!KNOWN.has(type)) throw new FrameError(`unknown frame type ${type}`);
  const hlen = body.readUInt32BE(1);
  if (5 + hlen > body.length) throw new FrameError('header longer than its frame');
  let header: unknown;
  try {
    header = JSON.parse(body.subarray(5, 5 + hlen).toString('utf8'));
  } catch {
    throw new FrameError('header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new FrameError('header is not an object');
  return {
    type: type as FrameTypeId,
    header: header as Record<string, unknown>,
    payload: Buffer.from(body.subarray(5 + hlen)),
  };
}
