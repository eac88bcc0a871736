// The result file's schema, in one place: the TypeScript types of a record (ResultRow, TimeStats)
// and of the run's metadata are derived from these TypeBox definitions (Static<>), and the
// published JSON Schema (schema/ccbench.result-2.schema.json, `npm run schema`) is their JSON form.
// A new field of a record is added here, and only here. An incompatible change (a field removed,
// renamed, retyped, or made required) bumps RESULT_SCHEMA (schema-id.ts) and adds a step to
// compare/migrate.ts. At run time only the build's script and the tests load this module; the
// rest of ccbench imports its types (erased) and schema-id.ts.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Plan } from '../plan/plan.js';
import type { SystemFacts } from '../system/facts.js';

import { RESULT_SCHEMA } from './schema-id.js';

export { AJV_OPTIONS, READABLE_SCHEMAS, RESULT_SCHEMA, schemaFileName } from './schema-id.js';

const Num = Type.Number();
const Whole = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Open = { additionalProperties: true } as const; // parts that other modules own and grow

/** A distribution-free confidence interval of the median (stats.ts medianInterval). */
export const MEDIAN_CI = Type.Object(
  {
    lo: Type.Number({ description: 'µs: the lower order statistic' }),
    hi: Type.Number({ description: 'µs: the upper order statistic' }),
    level: Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'its exact coverage (at least 0.95 from 6 samples on; below 6, [min, max] and less)',
    }),
  },
  { additionalProperties: false },
);

export const TIME_STATS = Type.Object(
  {
    avg: Num,
    min: Num,
    max: Num,
    p50: Num,
    p90: Num,
    p99: Num,
    stdev: Type.Number({ description: 'population stdev of the slowest-rank series' }),
    samples: Type.Integer({ minimum: 0, description: 'iterations' }),
    p50_ci: Nullable(MEDIAN_CI), // null: no samples, or a file of schema 1 (which kept none)
  },
  { additionalProperties: false },
);

// --overlap (OSU's non-blocking collectives): the ranks' mean times and the overlap they give.
const OVERLAP = Type.Object(
  {
    overall_us: Type.Number({ description: 'start, compute, wait: the whole iteration' }),
    compute_us: Type.Number({ description: 'the compute between start and wait (calibrated to pure_us)' }),
    pure_us: Type.Number({ description: 'the op alone, start to wait' }),
    percent: Nullable(
      Type.Number({ description: 'max(0, 100 − 100·(overall − compute)/pure), as OSU; null if pure is 0' }),
    ),
  },
  { additionalProperties: false },
);
export type Overlap = Static<typeof OVERLAP>;

// --concurrent k: the copies together (the row's times), one copy alone, and each copy's completion.
const CONCURRENT = Type.Object(
  {
    copies: Type.Integer({ minimum: 2 }),
    alone_us: Type.Number({ description: 'one copy alone, µs per op (the ranks’ mean)' }),
    together_us: Type.Number({ description: 'all copies started to the last one done (time_us.avg)' }),
    slowdown: Nullable(
      Type.Number({ description: 'together_us / alone_us: 1 = fully concurrent, copies = serialized' }),
    ),
    copy_us: Type.Array(Type.Number(), { description: "each copy's mean time from the common start to its end" }),
    mix: Type.Optional(Type.Array(Type.String(), { description: '`ccbench mix`: the items, in order' })),
    group_size: Type.Optional(
      Type.Integer({ minimum: 1, description: '--groups: ranks per group; copies = groups, copy_us = per group' }),
    ),
  },
  { additionalProperties: false },
);
export type Concurrency = Static<typeof CONCURRENT>;
const CONCURRENT_ROW = Type.Composite([
  CONCURRENT,
  Type.Object({ aggregate_busbw_gbs: Nullable(Type.Number({ description: 'copies × busbw_gbs' })) }),
]);

