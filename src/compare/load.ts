// Reads result files for compare, validate and report: parse, recognise the schema version,
// migrate an older one, validate against the current schema. Every problem is one UsageError line
// naming the file.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { READABLE_SCHEMAS, RESULT_SCHEMA, schemaFileName } from '../report/schema-id.js';
import type { ResultDocument } from '../report/schema.js';
import { migrate } from './migrate.js';
import { schemaProblems } from './validate.js';

export interface LoadedResult {
  path: string;
  name: string; // the file's name, as tables show it
  schema: string; // the version the file was written in
  doc: ResultDocument; // as the current schema
}

/** A parsed document (from a file or elsewhere) as the current schema, or the reason it is not one. */
export function readDocument(parsed: unknown, what: string): { schema: string; doc: ResultDocument } {
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`${what} is not a ccbench result file (a JSON object with "schema": "${RESULT_SCHEMA}")`);
  const schema = (parsed as { schema?: unknown }).schema;
  if (typeof schema !== 'string' || !schema.startsWith('ccbench.result/'))
    throw new UsageError(
      `${what} is not a ccbench result file: its "schema" is ${JSON.stringify(schema) ?? 'missing'}; give a file written by ccbench --json`,
    );
  if (!(READABLE_SCHEMAS as readonly string[]).includes(schema))
    throw new UsageError(
      `${what} has schema ${schema}, which this ccbench cannot read (it reads ${READABLE_SCHEMAS.join(', ')}); use the ccbench that wrote it, or a newer one`,
    );
  const doc = migrate(parsed as Record<string, unknown>);
  const problems = schemaProblems(doc);
  if (problems.length)
    throw new UsageError(
      `${what} is not a valid ${schema} file: ${problems.join('; ')} (the schema: schema/${schemaFileName()})`,
    );
  return { schema, doc: doc as unknown as ResultDocument };
}

export function loadResult(path: string): LoadedResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(e))}; give a result file written by ccbench --json`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path} is not JSON (${(e as Error).message}); give a result file written by ccbench --json`);
  }
  return { path, name: basename(path), ...readDocument(parsed, path) };
}
