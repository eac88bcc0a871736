// The conditions a rank process runs its timed loops under, set where ccbench starts the ranks
// and recorded (with what is missing) where they run, so a number is what an MPI application on
// the same node would see:
//  - MALLOC_ARENA_MAX=1: the engine calls MPI from its own thread, and glibc would serve that
//    thread's mallocs (MPI's per-call temporaries) from a thread arena, which grows and trims
//    differently from the main arena a single-threaded MPI program uses: the main arena keeps a
//    pad above what it grows and trims it back on free, so Open MPI's temporaries land on fresh
//    pages every call (npm run bench:reducescatter: results/reducescatter/). glibc reads the
//    setting once, at the process's first malloc, so it must be in the environment at exec.
//  - glibc's mmap threshold where a fresh program's is: freeing a block malloc mmapped raises it
//    to that block's size for good, and it decides whether MPI's temporaries come from pages that
//    are trimmed back after every call. So a rank frees no large block before its sweep: the
//    loader reads the bundle in pieces (bin/ccbench.js), the CPU count comes from the kernel's
//    list instead of os.cpus() (src/system/cgroup.ts); test/allocator.test.ts watches the frees.
//  - node --single-threaded: V8 compiles and collects garbage on background threads, which
//    compete with the timed loop for the rank's CPU (mpirun binds a rank, all its threads, to one
//    core); with the flag that work happens on the JavaScript thread, between points.
//  - NODE_EXTRA_CA_CERTS emptied: Node reads and parses that certificate bundle at start, before any
//    of our code, and ccbench makes no TLS connection. With the system bundle (144 certificates)
//    `node -e 0` took 100 ms against 38 ms without on this project's VM (npm run bench:startup);
//    bin/ccbench.js's #! line empties it for the commander too. Empty counts as unset for Node.
import { readFileSync } from 'node:fs';

export const RANK_NODE_FLAGS = ['--single-threaded'] as const;
export const RANK_ENV = { MALLOC_ARENA_MAX: '1' } as const;
/** Emptied for the ranks whatever the user had: nothing a rank does reads them. */
export const RANK_ENV_EMPTIED = ['NODE_EXTRA_CA_CERTS'] as const;
/** Names of the variables ccbench's launcher set for the ranks (for the record). */
export const INJECTED_VAR = 'CCBENCH_INJECTED';

type Env = Record<string, string | undefined>;

/** The node command line of a rank: this process's flags plus the ones the ranks need. */
export function rankNodeArgs(execArgv: readonly string[]): string[] {
  return [...execArgv, ...RANK_NODE_FLAGS.filter((f) => !execArgv.includes(f))];
}

/** The ranks' environment: `base` plus RANK_ENV where the user did not choose a value, RANK_ENV_EMPTIED emptied. */
export function rankEnvironment(base: Env): Env {
  const out: Env = { ...base, [INJECTED_VAR]: undefined }; // only ours: what a shell had is not a record
  for (const [k, v] of Object.entries(RANK_ENV)) out[k] ??= v;
  for (const k of RANK_ENV_EMPTIED) if (out[k]) out[k] = '';
  return recordInjected(base, out);
}

/** `after` with the names of the variables it adds to or changes from `before` listed in CCBENCH_INJECTED. */
export function recordInjected(before: Env, after: Env): Env {
  const names = new Set(after[INJECTED_VAR]?.split(',').filter(Boolean) ?? []);
  for (const k of Object.keys(after))
    if (k !== INJECTED_VAR && after[k] !== undefined && after[k] !== before[k]) names.add(k);
  return { ...after, [INJECTED_VAR]: [...names].join(',') };
}

export interface RankConditions {
  node_flags: string[]; // this rank's node flags (process.execArgv)
  injected: Record<string, string>; // variables ccbench's launcher set, with the values the rank saw
  missing: string[]; // conditions not met, one sentence each
}

export function rankConditions(execArgv: readonly string[], env: Env): RankConditions {
  const injected: Record<string, string> = {};
  for (const k of env[INJECTED_VAR]?.split(',') ?? []) if (k && env[k] !== undefined) injected[k] = env[k] as string;
  const missing: string[] = [];
  const tunables = env.GLIBC_TUNABLES ?? '';
  if (env.MALLOC_ARENA_MAX !== '1' && !/(^|:)glibc\.malloc\.arena_max=1($|:)/.test(tunables))
    missing.push(
      'the ranks run without MALLOC_ARENA_MAX=1, so MPI temporaries come from a thread arena, not the main one an MPI program uses (export MALLOC_ARENA_MAX=1 before mpirun/srun)',
    );
  for (const f of RANK_NODE_FLAGS)
    if (!execArgv.includes(f))
      missing.push(
        `the ranks' node runs without ${f}, so V8 may compile or collect garbage on other threads while a size is timed (start them as \`node ${f} …/ccbench.js\`)`,
      );
  return { node_flags: [...execArgv], injected, missing };
}

/** This process's CPU binding as the kernel states it ("0-3", "5"), or undefined off Linux. */
/** The kernel's boot id: one per running kernel, so the same for every container of a machine. */
export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function boundCpus(): string | undefined {
  try {
    return /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
