// Checks a parsed document against the published schema (schema/, from report/schema.ts) with
// Ajv, and says the first few problems in words: where in the file, and what is wrong there.
// Loaded on first use only, so other commands pay nothing: the validator compiled at build time
// (dist/src/compare/result-validator.cjs, by scripts/write-schema.mjs), or else Ajv compiling the
// published file here (a few hundred ms).
import type { ErrorObject, ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import type { ResultDocument } from '../report/schema.js';
import { AJV_OPTIONS, schemaFileName } from '../report/schema-id.js';

const require = createRequire(import.meta.url);
let compiled: ValidateFunction | undefined;
let fromBuild = false;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  try {
    compiled = (require('./result-validator.cjs') as { default: ValidateFunction }).default;
    fromBuild = true;
  } catch {
    // not built by npm run build:ts (a plain tsc): compile the published schema
    const { Ajv } = require('ajv') as typeof import('ajv');
    const schema = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schema', schemaFileName()), 'utf8')) as object;
    // allErrors off: the first problem is enough to say, and a valid file is checked fastest.
    compiled = new Ajv(AJV_OPTIONS).compile(schema);
  }
  return compiled;
}

/** Whether this process checks with the validator compiled at build time. */
export function precompiled(): boolean {
  validator();
  return fromBuild;
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
