// The per-job secret every control-plane connection must prove, and the proof (HMAC-SHA256 over
// both sides' nonces, so neither side can replay an old exchange). The hashing and the random bytes
// are the addon's (native/addon_auth.cc): node:crypto would cost every rank ~13 ms to load.
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { loadAddon } from '../native/addon.js';

export function newSecret(): string {
  return loadAddon().randomHex(32);
}

export function nonce(): string {
  return loadAddon().randomHex(16);
}

/** Proof that `role` knows the secret, bound to this connection's two nonces and the rank. */
export function proof(
  secret: string,
  role: 'client' | 'server',
  serverNonce: string,
  clientNonce: string,
  rank: number,
): string {
  return loadAddon().hmacSha256Hex(secret, `ccbench/1 ${role} ${serverNonce} ${clientNonce} ${rank}`);
}

export function proofMatches(expected: string, got: unknown): boolean {
  return typeof got === 'string' && sameText(expected, got);
}

/** Equal strings, in a time that does not depend on where they differ. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

type Env = Record<string, string | undefined>;

export function keyFile(env: Env): string {
  return env.CCBENCH_KEY_FILE || join(homedir(), '.ccbench', 'key');
}

/**
 * The secret of this job: CCBENCH_JOB_SECRET when a launcher (or the user) set it; otherwise, in a
 * Slurm step started directly with srun, one derived from a per-user key file (shared home
 * directories make it the same on every node) and the job and step ids. Rank 0 creates the key
 * file the first time; the others wait for it.
 */
export async function jobSecret(env: Env, rank: number, waitMs = 10_000): Promise<{ secret: string; source: string }> {
  if (env.CCBENCH_JOB_SECRET) return { secret: env.CCBENCH_JOB_SECRET, source: 'CCBENCH_JOB_SECRET' };
  const job = env.SLURM_JOB_ID;
  const step = env.SLURM_STEP_ID ?? env.SLURM_STEPID;
  if (!job || step === undefined)
    throw new UsageError(
      "this job has no shared secret for its control plane; export CCBENCH_JOB_SECRET=$(openssl rand -hex 32) for every rank, or start ranks with ccbench's own launchers",
    );
  const file = keyFile(env);
  if (rank === 0 && !existsSync(file)) createKey(file);
  const deadline = Date.now() + waitMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline)
      throw new UsageError(
        `${file} did not appear within ${waitMs / 1000} s; it must be on a file system all nodes share, or export CCBENCH_JOB_SECRET for every rank`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  const key = readKey(file);
  return { secret: loadAddon().hmacSha256Hex(key, `slurm ${job}.${step}`), source: file };
}

/** The per-user key: refused when others may read it or when it is empty (either way it proves nothing). */
function readKey(file: string): string {
  const st = statSync(file);
  if (!st.isFile()) throw new UsageError(`${file} is not a regular file; remove it, and ccbench makes a new key there`);
  if ((st.mode & 0o077) !== 0)
    throw new UsageError(
      `${file} can be read by others (mode ${(st.mode & 0o777).toString(8)}), so it proves nothing; chmod 600 ${file}`,
    );
  const key = readFileSync(file, 'utf8').trim();
  if (key.length < 32)
    throw new UsageError(
      `${file} holds no usable key (${key.length} characters); remove it, and ccbench makes a new one`,
    );
  return key;
}

// Written aside and linked into place, so no rank ever reads a half-written key.
function createKey(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  writeSync(fd, newSecret() + '\n');
  closeSync(fd);
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another job created it first
  } finally {
    unlinkSync(tmp);
  }
}
