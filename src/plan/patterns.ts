// alltoallv's traffic patterns: who sends how many elements to whom. Every rank computes the same
// n × n count matrix from (pattern, seed, n, count) alone, with no communication: the generators
// draw from a seeded PRNG of our own (random.ts), and a matrix file is read once where the plan is made
// and travels in the plan. Cell [i][j] is what rank i sends to rank j (its row: all it sends;
// its column: all it receives). The size column is the mean a rank sends, so count (elements)
// is the mean row total: generated patterns give every row exactly count elements and make the
// receivers uneven, as mixture-of-experts routing does (every rank routes its own tokens); a
// weight matrix is scaled so the rows average count; a byte matrix is used as written.
import { UsageError } from '../errors.js';
import { gamma, prng } from './random.js';

export { gini, traffic, type Traffic } from './traffic.js';

export type Pattern =
  | { kind: 'uniform' }
  | { kind: 'zipf'; s: number } // receiver j weighs 1 / (j + 1)^s
  | { kind: 'hot'; k: number; fraction: number } // ranks 0..k-1 get `fraction` of every row
  | { kind: 'spread'; s: number } // nccl-tests' NCCL_TESTS_ALLTOALLV_SPREAD
  | { kind: 'dirichlet'; alpha: number; seed: number } // each row ~ Dirichlet(alpha, …, alpha)
  | { kind: 'random'; seed: number } // each cell's weight uniform in [0, 1)
  | { kind: 'matrix'; file: string; bytes: boolean; cells: number[][] };

export const PATTERN_HELP =
  'alltoallv traffic: uniform, zipf:<s>, hot:<k>:<fraction>, spread:<s>, dirichlet:<alpha>[:<seed>], random[:<seed>], matrix:<file>';

const bad = (spec: string, why: string) =>
  new UsageError(`--pattern '${spec}': ${why}; patterns: ${PATTERN_HELP.replace(/^alltoallv traffic: /, '')}`);

/** A plain decimal (as sizes and seconds are written: no hex, no exponent). */
function decimal(spec: string, what: string, raw: string | undefined, min: number, max = Infinity): number {
  if (raw === undefined || !/^\d+(\.\d+)?$/.test(raw.trim()))
    throw bad(spec, `${what} must be a number, not '${raw ?? ''}'`);
  const v = Number(raw);
  if (v < min || v > max)
    throw bad(
      spec,
      `${what} must be ${max === Infinity ? `at least ${min}` : `between ${min} and ${max}`}, not ${raw}`,
    );
  return v;
}

function whole(spec: string, what: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw bad(spec, `${what} must be a whole number, not '${raw}'`);
  const v = Number(raw);
  if (v < min || v > max) throw bad(spec, `${what} must be between ${min} and ${max}, not ${raw}`);
  return v;
}

export const SEED_MAX = 2 ** 32 - 1;

/**
 * `--pattern` as typed. `seed` (--seed) serves the random generators that are given none of their
 * own; `readMatrix` reads `matrix:<file>` (the plan's, which reads the file once).
 */
export function parsePattern(spec: string, seed: number, readMatrix: (file: string) => string): Pattern {
  const text = spec.trim();
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? undefined : text.slice(colon + 1);
  const args = rest === undefined ? [] : rest.split(':');
  const count = (lo: number, hi: number) => {
    if (args.length < lo || args.length > hi)
      throw bad(spec, `${name} takes ${lo === hi ? lo : `${lo} to ${hi}`} value${hi > 1 ? 's' : ''} after '${name}:'`);
  };
  switch (name) {
    case 'uniform':
      count(0, 0);
      return { kind: 'uniform' };
    case 'zipf':
      count(1, 1);
      return { kind: 'zipf', s: decimal(spec, 'the exponent s', args[0], 0, 100) };
    case 'spread':
      count(1, 1);
      return { kind: 'spread', s: decimal(spec, 'the spread', args[0], 0, 1) };
    case 'hot':
      count(2, 2);
      return {
        kind: 'hot',
        k: whole(spec, 'the number of hot ranks k', args[0], 1, 65535),
        fraction: decimal(spec, 'the fraction', args[1], 0, 1),
      };
    case 'dirichlet':
      count(1, 2);
      return {
        kind: 'dirichlet',
        alpha: positive(spec, args[0]),
        seed: args[1] === undefined ? seed : whole(spec, 'the seed', args[1], 0, SEED_MAX),
      };
    case 'random':
      count(0, 1);
      return { kind: 'random', seed: args[0] === undefined ? seed : whole(spec, 'the seed', args[0], 0, SEED_MAX) };
    case 'matrix': {
      if (rest === undefined || rest.trim() === '') throw bad(spec, 'matrix needs a file: matrix:<file>');
      const file = rest; // a path may hold colons
      return { kind: 'matrix', file, ...parseMatrix(readMatrix(file), file) };
    }
    default:
      throw bad(spec, `unknown pattern '${name}'`);
  }
}

