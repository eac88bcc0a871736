// What other parts of ccbench (the HTML report) use of compare: read result files or parsed
// documents (any readable schema version, validated), compare them into one plain object, judge
// it against gate rules, and render it.
export { loadResult, readDocument, type LoadedResult } from './load.js';
export {
  compareDocuments,
  COMPARE_SCHEMA,
  type ComparedFile,
  type ComparedPoint,
  type ComparedSeries,
  type Comparison,
  type InputDocument,
  type Versus,
} from './compare.js';
export type { Measured } from './align.js';
export { NOISE_RULE, type Verdict } from './noise.js';
export type { SeriesSummary } from './summary.js';
export type { EnvDifference } from './environment.js';
export {
  describeFailure,
  judge,
  parseBusbwRules,
  parseSlowerRules,
  type GateFailure,
  type GateResult,
  type GateRule,
} from './gate.js';
export {
  blocks,
  COMPARE_FORMATS,
  legend,
  render,
  renderJson,
  renderMarkdown,
  renderTable,
  type Block,
  type CompareFormat,
} from './render.js';
