// The errors every layer raises, the one mapping from an error to an exit code, and the one
// line a user sees (DESIGN.md conventions: what is wrong and how to fix it, no stack trace).

// The CLI runs as one bundled file while `plot` and `report` load from dist/src, so one error
// class can exist twice: the kind travels as a global symbol, which both copies read alike.
const KIND = Symbol.for('ccbench.error-kind');

/** A mistake the user can fix (command line, suite file, environment): exit code 2. */
export class UsageError extends Error {
  readonly [KIND] = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A usage error every rank reaches alike (plan checks, the launcher's kind): only rank 0 says it. */
export class JobUsageError extends UsageError {}

/** A failure of the job rather than of ccbench or the command line, with the exit code it means. */
export class JobError extends Error {
  readonly [KIND] = 'job';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'JobError';
  }
}

const kindOf = (e: unknown) => (e as { [KIND]?: string } | null)?.[KIND];

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  wrongResults: 3, // --check found wrong elements
  rankFailed: 4, // a rank died, failed to start, or lost rank 0
  regression: 5, // compare's gate: a size slower than --fail-if-slower allows, or below --min-busbw
  timeout: 124, // a rank made no progress for --timeout seconds (as timeout(1))
  interrupted: 130, // SIGINT (128 + 2, as a shell reports it)
  terminated: 143, // SIGTERM (128 + 15)
} as const;

/** Every exit code with its meaning, for --help and the README (a test keeps both in step). */
export const EXIT_MEANINGS: readonly [number, string][] = [
  [EXIT.ok, 'ok'],
  [EXIT.internal, 'internal failure'],
  [EXIT.usage, 'usage error (one line on stderr says what to fix)'],
  [EXIT.wrongResults, '--check found wrong elements'],
  [EXIT.rankFailed, 'a rank died, failed or could not start'],
  [EXIT.regression, 'compare: a size regressed beyond --fail-if-slower and the noise, or fell below --min-busbw'],
  [EXIT.timeout, 'a rank made no progress for --timeout seconds'],
  [EXIT.interrupted, 'interrupted (SIGINT)'],
  [EXIT.terminated, 'terminated (SIGTERM)'],
];

// Native errors carry a code (native/common/error.h): these two are the user's to fix.
const NATIVE_USAGE = new Set(['E_USAGE', 'E_UNAVAILABLE']);

export function isUsageError(e: unknown): boolean {
  return kindOf(e) === 'usage' || NATIVE_USAGE.has(String((e as { code?: unknown })?.code));
}

export function exitCodeOf(e: unknown): number {
  if (kindOf(e) === 'job') return (e as JobError).exitCode;
  return isUsageError(e) ? EXIT.usage : EXIT.internal;
}

export function messageOf(e: unknown): string {
  return (e as Error)?.message ?? String(e);
}

/** The line on stderr: "ccbench: [who: ][internal error: ]message". */
export function errorLine(e: unknown, who = ''): string {
  const internal = exitCodeOf(e) === EXIT.internal;
  return `ccbench: ${who ? `${who}: ` : ''}${internal ? 'internal error: ' : ''}${messageOf(e)}`;
}

/** An error rank 0 reports for the whole job: this rank only leaves, with the job's exit code. */
export class RankZeroReports extends JobError {
  constructor(exitCode: number) {
    super('rank 0 reports why the job ends', exitCode);
  }
}
