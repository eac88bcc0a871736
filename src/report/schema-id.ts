// The result file's schema version and where its published JSON Schema lies: what a run and a
// reader need at run time, without the TypeBox definitions (schema.ts), whose library costs a
// noticeable part of a second to load.
export const RESULT_SCHEMA = 'ccbench.result/2';
/** Every version this ccbench reads (older ones through compare/migrate.ts). */
export const READABLE_SCHEMAS = ['ccbench.result/1', RESULT_SCHEMA] as const;

/** The published schema's file name, under schema/: ccbench.result-2.schema.json. */
export const schemaFileName = (): string => `${RESULT_SCHEMA.replace('/', '-')}.schema.json`;

/** How Ajv checks the schema, wherever it compiles it (compare/validate.ts, scripts/write-schema.mjs). */
export const AJV_OPTIONS = { strict: true, allowUnionTypes: true } as const;
