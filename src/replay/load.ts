// Reads a trace: which format (or --format), which file is which rank, then the format's reader.
// Every problem is one UsageError line naming the file (and the entry) and what to do.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../errors.js';
import { readDeepspeed } from './deepspeed.js';
import { kinetoIdentity, readKineto } from './kineto.js';
import { TRACE_FORMATS, type Trace, type TraceFormat } from './model.js';
import { readParam, type RankFile } from './param.js';
import { checkTrace } from './plan.js';

interface Parsed {
  path: string;
  data: unknown;
}

function readJson(path: string): Parsed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`);
  }
  try {
    return { path, data: JSON.parse(text) };
  } catch (e) {
    throw new UsageError(`${path} is not JSON (${(e as Error).message}); give a PARAM, Kineto or DeepSpeed trace`);
  }
}

/** The files named: a directory stands for its *.json files. */
function expand(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let dir = false;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      // readJson says so
    }
    if (!dir) out.push(p);
    else {
      const files = readdirSync(p)
        .filter((f) => f.endsWith('.json'))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      if (files.length === 0) throw new UsageError(`${p} holds no .json file; give a trace directory or its files`);
      out.push(...files.map((f) => join(p, f)));
    }
  }
  return out;
}

export function detectFormat(p: Parsed): TraceFormat | undefined {
  const d = p.data as Record<string, unknown>;
  if (Array.isArray(d)) return 'param';
  if (d && typeof d === 'object') {
    if (Array.isArray(d.traceEvents)) return 'kineto';
    if (d.summary && typeof d.summary === 'object') return 'deepspeed';
  }
  return undefined;
}

/** The rank a file is: its name (<rank>.json, rank<rank>.json, …_rank3.json) or, for Kineto, distributedInfo. */
function rankFiles(parsed: Parsed[], format: TraceFormat): { files: RankFile[]; worldSize: number } {
  const said = parsed.map((p) => (format === 'kineto' ? kinetoIdentity(p.data) : {}));
  const named = parsed.map((p) => /^(?:.*?rank[_-]?)?(\d+)\.json$/i.exec(basename(p.path))?.[1]);
  const files = parsed.map((p, i) => {
    const rank = said[i].rank ?? (named[i] !== undefined ? Number(named[i]) : undefined);
    if (rank === undefined)
      throw new UsageError(
        `${p.path}: cannot tell which rank it is; name the files <rank>.json (PARAM) or keep Kineto's distributedInfo`,
      );
    return { path: p.path, rank, data: p.data };
  });
  const worlds = new Set(said.map((s) => s.worldSize).filter((w) => w !== undefined));
  if (worlds.size > 1)
    throw new UsageError(`the files say different world sizes (${[...worlds].join(', ')}); give one job's traces`);
  const worldSize = [...worlds][0] ?? Math.max(...files.map((f) => f.rank)) + 1;
  const byRank = new Map<number, string>();
  for (const f of files) {
    if (f.rank >= worldSize) throw new UsageError(`${f.path} is rank ${f.rank}, outside the job's ${worldSize} ranks`);
    if (byRank.has(f.rank)) throw new UsageError(`${f.path} and ${byRank.get(f.rank)} are both rank ${f.rank}`);
    byRank.set(f.rank, f.path);
  }
  for (let r = 0; r < worldSize; r++)
    if (!byRank.has(r))
      throw new UsageError(
        `rank ${r}'s trace is missing: ${files.length} files for ${worldSize} ranks (${[...byRank.keys()].sort((a, b) => a - b).join(', ')} given); give every rank's file`,
      );
  return { files: files.sort((a, b) => a.rank - b.rank), worldSize };
}

export function loadTrace(paths: string[], format?: string): Trace {
  if (format !== undefined && !(TRACE_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format takes ${TRACE_FORMATS.join(', ')}, not '${format}'`);
  const single = paths.length === 1 && !statSync(paths[0], { throwIfNoEntry: false })?.isDirectory();
  const parsed = expand(paths).map(readJson);
  for (const p of parsed) {
    const seen = detectFormat(p);
    if (!seen)
      throw new UsageError(
        `${p.path}: cannot tell its trace format (a PARAM list of entries, a Kineto {"traceEvents": …}, a DeepSpeed {"summary": …}); check the file or give --format`,
      );
    if (format && seen !== format)
      throw new UsageError(`${p.path} reads as a ${seen} trace, not ${format}; check --format`);
    format ??= seen;
    if (seen !== format)
      throw new UsageError(`${p.path} is a ${seen} trace but ${parsed[0].path} is ${format}; give one format`);
  }
  let trace: Trace;
  if (format === 'deepspeed') {
    if (parsed.length !== 1)
      throw new UsageError('a DeepSpeed summary is one file (rank 0 logs for the job); give one');
    trace = readDeepspeed(parsed[0].path, parsed[0].data);
  } else if (format === 'param' && single) {
    trace = readParam([{ path: parsed[0].path, rank: 0, data: parsed[0].data }], true);
  } else {
    const { files, worldSize } = rankFiles(parsed, format as TraceFormat);
    trace = format === 'kineto' ? readKineto(files, worldSize) : readParam(files, false);
  }
  checkTrace(trace);
  return trace;
}
