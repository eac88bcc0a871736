// Result files are never overwritten silently: an existing file is an error unless --overwrite.
import { closeSync, existsSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

/** Checks, without leaving anything behind, that `path` can be created (or replaced). */
export function probeOutput(path: string, flag: string, overwrite: boolean): void {
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is a directory; give a file name`);
    if (!overwrite) throw new UsageError(`${flag} ${path} already exists; choose another name or add --overwrite`);
  }
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(
      `cannot write ${flag} ${path}: the directory ${dir} does not exist; create it or choose another path`,
    );
  const probe = join(dir, `.${basename(path)}.ccbench-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? `no permission to write in ${dir}`
        : code === 'EROFS'
          ? `${dir} is on a read-only file system`
          : `files cannot be created in ${dir} (${code})`;
    throw new UsageError(`cannot write ${flag} ${path}: ${why}; choose a writable path`);
  }
}

/** Creates `path` for writing; fails like probeOutput if it exists and overwrite is off. */
export function createOutput(path: string, flag: string, overwrite: boolean): number {
  try {
    return openSync(path, overwrite ? 'w' : 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UsageError(`${flag} ${path} already exists; choose another name or add --overwrite`);
    probeOutput(path, flag, overwrite); // turns the failure into a clear message
    throw e;
  }
}

/** Replaces `path` with `content` atomically (write a sibling, then rename over). */
export function writeAtomically(path: string, content: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}
