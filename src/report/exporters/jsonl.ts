// JSON Lines (https://jsonlines.org: UTF-8, one JSON value per line, "\n" after each): one result
// record per line, written as each size finishes, the same records as the JSON document's
// "results" (report/row.ts). For `tail -f`, `jq -c`, pandas.read_json(lines=True) and the like;
// the run's metadata is in --json.
import type { ResultRow } from '../row.js';
import { TextSink, type ExporterDef } from './exporter.js';

export const jsonlExporter: ExporterDef = {
  name: 'jsonl',
  summary: 'one JSON record per line, as each size finishes (JSON Lines)',
  extensions: ['jsonl', 'ndjson'],
  create(_meta, target) {
    const sink = new TextSink(target);
    return {
      open: () => sink.open(),
      add: (row: ResultRow) => sink.write(JSON.stringify(row) + '\n'),
      close: () => sink.close(),
    };
  },
};
