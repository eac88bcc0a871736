// The output formats by name: `--format <name>` (standard output) and `--out [<name>:]<file>`
// come from this list. A new format is one module and one line here.
import { UsageError } from '../../errors.js';
import { csvExporter } from './csv.js';
import type { ExporterDef } from './exporter.js';
import { jsonExporter } from './json.js';
import { jsonlExporter } from './jsonl.js';
import { markdownExporter } from './markdown.js';
import { ncclTestsExporter } from './nccl-tests.js';
import { ncclTestsJsonExporter } from './nccl-tests-json.js';
import { osuExporter } from './osu.js';
import { tableExporter } from './table.js';

export const EXPORTERS: readonly ExporterDef[] = [
  tableExporter,
  csvExporter,
  jsonExporter,
  markdownExporter,
  jsonlExporter,
  ncclTestsExporter,
  ncclTestsJsonExporter,
  osuExporter,
];

export function findExporter(name: string): ExporterDef | undefined {
  return EXPORTERS.find((e) => e.name === name);
}

/** The format of a file: "name:path", else by the path's extension. */
export function resolveOut(spec: string): { format: string; path: string } {
  const m = /^([a-z][a-z0-9-]*):(.*)$/.exec(spec);
  if (m && findExporter(m[1])) return { format: m[1], path: m[2] };
  const ext = /\.([^./]+)$/.exec(spec)?.[1]?.toLowerCase();
  const byExt = ext ? EXPORTERS.find((e) => e.extensions.includes(ext)) : undefined;
  if (byExt) return { format: byExt.name, path: spec };
  const names = EXPORTERS.map((e) => e.name).join(', ');
  throw new UsageError(
    m
      ? `--out '${spec}': no format '${m[1]}'; choose from ${names}`
      : `--out '${spec}': cannot tell the format from the file name; write <format>:${spec} (${names}) or use an extension such as ${EXPORTERS.flatMap((e) => e.extensions.map((x) => `.${x}`)).join(', ')}`,
  );
}
