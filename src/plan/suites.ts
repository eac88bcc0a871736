// Suites: named sets of runs in suites/<name>.json (or any file). A suite gives default options
// and a list of runs, each an op with optional sizes, dtype, reduce-op and pattern of its own. Options the
// user types win over the suite's run fields, which win over the suite's options.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import { checkSuiteValue, SUITE_OPTIONS, type PlanInput } from './options.js';
import type { RunSpec } from './plan.js';

export interface Suite {
  name: string;
  description: string;
  options: PlanInput;
  runs: RunSpec[];
}

export const SUITE_DIR = join(PACKAGE_ROOT, 'suites');

// Suite option names are the CLI's long flags without dashes (plan/options.ts says which).
const RUN_FIELDS: Record<string, keyof RunSpec> = {
  op: 'op',
  sizes: 'sizes',
  dtype: 'dtype',
  'reduce-op': 'reduceOp',
  pattern: 'pattern', // alltoallv's --pattern
};

export function listSuites(): Suite[] {
  if (!existsSync(SUITE_DIR)) return [];
  return readdirSync(SUITE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadSuite(join(SUITE_DIR, f)));
}

/** A suite by name (suites/<name>.json) or by path. */
export function loadSuite(nameOrPath: string): Suite {
  const path = existsSync(nameOrPath) ? nameOrPath : join(SUITE_DIR, `${nameOrPath}.json`);
  if (existsSync(path) && statSync(path).isDirectory())
    throw new UsageError(`suite ${path} is a directory; give a suite file (a .json file) or a suite name`);
  if (!existsSync(path)) {
    const known = existsSync(SUITE_DIR)
      ? readdirSync(SUITE_DIR)
          .filter((f) => f.endsWith('.json'))
          .map((f) => f.slice(0, -5))
      : [];
    throw new UsageError(`no suite '${nameOrPath}': give a suite file or one of ${known.join(', ')}`);
  }
  const name = basename(path).replace(/\.json$/, '');
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`suite ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const bad = (what: string) => new UsageError(`suite ${path}: ${what}`);
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { runs?: unknown }).runs))
    throw bad('needs a "runs" list, e.g. {"runs": [{"op": "allreduce", "sizes": "8:1M"}]}');
  const d = doc as { description?: unknown; options?: Record<string, unknown>; runs: unknown[] };
  const options: PlanInput = {};
  for (const [k, v] of Object.entries(d.options ?? {})) {
    const decl = SUITE_OPTIONS.get(k);
    if (!decl) throw bad(`unknown option "${k}"; suites take ${[...SUITE_OPTIONS.keys()].join(', ')}`);
    (options as Record<string, unknown>)[decl[0]] = checkSuiteValue(decl[1], k, v, bad);
  }
  const runs = d.runs.map((r, i) => {
    if (typeof r !== 'object' || r === null || typeof (r as { op?: unknown }).op !== 'string')
      throw bad(`runs[${i}] needs an "op"`);
    const run: Record<string, string> = {};
    for (const [k, v] of Object.entries(r)) {
      if (!RUN_FIELDS[k])
        throw bad(`runs[${i}]: unknown field "${k}"; a run takes ${Object.keys(RUN_FIELDS).join(', ')}`);
      if (typeof v !== 'string') throw bad(`runs[${i}].${k} must be a string`);
      run[RUN_FIELDS[k]] = v;
    }
    return run as unknown as RunSpec;
  });
  if (runs.length === 0) throw bad('"runs" is empty');
  return { name, description: typeof d.description === 'string' ? d.description : '', options, runs };
}

/** The runs and options of a suite under what the user typed (`explicit`: options given on the CLI). */
export function applySuite(
  suite: Suite,
  cli: PlanInput,
  explicit: Set<keyof PlanInput>,
): { runs: RunSpec[]; options: PlanInput } {
  const options: PlanInput = { ...cli };
  for (const [k, v] of Object.entries(suite.options) as [keyof PlanInput, unknown][])
    if (!explicit.has(k)) (options as Record<string, unknown>)[k] = v;
  const runs = suite.runs.map((r) => ({
    op: r.op,
    ...(r.sizes !== undefined && !explicit.has('sizes') && { sizes: r.sizes }),
    ...(r.dtype !== undefined && !explicit.has('dtype') && { dtype: r.dtype }),
    ...(r.reduceOp !== undefined && !explicit.has('reduceOp') && { reduceOp: r.reduceOp }),
    ...(r.pattern !== undefined && !explicit.has('pattern') && { pattern: r.pattern }),
  }));
  return { runs, options };
}
