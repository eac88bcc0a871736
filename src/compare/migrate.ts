// Older result files, read as the current schema (report/schema.ts). Each step takes a document
// of one version to the next; a file of any readable version goes through every later step.
//   1 → 2: records gain time_us.p50_ci, the median's confidence interval. Schema 1 kept no
//          samples, so it is null: compare then judges those sizes by the tolerance alone.
import { RESULT_SCHEMA } from '../report/schema-id.js';

type Doc = Record<string, unknown>;

const STEPS: Record<string, { to: string; step: (doc: Doc) => Doc }> = {
  'ccbench.result/1': {
    to: 'ccbench.result/2',
    step: (doc) => ({
      ...doc,
      schema: 'ccbench.result/2',
      results: Array.isArray(doc.results)
        ? doc.results.map((r: Doc) =>
            r && typeof r === 'object' && r.time_us && typeof r.time_us === 'object'
              ? { ...r, time_us: { ...(r.time_us as Doc), p50_ci: null } }
              : r,
          )
        : doc.results,
    }),
  },
};

/** The document as the current schema; unknown versions are returned unchanged (validation names them). */
export function migrate(doc: Doc): Doc {
  let d = doc;
  for (let guard = 0; typeof d.schema === 'string' && d.schema !== RESULT_SCHEMA && guard < 100; guard++) {
    const s = STEPS[d.schema];
    if (!s) break;
    d = s.step(d);
  }
  return d;
}
