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
