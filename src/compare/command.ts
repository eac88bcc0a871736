// `ccbench compare` and `ccbench validate` from file names to text and an exit code; the CLI only
// parses their arguments (cli/program.ts).
import { EXIT, UsageError } from '../errors.js';
import { compareDocuments } from './compare.js';
import { judge, parseBusbwRules, parseSlowerRules } from './gate.js';
import { loadResult } from './load.js';
import { render, type CompareFormat } from './render.js';
import { RESULT_SCHEMA } from '../report/schema-id.js';

export interface CompareOptions {
  format?: CompareFormat;
  failIfSlower?: string[];
  minBusbw?: string[];
}

export interface CommandResult {
  stdout: string;
  stderr: string[]; // lines
  exitCode: number;
}

export function compareCommand(paths: string[], o: CompareOptions): CommandResult {
  // The rules first: a typo in them is reported before any file is read.
  const slower = parseSlowerRules(o.failIfSlower ?? []);
  const busbw = parseBusbwRules(o.minBusbw ?? []);
  if (paths.length < 2 && !(paths.length === 1 && busbw.length && !slower.length))
    throw new UsageError(
      'compare needs two result files or more (the first is the baseline): ccbench compare baseline.json new.json; one file alone takes --min-busbw only',
    );
  const files = paths.map(loadResult);
  const c = compareDocuments(files);
  const gate = slower.length || busbw.length ? judge(c, slower, busbw) : undefined;
  // The failures are listed in the output (every format); standard error gets the verdict.
  const stderr =
    gate && !gate.passed
      ? [
          `ccbench: compare: ${gate.failures.length} size${gate.failures.length === 1 ? '' : 's'} failed the gate (listed under 'gate' in the output); exit code ${EXIT.regression}`,
        ]
      : [];
  return {
    stdout: render(o.format ?? 'table', c, gate),
    stderr,
    exitCode: gate && !gate.passed ? EXIT.regression : EXIT.ok,
  };
}

export function validateCommand(paths: string[]): CommandResult {
  if (paths.length === 0) throw new UsageError('validate needs result files: ccbench validate run.json');
  const lines: string[] = [];
  const stderr: string[] = [];
  for (const p of paths) {
    try {
      const r = loadResult(p);
      lines.push(
        `${p}: valid ${r.schema} (${r.doc.results.length} records, status ${r.doc.status})` +
          (r.schema !== RESULT_SCHEMA ? `; the previous version, read as ${RESULT_SCHEMA} by compare` : ''),
      );
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      stderr.push(`ccbench: ${e.message}`);
    }
  }
  return {
    stdout: lines.length ? lines.join('\n') + '\n' : '',
    stderr,
    exitCode: stderr.length ? EXIT.usage : EXIT.ok,
  };
}
