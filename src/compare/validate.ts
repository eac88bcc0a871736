// Checks a parsed document against the published schema (report/schema.ts) with Ajv, and says the
// first few problems in words: where in the file, and what is wrong there. The validator compiled
// at build time (scripts/write-schema.mjs) is used where it is there; else the schema is compiled
// here, once per process.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { AJV_OPTIONS, RESULT_DOCUMENT, type ResultDocument } from '../report/schema.js';

const GENERATED = './result-validator.js'; // not a source file: written into dist/ by the build
let compiled: ValidateFunction | undefined;
try {
  compiled = ((await import(GENERATED)) as { default: ValidateFunction }).default;
} catch {
  // not built by npm run build:ts (a plain tsc): compiled on first use
}

/** Whether this process uses the validator compiled at build time. */
export const precompiled = compiled !== undefined;

function validator(): ValidateFunction {
  // allErrors off: the first problem is enough to say, and a valid file is checked fastest.
  compiled ??= new Ajv(AJV_OPTIONS).compile(RESULT_DOCUMENT);
  return compiled;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.replace(/^\//, '').replace(/\//g, '.') : 'the document';
  if (e.keyword === 'additionalProperties')
    return `${where}: unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
  if (e.keyword === 'required') return `${where}: no '${(e.params as { missingProperty: string }).missingProperty}'`;
  return `${where} ${e.message ?? 'is not valid'}`;
}

/** The problems of a document that claims the current schema; empty when it is valid. */
export function schemaProblems(doc: unknown): string[] {
  const v = validator();
  if (v(doc)) return [];
  return (v.errors ?? []).slice(0, 3).map(describe);
}

export function isResultDocument(doc: unknown): doc is ResultDocument {
  return validator()(doc);
}
