// Loads the native addon and types its API (native/addon.cc). CCBENCH_ADDON points at another
// build (the tests use it for an addon built without MPI).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { UsageError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';

export interface NativeCapabilities {
  ops: {
    name: string;
    shape: string;
    minRanks: number;
    evenRanks: boolean;
    reduces: boolean;
    rooted: boolean;
    hasInPlace: boolean;
    pairwise: boolean;
    barrierPerIter: boolean;
    sample: string;
    minCount: number;
  }[];
  dtypes: { name: string; id: number; size: number }[];
  backends: { name: string; available: boolean; reason: string }[];
  mpiLibrary: string;
  glooLibrary: string;
}

export interface OpenOptions {
  peers?: Buffer[]; // gloo: every rank's glooPrepare() blob, by rank
  id?: Buffer; // nccl / rccl: rank 0's unique id
  rank?: number;
  size?: number;
  gpu?: number; // which GPU of this node
  mem?: 'host' | 'device';
  lib?: string; // --nccl-lib
}

export interface GpuRuntimeInfo {
  vendor: 'nvidia' | 'amd';
  count: number;
  runtime: string;
  runtimeVersion: string;
  driverVersion: string;
  runtimePath: string;
}

export interface GpuInventory {
  runtime: string; // "CUDA" / "HIP", "" when none loaded
  runtimePath: string;
  runtimeVersion: string;
  driverVersion: string;
  error: string; // why no GPU is listed
  gpus: { index: number; name: string; pciBusId: string; arch: string; memoryBytes: number; multiprocessors: number }[];
}

export interface MeasureSpec {
  op: string;
  dtype: string;
  redop: string;
  root: number;
  count: number;
  inPlace: boolean;
  iters: number;
  warmup: number;
  maxTimeSec: number;
  timing: 'per-op' | 'batch' | 'overlap';
  window: number;
  check: boolean;
  graphLaunches?: number;
  copies?: number[]; // --concurrent: handles of the copies of the point's communicator
  matrix?: Float64Array; // alltoallv: n × n element counts, row = sender
}

export interface MeasureResult {
  samples: Float64Array; // µs per op, one per timed iteration (per graph launch)
  meanUs: number; // this rank's mean per op (batch: host time over the batch, as nccl-tests)
  iters: number; // ops per sample run (graph: per launch)
  warmup: number;
  reporter: boolean;
  wrong: number; // -1 when not checked
  // --overlap: the op alone (start to finish) and the compute between start and finish, µs means
  pureUs?: number;
  computeUs?: number;
  // --concurrent: one copy alone (µs per op), and each copy's mean completion time when together
  aloneUs?: number;
  copyUs?: Float64Array;
}

export interface Addon {
  capabilities(): NativeCapabilities;
  bufferElems(op: string, count: number, n: number): { send: number; recv: number } | null;
  mpiInit(): Promise<{ rank: number; size: number }>;
  /** Opens a backend on its device (a GPU for nccl/rccl and mem 'device'). */
  open(backend: string, o?: OpenOptions): Promise<{ rank: number; size: number; library: string; device: string }>;
  /** A fresh NCCL / RCCL unique id (128 bytes). */
  ncclUniqueId(rccl: boolean, lib: string): Promise<Buffer>;
  /** The NCCL / RCCL library that would load, or why none does. */
  ncclInfo(
    rccl: boolean,
    lib: string,
  ): { library?: string; path?: string; version?: string; rccl?: boolean; error?: string };
  /** This node's GPU runtime, driver and GPUs (touches every GPU; for `ccbench info`). */
  gpuInfo(): GpuInventory;
  /** Gloo, phase 1: this rank's TCP device and pairs; returns the address blob to exchange. */
  glooPrepare(rank: number, size: number, host: string): Promise<Buffer>;
  split(k: number, bootstrap?: Buffer): Promise<number>;
  allocate(sendBytes: number, recvBytes: number): Promise<void>;
  measure(comm: number, spec: MeasureSpec): Promise<MeasureResult>;
  /** --groups: this rank's group of the world (collective); a communicator handle. */
  subgroup(color: number, members: number[]): Promise<number>;
  /** `ccbench mix`: every [communicator, spec] at once; one result per item. */
  measureMix(items: [number, MeasureSpec][]): Promise<MeasureResult[]>;
  /** ccbench replay: the entries in order on comms[entry.comm] (-1: not this rank's), each timed. */
  replay(
    comms: number[],
    entries: ReplayCall[],
    o: { warmup: number; iterations: number; gaps: boolean },
  ): Promise<ReplayTimes>;
  controlBarrier(): Promise<void>;
  controlBcast(data: Buffer, root: number): Promise<Buffer>;
  controlGather(data: Buffer): Promise<Buffer[] | null>;
  progress(): { phase: 'idle' | 'warmup' | 'timed' | 'check'; iteration: number };
  close(): Promise<void>;
  hardExit(code: number): never;
  /** HMAC-SHA256 of the strings' UTF-8 bytes, lower-case hex (the control plane's proofs). */
  hmacSha256Hex(key: string, message: string): string;
  /** `bytes` random bytes from the kernel (getrandom), as hex. */
  randomHex(bytes: number): string;
  /** This node's GPU vendor, count and runtime (a CUDA or HIP runtime that loads and sees a GPU), or null. No GPU is touched. */
  gpuVendor(): GpuRuntimeInfo | null;
  /** "CUDA: yes, ROCm: unknown" from the MPI's extensions; "" when MPI is not initialised. */
  mpiGpuAwareness(): Promise<string>;
  /** Backends that poll (NCCL, RCCL) abort their communicator at the next poll. */
  requestAbort(): void;
}

/** One replay entry as the native runner takes it (native/engine/replay.h). */
export type ReplayCall =
  | {
      kind: 'op';
      op: string;
      comm: number;
      count: number;
      dtype: string;
      redop: string;
      root: number;
      matrix?: Float64Array;
    }
  | { kind: 'send' | 'recv'; peer: number; offset: number; bytes: number }
  | { kind: 'gap'; gapUs: number };

export interface ReplayTimes {
  entryUs: Float64Array; // per timed iteration, per entry
  iterationUs: Float64Array; // per timed iteration
}

export const DEFAULT_ADDON = `${PACKAGE_ROOT}build/Release/ccbench.node`;

let cached: Addon | undefined;

export function loadAddon(): Addon {
  if (cached) return cached;
  const path = process.env.CCBENCH_ADDON || DEFAULT_ADDON;
  if (!existsSync(path))
    throw new UsageError(
      `the native addon is not built (${path} is missing); run npm run build:native in ${PACKAGE_ROOT}`,
    );
  cached = createRequire(import.meta.url)(path) as Addon;
  return cached;
}
