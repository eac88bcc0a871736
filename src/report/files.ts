// Result files: never replaced silently (an existing file is an error unless --overwrite), never
// anything but a regular file, never the same file twice, and a write that fails says which file
// and why. Checked before the ranks start (probeOutput) and again when rank 0 creates them.
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

function statOrNull(path: string, follow = true): Stats | null {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ENAMETOOLONG')
      throw new UsageError(`the file name ${path} is too long for the file system (ENAMETOOLONG); shorten it`);
    throw e;
  }
}

function kindOf(s: Stats): string {
  return s.isDirectory()
    ? 'a directory'
    : s.isFIFO()
      ? 'a FIFO'
      : s.isSocket()
        ? 'a socket'
        : s.isCharacterDevice() || s.isBlockDevice()
          ? 'a device'
          : 'not a regular file';
}

/** Checks, without leaving anything behind, that `path` can be created (or replaced). */
export function probeOutput(path: string, flag: string, overwrite: boolean): void {
  if (path === '') throw new UsageError(`${flag} needs a file name`);
  const st = statOrNull(path);
  if (st) {
    if (!st.isFile())
      throw new UsageError(
        `${flag} ${path} is ${kindOf(st)}; results go only to regular files (--overwrite replaces only those): give a file name`,
      );
    if (!overwrite) throw new UsageError(`${flag} ${path} already exists; choose another name or add --overwrite`);
  } else if (statOrNull(path, false)) {
    throw new UsageError(`${flag} ${path} is a symbolic link to nothing; remove it or give another name`);
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
    throw new UsageError(`cannot write ${flag} ${path}: ${whyNot(e, dir)}; choose a writable path`);
  }
}

function whyNot(e: unknown, dir: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return `no permission to write in ${dir}`;
  if (code === 'EROFS') return `${dir} is on a read-only file system`;
  if (code === 'ENAMETOOLONG') return 'the file name is too long for the file system (ENAMETOOLONG)';
  if (code === 'ENOSPC') return `the file system of ${dir} is full (ENOSPC)`;
  if (code === 'EDQUOT') return `the disk quota on ${dir} is used up (EDQUOT)`;
  return `files cannot be created in ${dir} (${code})`;
}

/** Refuses two outputs that are one file (the same path, a link to it, or a hard link). */
export function checkDistinct(files: { path: string; flag: string }[]): void {
  const id = (p: string) => {
    const st = statOrNull(p);
    if (st) return `${st.dev}:${st.ino}`;
    try {
      return join(realpathSync(dirname(p)), basename(p));
    } catch {
      return resolve(p);
    }
  };
  const seen = new Map<string, string>();
  for (const f of files) {
    const key = id(f.path);
    const other = seen.get(key);
    if (other) throw new UsageError(`${other} and ${f.flag} name the same file (${f.path}); give them different names`);
    seen.set(key, f.flag);
  }
}

/**
 * Creates `path` for writing (a new file, or with overwrite an existing regular file, emptied).
 * Opened without blocking and checked before anything is truncated, so a FIFO or a device is
 * refused instead of waited on or damaged.
 */
export function createOutput(path: string, flag: string, overwrite: boolean): number {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_NONBLOCK | (overwrite ? 0 : constants.O_EXCL),
      0o644,
    );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UsageError(`${flag} ${path} already exists; choose another name or add --overwrite`);
    probeOutput(path, flag, overwrite); // turns the failure into a clear message
    throw e;
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new UsageError(`${flag} ${path} is ${kindOf(st)}; results go only to regular files: give a file name`);
  }
  ftruncateSync(fd, 0);
  return fd;
}

/** Writes all of `bytes` at `position`: a short write (a disk filling up) goes on until it fails. */
export function writeAll(fd: number, bytes: Buffer, position: number): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** A failed write as the user sees it: the file, the system's reason, what is kept, the fix. */
export function writeFailure(flag: string, path: string, e: unknown): UsageError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  const why =
    code === 'ENOSPC'
      ? 'no space left on the device'
      : code === 'EDQUOT'
        ? 'the disk quota is used up'
        : code === 'EIO'
          ? 'an input/output error'
          : code === 'EFBIG'
            ? 'the file is too large'
            : (e as Error).message;
  return new UsageError(
    `cannot write ${flag} ${path}: ${why} (${code}); the sizes finished before are kept in it; free some space or write elsewhere`,
  );
}

/** Replaces `path` with `content` atomically (write a sibling, then rename over); no sibling is left behind. */
export function writeAtomically(path: string, content: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
    throw e;
  }
}
