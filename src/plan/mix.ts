// `ccbench mix allreduce:64M,alltoall:1M`: different collectives at once, each on its own
// communicator, as data-parallel allreduce runs beside tensor-parallel collectives in training.
// The items become runs of one size each; the sweep measures them together (rank/sweep.ts).
import { UsageError } from '../errors.js';
import { findOp } from '../ops/index.js';
import type { BackendDef } from './backends.js';
import { alsoAsked } from './forms.js';
import type { Point } from './expand.js';
import type { PlanInput } from './options.js';
import type { RunSpec } from './plan.js';
import { parseSizes } from './sizes.js';

const FORM = 'write op:size,op:size,… e.g. allreduce:64M,alltoall:1M';

/** The items of a mix as runs of one size each. */
export function parseMix(text: string): RunSpec[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length < 2 || items.some((s) => s === ''))
    throw new UsageError(`a mix needs two or more items, not '${text}'; ${FORM}`);
  return items.map((item) => {
    const [op, size, more] = item.split(':');
    if (size === undefined || more !== undefined || !op)
      throw new UsageError(`mix item '${item}' is not op:size; ${FORM}`);
    if (!findOp(op)) throw new UsageError(`mix item '${item}': unknown op '${op}'; see ccbench list`);
    const sizes = parseSizes(size);
    if (sizes.length !== 1) throw new UsageError(`mix item '${item}' takes one size, not a range or list; ${FORM}`);
    return { op, sizes: size };
  });
}

/** What a mix cannot be combined with; `points`: the plan's expanded points. */
export function checkMix(o: PlanInput, backend: BackendDef, points: Point[], runs: number, rankCounts: number[]): void {
  if (backend.noConcurrent)
    throw new UsageError(
      `a mix starts its items with non-blocking collectives: ${backend.noConcurrent.replace(/--overlap/g, 'a mix')}`,
    );
  const other = alsoAsked(o, 'overlap', 'concurrent', 'timing', 'blocking', 'graph');
  if (other) throw new UsageError(`a mix times its items its own way (started together, waited for); drop ${other}`);
  if (rankCounts.length > 1) throw new UsageError('a mix runs on one rank count: drop --ranks (use -n)');
  if (points.length !== runs)
    throw new UsageError(
      'each item of a mix is one measurement: give one --dtype and one --reduce-op (the items have their own sizes)',
    );
}
