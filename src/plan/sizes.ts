// Message-size specs: "8:1G" doubles from 8 B to 1 GiB; "min:max:factor" multiplies;
// "min:max:+step" adds; "8,1K,1M" lists. K/M/G/T are powers of 1024, as in nccl-tests. 0 B is a
// size (point-to-point ops measure empty messages, as OSU does; other ops skip it with a note);
// a range from 0 continues at 1, as OSU's size loop does.
import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const MAX_SIZE = 1024 ** 4; // 1 TiB: anything above is a typo
const MAX_POINTS = 10_000;

const HINT = 'e.g. 8:1G, 1K:1M:4, 4K:64K:+4K or 8,1K,1M (K/M/G = 1024, 1024², 1024³)';

/** Parses one size such as "4096", "64K", "1.5M", "1GiB". Returns bytes. */
export function parseSize(text: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`${what} '${text}' is not a size; write bytes with an optional K/M/G suffix, ${HINT}`);
  const bytes = Number(m[1]) * UNITS[m[2].toLowerCase()];
  if (!Number.isInteger(bytes)) throw new UsageError(`${what} '${text}' is not a whole number of bytes`);
  if (bytes > MAX_SIZE) throw new UsageError(`${what} '${text}' is larger than 1 TiB; lower it`);
  return bytes;
}

/** Parses a --sizes spec into a sorted list of distinct byte counts. */
export function parseSizes(spec: string): number[] {
  const text = spec.trim();
  if (text === '') throw new UsageError(`--sizes is empty; give a range or a list, ${HINT}`);
  let sizes: number[];
  if (text.includes(',')) {
    sizes = text.split(',').map((s) => parseSize(s, 'size'));
  } else if (text.includes(':')) {
    sizes = parseRange(text);
  } else {
    sizes = [parseSize(text, 'size')];
  }
  return [...new Set(sizes)].sort((a, b) => a - b);
}

function parseRange(text: string): number[] {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p.trim() === ''))
    throw new UsageError(`--sizes '${text}' is malformed; ${HINT}`);
  const min = parseSize(parts[0], 'minimum size');
  const max = parseSize(parts[1], 'maximum size');
  if (min > max)
    throw new UsageError(
      `--sizes '${text}': the minimum ${formatBytes(min)} is larger than the maximum ${formatBytes(max)}; swap them`,
    );
  const step = parts[2]?.trim();
  const out: number[] = [];
  if (step !== undefined && step.startsWith('+')) {
    const inc = parseSize(step.slice(1), 'step');
    if (inc <= 0) throw new UsageError(`--sizes '${text}': the step must be at least 1 byte`);
    if ((max - min) / inc + 1 > MAX_POINTS)
      throw new UsageError(`--sizes '${text}' gives more than ${MAX_POINTS} sizes; use a larger step`);
    for (let s = min; s <= max; s += inc) out.push(s);
  } else {
    const factor = step === undefined ? 2 : /^\d+$/.test(step) ? Number(step) : NaN;
    if (!Number.isInteger(factor) || factor < 2)
      throw new UsageError(
        `--sizes '${text}': the factor must be a whole number of at least 2 (or +step for a linear range)`,
      );
    for (let s = min; s <= max; s = s === 0 ? 1 : s * factor) out.push(s);
  }
  return out;
}

/** 8 → "8 B", 1536 → "1.5 KiB", 1073741824 → "1 GiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
