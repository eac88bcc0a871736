// The published JSON Schema of the result file: it is the TypeBox definition's JSON form, Ajv
// (compiled from the published file, independently of ccbench's own validator) accepts files from
// real runs of every op on every backend this machine has (MPI, Gloo; NCCL and RCCL need GPUs),
// rejects broken ones, and `ccbench validate` says which is which. Schema-1 files, written by
// commit 23a9f2a (test/fixtures/), are read through the migration.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { loadResult } from '../src/compare/load.js';
import { precompiled } from '../src/compare/validate.js';
import { OPS } from '../src/ops/index.js';
import { publishedSchema, RESULT_SCHEMA, schemaFileName } from '../src/report/schema.js';
import { ccbench, ROOT, tempDir } from './helpers.js';
import { rmSync } from 'node:fs';

const PUBLISHED = join(ROOT, 'schema', schemaFileName());
const V1 = ['result-v1-allreduce-mpi.json', 'result-v1-all-gloo.json'].map((f) => join(ROOT, 'test', 'fixtures', f));
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
const check = ajv.compile(JSON.parse(readFileSync(PUBLISHED, 'utf8')) as object);
const read = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, any>;

test('the published schema is the TypeBox definition (npm run schema rewrites it)', () => {
  assert.equal(readFileSync(PUBLISHED, 'utf8'), publishedSchema());
});

const GENERATED = join(ROOT, 'dist', 'src', 'compare', 'result-validator.cjs');
test(
  'the validator compiled at build time is in use and embeds the published schema',
  { skip: !existsSync(GENERATED) && 'dist/ was not built by npm run build:ts' },
  () => {
    assert.equal(precompiled(), true);
    const code = readFileSync(GENERATED, 'utf8');
    assert.ok(
      code.includes(JSON.stringify(JSON.parse(publishedSchema()))),
      'generated from another schema: npm run build:ts',
    );
  },
);

describe('real runs of every op', () => {
  const files: Record<string, string> = {};
  const small = ['--sizes', '64,4K', '--iters', '8', '--warmup', '1', '--quiet'];
  before(async () => {
    const runs: [string, string[]][] = [
      ['mpi', ['all', '-n', '2', '--backend', 'mpi', '--check', ...small]],
      ['gloo', ['all', '-n', '2', '--launcher', 'local', '--backend', 'gloo', '--check', ...small]],
      ['mpi-repeat', ['allreduce', '-n', '2', '--backend', 'mpi', '--repeat', '2', '--in-place', ...small]],
    ];
    for (const [name, args] of runs) {
      files[name] = join(dir, `${name}.json`);
      const r = await ccbench([...args, '--json', files[name]]);
      assert.equal(r.code, 0, r.stderr);
    }
  });

  for (const name of ['mpi', 'gloo', 'mpi-repeat'])
    test(`${name}: Ajv accepts it`, () => {
      const doc = read(files[name]);
      assert.equal(doc.schema, RESULT_SCHEMA);
      if (name !== 'mpi-repeat')
        for (const op of OPS)
          assert.ok(
            doc.results.some((r: { op: string }) => r.op === op.name),
            `${name} has ${op.name}`,
          );
      assert.ok(check(doc), JSON.stringify(check.errors));
      for (const r of doc.results)
        assert.ok(r.time_us.p50_ci.lo <= r.time_us.p50 && r.time_us.p50 <= r.time_us.p50_ci.hi);
    });

  test('the document on standard output (--format json) is valid too', async () => {
    const r = await ccbench([
      'allreduce',
      '-n',
      '2',
      '--backend',
      'mpi',
      '--sizes',
      '64',
      '--iters',
      '8',
      '--format',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(check(JSON.parse(r.stdout)), JSON.stringify(check.errors));
  });

  test('a record with a field missing, unknown or of the wrong type is refused', () => {
    const breakIt = (f: (d: Record<string, any>) => void) => {
      const d = read(files.mpi);
      f(d);
      return check(d);
    };
    assert.equal(
      breakIt(() => {}),
      true,
    );
    assert.equal(
      breakIt((d) => delete d.results[0].time_us.p50_ci),
      false,
    );
    assert.equal(
      breakIt((d) => (d.results[1].no_such_field = 5)),
      false,
    );
    assert.equal(
      breakIt((d) => (d.results[2].size_bytes = '64')),
      false,
    );
    assert.equal(
      breakIt((d) => (d.status = 'done')),
      false,
    );
    assert.equal(
      breakIt((d) => (d.schema = 'ccbench.result/1')),
      false,
    );
  });

  test('ccbench validate: valid files exit 0, a broken one says where and exits 2', async () => {
    const ok = await ccbench(['validate', files.mpi, files.gloo]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`gloo.json: valid ${RESULT_SCHEMA} \\(\\d+ records, status complete\\)`));
    const bad = join(dir, 'broken.json');
    const d = read(files.mpi);
    d.results[3].time_us.p50 = 'fast';
    writeFileSync(bad, JSON.stringify(d));
    const r = await ccbench(['validate', bad]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^ccbench: .*broken.json is not a valid ccbench.result\/2 file: results.3.time_us.p50 must be number/,
    );
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});

describe('the previous version, ccbench.result/1', () => {
  test('a file written by the previous code is not valid as schema 2, and is read through the migration', () => {
    for (const f of V1) {
      const raw = read(f);
      assert.equal(raw.schema, 'ccbench.result/1');
      assert.equal(check(raw), false);
      const { schema, doc } = loadResult(f);
      assert.equal(schema, 'ccbench.result/1');
      assert.equal(doc.schema, RESULT_SCHEMA);
      assert.ok(check(doc), JSON.stringify(check.errors));
      assert.equal(doc.results.length, raw.results.length);
      doc.results.forEach((r, i) => {
        assert.equal(r.time_us.p50_ci, null);
        const { p50_ci: _, ...rest } = r.time_us;
        assert.deepEqual({ ...r, time_us: rest }, raw.results[i]);
      });
    }
  });

  test('ccbench validate reads it and says it is the previous version', async () => {
    const r = await ccbench(['validate', ...V1]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /valid ccbench.result\/1 \(6 records, status complete\); the previous version/);
  });

  test('an unknown version, another JSON file or no JSON at all: one line, exit 2', async () => {
    const cases: [string, RegExp][] = [
      [
        JSON.stringify({ ...read(V1[0]), schema: 'ccbench.result/9' }),
        /has schema ccbench.result\/9, which this ccbench cannot read/,
      ],
      [JSON.stringify({ name: 'package' }), /is not a ccbench result file: its "schema" is missing/],
      ['{"schema": "ccbench.result/2", ', /is not JSON/],
      ['[1, 2]', /is not a ccbench result file/],
    ];
    for (const [i, [text, want]] of cases.entries()) {
      const p = join(dir, `case-${i}.json`);
      writeFileSync(p, text);
      const r = await ccbench(['validate', p]);
      assert.equal(r.code, 2, text);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const missing = await ccbench(['validate', join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope.json: no such file/);
  });
});
