// The ways of running a point other than one op timed alone (--overlap, --concurrent, a mix,
// --groups) and the timings they replace; each check asks which of these the request also names.
import type { PlanInput } from './options.js';

export type Form = 'ranks' | 'overlap' | 'concurrent' | 'mix' | 'groups' | 'timing' | 'blocking' | 'graph';

const ASKED: Record<Form, (o: PlanInput) => string> = {
  ranks: (o) => (o.ranks ? '--ranks' : ''),
  overlap: (o) => (o.overlap ? '--overlap' : ''),
  concurrent: (o) => ((o.concurrent ?? 1) > 1 ? '--concurrent' : ''),
  mix: (o) => (o.mix ? 'a mix' : ''),
  groups: (o) => (o.groups !== undefined ? '--groups' : ''),
  timing: (o) => (o.timing !== undefined ? `--timing ${o.timing}` : ''),
  blocking: (o) => (o.blocking ? '--blocking' : ''),
  graph: (o) => (o.graph ? '--graph' : ''),
};

/** The first of `forms` the request names, as its flag ('' when none): for "drop it" messages. */
export function alsoAsked(o: PlanInput, ...forms: Form[]): string {
  for (const f of forms) {
    const said = ASKED[f](o);
    if (said) return said;
  }
  return '';
}
