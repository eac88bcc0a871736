// Node's heavier built-in modules, loaded where first used instead of when a process starts:
// together they cost every process ~25 ms of start-up on this project's VM (npm run
// bench:startup), and a rank of an MPI job needs none of them before its first size. The types
// come from `import type`, which loads nothing.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export const childProcess = (): typeof import('node:child_process') => load('node:child_process');
export const net = (): typeof import('node:net') => load('node:net');
export const zlib = (): typeof import('node:zlib') => load('node:zlib');
export const crypto = (): typeof import('node:crypto') => load('node:crypto');
export const dns = (): typeof import('node:dns/promises') => load('node:dns/promises');
