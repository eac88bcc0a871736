// The control plane: rendezvous, barrier, broadcast and gather between ranks. It carries plans,
// metadata and samples, never timed traffic. MPI when the job is an MPI job (control/mpi.ts).

export interface ControlPlane {
  readonly rank: number;
  readonly size: number;
  barrier(): Promise<void>;
  bcast(data: Buffer, root: number): Promise<Buffer>;
  /** Rank 0 receives every rank's buffer in rank order; other ranks receive null. */
  gather(data: Buffer): Promise<Buffer[] | null>;
}

/** Every rank gets every rank's buffer (gather to rank 0, then a broadcast of the lot). */
export async function allgather(c: ControlPlane, data: Buffer): Promise<Buffer[]> {
  const parts = await c.gather(data);
  const packed = await c.bcast(parts ? pack(parts) : Buffer.alloc(0), 0);
  return unpack(packed);
}

function pack(parts: Buffer[]): Buffer {
  const head = Buffer.alloc(4 * (parts.length + 1));
  head.writeUInt32BE(parts.length, 0);
  parts.forEach((p, i) => head.writeUInt32BE(p.length, 4 * (i + 1)));
  return Buffer.concat([head, ...parts]);
}

function unpack(b: Buffer): Buffer[] {
  const n = b.readUInt32BE(0);
  let off = 4 * (n + 1);
  return [...Array(n).keys()].map((i) => {
    const len = b.readUInt32BE(4 * (i + 1));
    const part = b.subarray(off, off + len);
    off += len;
    return part;
  });
}