function positive(spec: string, raw: string | undefined): number {
  const v = decimal(spec, 'alpha', raw, 0, 1e6);
  if (v <= 0) throw bad(spec, 'alpha must be above 0');
  return v;
}

/**
 * A matrix file: n rows of n non-negative numbers, separated by spaces, tabs or commas.
 * nccl-tests' NCCL_TESTS_ALLTOALLV_MATRIX_FILE (nccl-tests/src/alltoallv.cu) is the plain form: cell [i][j]
 * = bytes rank i sends to rank j. ccbench's form may add `#` comments and a first line
 * `weights`: then the numbers are relative weights, scaled to each swept size (a `bytes` line
 * states the plain meaning).
 */
export function parseMatrix(text: string, file: string): { bytes: boolean; cells: number[][] } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l !== '');
  let bytes = true;
  if (lines[0] !== undefined && /^(weights|bytes)$/i.test(lines[0])) bytes = lines.shift()!.toLowerCase() === 'bytes';
  const fail = (why: string) => new UsageError(`--pattern matrix:${file}: ${why}`);
  const cells = lines.map((l, i) =>
    l.split(/[\s,]+/).map((v, j) => {
      if (!/^\d+(\.\d+)?$/.test(v))
        throw fail(`row ${i + 1}, column ${j + 1} is '${v}', not a non-negative number (plain decimals only)`);
      return Number(v);
    }),
  );
  if (cells.length === 0) throw fail('the file holds no matrix (n rows of n numbers)');
  const bad = cells.findIndex((r) => r.length !== cells.length);
  if (bad >= 0)
    throw fail(`the matrix must be square: ${cells.length} rows, but row ${bad + 1} has ${cells[bad].length} numbers`);
  if (!bytes && cells.every((r) => r.every((v) => v === 0))) throw fail('every weight is 0: nothing would be sent');
  return { bytes, cells };
}

/** The pattern as --pattern writes it, with the seed it used: hot:1:0.5, dirichlet:0.3:1. */
export function patternLabel(p: Pattern): string {
  switch (p.kind) {
    case 'uniform':
      return 'uniform';
    case 'zipf':
    case 'spread':
      return `${p.kind}:${p.s}`;
    case 'hot':
      return `hot:${p.k}:${p.fraction}`;
    case 'dirichlet':
      return `dirichlet:${p.alpha}:${p.seed}`;
    case 'random':
      return `random:${p.seed}`;
    case 'matrix':
      return `matrix:${p.file}`;
  }
}

/** Why the pattern cannot serve n ranks, or '' (checked per rank count when the plan expands). */
export function patternUnfit(p: Pattern, n: number): string {
  if (p.kind === 'hot' && p.k >= n)
    return `--pattern hot:${p.k}:… needs more ranks than its ${p.k} hot ones; ${n} rank${n === 1 ? ' is' : 's are'} too few (lower k or raise the ranks)`;
  if (p.kind === 'matrix' && p.cells.length < n)
    return `--pattern matrix:${p.file} is ${p.cells.length} × ${p.cells.length}, too small for ${n} ranks (give an n × n matrix; a larger one is cut to its first n rows and columns, as nccl-tests does)`;
  return '';
}

