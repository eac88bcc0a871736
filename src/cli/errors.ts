// Errors the user can fix: one line on stderr, exit code 2 (see DESIGN.md conventions).
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A usage error every rank reaches alike (plan checks, the launcher's kind): only rank 0 says it. */
export class JobUsageError extends UsageError {}

/** A failure of the job rather than of ccbench or the command line, with the exit code it means. */
export class JobError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = 'JobError';
  }
}

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  wrongResults: 3, // --check found wrong elements
  rankFailed: 4, // a rank died, failed to start, or lost rank 0
  timeout: 124, // a rank made no progress for --timeout seconds (as timeout(1))
} as const;
