// Node's heavier built-in modules, loaded where first used instead of when a process starts:
// `node -e` of the CLI's imports took ~25 ms longer with them on this project's VM, and a process
// needs few of them (`--version` none; a rank not child_process; the commander not dns). Types come
// from `import type`, which loads nothing.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export const childProcess = (): typeof import('node:child_process') => load('node:child_process');
export const net = (): typeof import('node:net') => load('node:net');
export const zlib = (): typeof import('node:zlib') => load('node:zlib');
export const dns = (): typeof import('node:dns/promises') => load('node:dns/promises');
