// Writes the published JSON Schema of the result file from its TypeBox definition
// (src/report/schema.ts, compiled to dist/): schema/<version>.schema.json. `npm run schema`;
// test/schema.test.ts fails when the committed file and the definition disagree.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { publishedSchema, schemaFileName } = await import(join(root, 'dist/src/report/schema.js'));
const file = join(root, 'schema', schemaFileName());
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, publishedSchema());
process.stdout.write(`wrote ${file}\n`);