/** A byte matrix's cells for n ranks in elements: its top-left n × n, each cell rounded down to 16 B, as nccl-tests. */
function byteCells(p: Extract<Pattern, { kind: 'matrix' }>, n: number, ts: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const b = Math.floor(p.cells[i][j]);
      m[i * n + j] = Math.floor((b - (b % 16)) / ts);
    }
  return m;
}

/** A byte matrix fixes the size: the mean bytes a rank sends (rounded down to whole elements). */
export function matrixCount(p: Pattern, n: number, ts: number): number | undefined {
  if (p.kind !== 'matrix' || !p.bytes) return undefined;
  const m = byteCells(p, n, ts);
  return Math.floor(m.reduce((a, b) => a + b, 0) / n);
}

/** The n × n element counts (row-major, row = sender) for a mean of `count` elements per rank. */
export function countMatrix(p: Pattern, n: number, count: number, ts: number): Float64Array {
  if (p.kind === 'matrix' && p.bytes) return byteCells(p, n, ts);
  const m = new Float64Array(n * n);
  if (p.kind === 'matrix') {
    const w = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i * n + j] = p.cells[i][j];
    apportion(count * n, w, m, 0);
    return m;
  }
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    rowWeights(p, i, n, w);
    apportion(count, w, m, i * n);
  }
  return m;
}

function rowWeights(p: Exclude<Pattern, { kind: 'matrix' }>, i: number, n: number, w: Float64Array): void {
  switch (p.kind) {
    case 'uniform':
      w.fill(1);
      return;
    case 'zipf':
      for (let j = 0; j < n; j++) w[j] = 1 / (j + 1) ** p.s;
      return;
    case 'hot':
      for (let j = 0; j < n; j++) w[j] = j < p.k ? p.fraction / p.k : (1 - p.fraction) / (n - p.k);
      return;
    case 'spread': {
      // nccl-tests (nccl-tests/src/alltoallv.cu, AlltoAllvGetPeerBytesDistanceWeighted): (1 − s)·T/n +
      // s·T·d/Σd with d = (j − i) mod n, Σd = n(n − 1)/2; alone, a rank sends everything to itself.
      const sum = (n * (n - 1)) / 2;
      for (let j = 0; j < n; j++) w[j] = n === 1 ? 1 : (1 - p.s) / n + (p.s * ((j - i + n) % n)) / sum;
      return;
    }
    case 'dirichlet': {
      // Dirichlet(α, …, α) = independent Gamma(α, 1) draws, normalised (apportion divides by the sum).
      const rng = prng(p.seed, i);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += w[j] = gamma(p.alpha, rng);
      if (!(sum > 0)) w.fill(1); // every draw underflowed (α far below 1): no peer is preferred
      return;
    }
    case 'random': {
      const rng = prng(p.seed, i);
      for (let j = 0; j < n; j++) w[j] = rng();
      if (w.every((v) => v === 0)) w.fill(1);
      return;
    }
  }
}

/**
 * Splits `total` whole elements over the cells in proportion to the weights, into out[at…]:
 * the largest-remainder method (Hamilton's apportionment): each cell gets the floor of its share
 * and the cells with the largest remainders one more (ties to the lower index), so the parts sum
 * to `total` exactly.
 */
export function apportion(total: number, w: Float64Array, out: Float64Array, at: number): void {
  const sum = w.reduce((a, b) => a + b, 0);
  const rem: number[] = [];
  let given = 0;
  for (let j = 0; j < w.length; j++) {
    const share = sum > 0 ? (total * w[j]) / sum : 0;
    out[at + j] = Math.floor(share);
    given += out[at + j];
    rem.push(j);
    w[j] = share - Math.floor(share); // the remainder, reusing the weights' array
  }
  rem.sort((a, b) => w[b] - w[a] || a - b);
  for (let r = 0; r < total - given && r < rem.length; r++) out[at + rem[r]] += 1;
}