export const RESULT_ROW = Type.Object(
  {
    op: Type.String(),
    ranks: Type.Integer({ minimum: 1 }),
    size_bytes: Type.Number({ minimum: 0, description: "nccl-tests' size column: max(send, receive) bytes per rank" }),
    count: Type.Number({ minimum: 0, description: 'elements passed to the library (per rank / per peer)' }),
    dtype: Type.String(),
    redop: Type.String(),
    root: Type.Integer({ minimum: -1, description: '-1: the op has no root' }),
    in_place: Type.Boolean(),
    iters: Type.Integer({ minimum: 0, description: 'timed iterations run (with --graph: ops per graph launch)' }),
    iters_planned: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "what --iters or OSU's default asked for: more than iters where --max-time-per-size ended the size (absent in files of ccbench.result/1)",
      }),
    ),
    warmup: Whole,
    graph_launches: Type.Optional(Type.Integer({ minimum: 0, description: '--graph: launches timed' })),
    cycle: Type.Integer({ minimum: 1, description: '1..--repeat' }),
    time_us: TIME_STATS,
    alg_bytes: Type.Number({ minimum: 0, description: 'S in algbw = S / t' }),
    algbw_gbs: Nullable(Num),
    busbw_gbs: Nullable(Num),
    bus_factor: Num,
    wrong: Nullable(Whole),
    overlap: Type.Optional(OVERLAP),
    concurrent: Type.Optional(CONCURRENT_ROW),
    // alltoallv only: its traffic pattern, what each rank sent and received, and each rank's time.
    pattern: Type.Optional(Type.String({ description: "alltoallv's --pattern, with the seed it used" })),
    imbalance: Type.Optional(
      Type.Object(
        {
          max_over_mean: Type.Number({
            minimum: 0,
            description: 'max / mean of the bytes each rank received (1: even)',
          }),
          gini: Type.Number({
            minimum: 0,
            maximum: 1,
            description: 'Gini coefficient of the bytes received per rank (0: even)',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    send_bytes: Type.Optional(Type.Array(Whole, { description: 'bytes each rank sent, by rank' })),
    recv_bytes: Type.Optional(Type.Array(Whole, { description: 'bytes each rank received, by rank' })),
    rank_time_us: Type.Optional(Type.Array(Num, { description: "each rank's mean time per op (µs), by rank" })),
  },
  { additionalProperties: false },
);

const LIBRARY = Type.Union([
  Type.Object({ library: Type.String(), version: Type.String(), path: Type.String() }),
  Type.Object({ error: Type.String() }),
]);

// The node's facts as system/facts.ts writes them; the parts compare reads are spelled out.
const SYSTEM = Type.Unsafe<SystemFacts>(
  Type.Object(
    {
      ccbench: Type.Object({ version: Type.String(), node: Type.String(), addon: Type.String() }, Open),
      backends: Type.Array(Type.Object({ name: Type.String(), available: Type.Boolean() }, Open)),
      gpu: Type.Object({}, Open),
      nccl: LIBRARY,
      rccl: LIBRARY,
      mpi: Nullable(Type.Object({ library_version: Type.String() }, Open)),
    },
    Open,
  ),
);

// The plan as plan/plan.ts builds it (it travels to the ranks too); its main facts spelled out.
const PLAN = Type.Unsafe<Plan>(
  Type.Object(
    {
      np: Type.Integer({ minimum: 1 }),
      backend: Type.String(),
      timing: Type.String(),
      repeat: Type.Integer({ minimum: 1 }),
      mem: Type.String(),
      runs: Type.Array(Type.Object({ op: Type.String(), inPlace: Type.Boolean() }, Open)),
    },
    Open,
  ),
);

export const RUN_META = Type.Object(
  {
    ccbench: Type.Object({ version: Type.String(), node: Type.String(), executable: Type.String() }),
    command: Type.Array(Type.String()),
    cwd: Type.String(),
    start_time: Type.String(),
    launcher: Type.String(),
    backend: Type.Object({
      name: Type.String(),
      library: Type.String(),
      device: Type.String(),
      chosen_by: Type.Optional(Type.String()),
    }),
    mpi: Nullable(
      Type.Object({ implementation: Type.String(), version: Type.String(), library_version: Type.String() }),
    ),
    system: SYSTEM, // rank 0's node: GPUs' runtime and driver, NCCL / RCCL, MPI, the build
    world_size: Type.Integer({ minimum: 1 }),
    hosts: Type.Array(Type.String()),
    ranks: Type.Array(
      Type.Object({
        rank: Whole,
        host: Type.String(),
        pid: Type.Integer(),
        local_rank: Whole,
        device: Type.String(),
        cpus: Type.Optional(Whole), // CPUs the host gives the job
        bound_cpus: Type.Optional(Type.String({ description: "the rank's CPU binding as the kernel lists it (0-3)" })),
        address: Type.Optional(Type.String({ description: "its host's address as other hosts reach it" })),
        machine: Type.Optional(
          Type.String({
            description: "the kernel's boot id: hosts with one are containers or namespaces of one machine",
          }),
        ),
      }),
    ),
    // where rank 0's TCP control plane listened: loopback on one host, a routable address on several
    control: Type.Optional(Type.Object({ address: Type.String(), port: Whole }, { additionalProperties: false })),
    // hosts with more ranks than CPUs, and hosts of one machine whose ranks share too few CPUs
    oversubscribed: Type.Optional(
      Type.Array(
        Type.Object({
          host: Type.String(),
          ranks: Whole,
          cpus: Whole,
          one_machine: Type.Optional(
            Type.Literal(true, {
              description: 'hosts (comma-separated) of one machine, their ranks bound to these CPUs',
            }),
          ),
        }),
      ),
    ),
    // rank 0's NCCL_*, OMPI_MCA_*, UCX_*, ... (system/environment.ts)
    environment: Type.Optional(Type.Record(Type.String(), Type.String())),
    // facts (library versions and paths, driver, $VARIABLES) on which the hosts disagree (system/software.ts)
    software_differences: Type.Optional(
      Type.Array(
        Type.Object(
          {
            fact: Type.String(),
            values: Type.Array(
              Type.Object(
                { value: Type.String(), hosts: Type.Array(Type.String()), ranks: Type.Array(Whole) },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        { description: 'empty: every host runs the same software' },
      ),
    ),
    // rank 0's node flags, what the launcher set, what is missing (system/conditions.ts)
    conditions: Type.Optional(
      Type.Object(
        {
          node_flags: Type.Array(Type.String()),
          injected: Type.Record(Type.String(), Type.String()),
          missing: Type.Array(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    plan: PLAN,
  },
  { additionalProperties: false },
);

export const RUN_STATUS = Type.Union(
  ['running', 'complete', 'check-failed', 'interrupted', 'failed'].map((s) => Type.Literal(s)),
);

/** The whole result file. */
export const RESULT_DOCUMENT = Type.Composite(
  [
    Type.Object({ schema: Type.Literal(RESULT_SCHEMA) }),
    RUN_META,
    Type.Object({
      status: RUN_STATUS,
      end_time: Nullable(Type.String()),
      units: Type.Record(Type.String(), Type.String()),
      results: Type.Array(RESULT_ROW),
      errors: Type.Array(Type.String()),
    }),
  ],
  {
    $id: `urn:ccbench:${RESULT_SCHEMA.replace('ccbench.', '').replace('/', ':')}`,
    title: 'ccbench result file',
    description: `A ccbench run: its metadata, status, units and one record per measured point (${RESULT_SCHEMA}).`,
    additionalProperties: false,
  },
);

export type TimeStats = Static<typeof TIME_STATS>;
export type MedianCi = Static<typeof MEDIAN_CI>;
export type ResultRow = Static<typeof RESULT_ROW>;
export type RunMetaFields = Static<typeof RUN_META>;
export type ResultDocument = Static<typeof RESULT_DOCUMENT>;

/** The published JSON Schema (draft-07, as Ajv checks it) as its file holds it. */
export function publishedSchema(): string {
  return JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...RESULT_DOCUMENT }, null, 1) + '\n';
}
