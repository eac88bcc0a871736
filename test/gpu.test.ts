// GPU backends without a GPU (selection, plans, `auto`, info, clear errors), and on a real GPU
// when one is present: every op on NCCL / RCCL with --check, in place, with graphs, several dtypes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { loadAddon, type Addon } from '../src/native/addon.js';
import { buildPlan } from '../src/plan/plan.js';
import { autoBackend } from '../src/system/auto.js';
import { checkOneGpuPerRank, selectGpu } from '../src/rank/gpu.js';
import { checkMpiTakesGpuBuffers } from '../src/rank/run.js';
import { ccbench, readJson, tempDir } from './helpers.js';

const addon = loadAddon();
const gpus = addon.gpuVendor();
const gpuBackend = gpus?.vendor === 'amd' ? 'rccl' : 'nccl';
const lib = addon.ncclInfo(gpuBackend === 'rccl', '');
const noGpu = !gpus
  ? 'no GPU is visible here (a CUDA or HIP runtime with a device is needed)'
  : lib.error
    ? `${gpuBackend} is not found: ${lib.error}`
    : false;

const usage = (f: () => unknown, needle: string | RegExp) =>
  assert.throws(
    f,
    (e: unknown) =>
      e instanceof UsageError && (typeof needle === 'string' ? e.message.includes(needle) : needle.test(e.message)),
  );

describe('GPU selection', () => {
  test('local rank modulo the visible GPUs, or --gpus-per-node', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 8, 9].map((r) => selectGpu(r, 8, undefined, 'n')),
      [0, 1, 2, 3, 0, 1],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((r) => selectGpu(r, 8, 2, 'n')),
      [0, 1, 0, 1],
    );
    usage(() => selectGpu(0, 0, undefined, 'node7'), /no GPU is visible on node7/);
    usage(() => selectGpu(0, 4, 8, 'node7'), '--gpus-per-node 8, but node7 shows only 4 GPUs');
  });

  test('NCCL needs a GPU per rank of a node', () => {
    checkOneGpuPerRank(8, 8, undefined, 'n', 'nccl');
    usage(
      () => checkOneGpuPerRank(2, 1, undefined, 'gpu1', 'nccl'),
      '2 ranks on gpu1 would share 1 GPU, but nccl needs one GPU per rank',
    );
    usage(() => checkOneGpuPerRank(4, 8, 2, 'n', 'rccl'), 'would share 2 GPUs');
  });
});

describe('plans for GPU backends', () => {
  test('nccl and rccl time as nccl-tests does by default, on device memory; --blocking times each op', () => {
    for (const b of ['nccl', 'rccl']) {
      const p = buildPlan(['allreduce'], { backend: b }, 1);
      assert.deepEqual([p.timing, p.mem], ['batch', 'device']);
      assert.equal(buildPlan(['allreduce'], { backend: b, blocking: true }, 1).timing, 'per-op');
    }
    assert.deepEqual(
      [
        buildPlan(['allreduce'], { backend: 'mpi' }, 2).mem,
        buildPlan(['allreduce'], { backend: 'mpi', mem: 'device' }, 2).mem,
      ],
      ['host', 'device'],
    );
    usage(() => buildPlan(['allreduce'], { backend: 'gloo', mem: 'device' }, 2), 'gloo backend uses host memory only');
    usage(() => buildPlan(['allreduce'], { backend: 'nccl', mem: 'host' }, 2), 'nccl backend uses device memory only');
    usage(() => buildPlan(['allreduce'], { backend: 'nccl', blocking: true, timing: 'batch' }, 2), 'contradict');
  });

  test('--graph: GPU backends, batch timing', () => {
    assert.equal(buildPlan(['allreduce'], { backend: 'nccl', graph: 10 }, 1).graphLaunches, 10);
    usage(() => buildPlan(['allreduce'], { backend: 'mpi', graph: 10 }, 2), 'mpi backend cannot be captured');
    usage(
      () => buildPlan(['allreduce'], { backend: 'nccl', graph: 10, blocking: true }, 1),
      'cannot be combined with --blocking',
    );
  });

  test('avg and fp8 are allowed for NCCL (the library and GPU are checked on the ranks); in-place alltoall is not', () => {
    const p = buildPlan(['allreduce'], { backend: 'nccl', reduceOp: 'avg', dtype: 'float8e4m3' }, 2);
    assert.deepEqual([p.redops, p.dtypes], [['avg'], ['float8e4m3']]);
    usage(
      () => buildPlan(['alltoall'], { backend: 'nccl', inPlace: true }, 2),
      'alltoall has no in-place form on nccl',
    );
    const all = buildPlan(['alltoall', 'allreduce'], { backend: 'rccl', inPlace: true }, 2);
    assert.deepEqual(
      all.runs.map((r) => r.inPlace),
      [false, true],
    );
  });
});

describe('--backend auto', () => {
  // A stand-in for the addon's two queries autoBackend makes: plumbing only.
  const fake = (vendor: 'nvidia' | 'amd' | null, mpi: boolean, gloo: boolean) =>
    ({
      gpuVendor: () => (vendor ? { vendor, count: 1 } : null),
      capabilities: () => ({
        backends: [
          { name: 'mpi', available: mpi, reason: '' },
          { name: 'gloo', available: gloo, reason: '' },
        ],
      }),
    }) as unknown as Addon;

  test('NCCL on NVIDIA, RCCL on AMD, MPI in an MPI job, else Gloo', () => {
    assert.equal(autoBackend(fake('nvidia', true, true), true), 'nccl');
    assert.equal(autoBackend(fake('amd', true, true), false), 'rccl');
    assert.equal(autoBackend(fake(null, true, true), true), 'mpi');
    assert.equal(autoBackend(fake(null, true, true), false), 'gloo');
    assert.equal(autoBackend(fake(null, true, false), false), 'mpi');
    usage(() => autoBackend(fake(null, false, false), false), 'finds nothing to run here');
  });

  test('on this machine, auto means what the ranks then use', async () => {
    const json = join(tempDir(), 'auto.json');
    const r = await ccbench(['allreduce', '--sizes', '8:64', '-n', '2', '--iters', '10', '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readJson(json).backend.name, gpus ? gpuBackend : 'mpi');
  });
});

describe('MPI with GPU buffers', () => {
  // A stand-in for the three addon queries the check makes: plumbing only.
  const fake = (vendor: 'nvidia' | 'amd', aware: string) =>
    ({
      gpuVendor: () => ({ vendor, count: 1 }),
      mpiGpuAwareness: async () => aware,
      capabilities: () => ({ mpiLibrary: 'Open MPI v5.0.7' }),
    }) as unknown as Addon;

  test('an MPI that says no is refused; one that says yes passes; one that cannot say is warned about', async () => {
    await assert.rejects(
      checkMpiTakesGpuBuffers(fake('nvidia', 'CUDA: no, ROCm: unknown'), 0),
      /says it cannot take CUDA buffers.*--backend nccl/,
    );
    await assert.rejects(
      checkMpiTakesGpuBuffers(fake('amd', 'CUDA: yes, ROCm: no'), 0),
      /cannot take ROCm buffers.*--backend rccl/,
    );
    await checkMpiTakesGpuBuffers(fake('nvidia', 'CUDA: yes, ROCm: unknown'), 0);
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => {
      writes.push(s);
      return true;
    }) as typeof process.stderr.write;
    try {
      await checkMpiTakesGpuBuffers(fake('amd', 'CUDA: unknown, ROCm: unknown'), 0);
      await checkMpiTakesGpuBuffers(fake('amd', 'CUDA: unknown, ROCm: unknown'), 3);
    } finally {
      process.stderr.write = orig;
    }
    assert.equal(writes.length, 1, 'rank 0 warns once');
    assert.match(writes[0], /cannot say whether it takes ROCm buffers.*--check/);
  });
});

describe('ccbench info', () => {
  test('tables, and JSON with the same facts', async () => {
    const t = await ccbench(['info']);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^ccbench \d+\.\d+\.\d+ · Node v\d+/);
    assert.match(t.stdout, gpus ? /GPUs: (CUDA|HIP) / : /GPUs: none \(/);
    assert.match(t.stdout, /│ mpi +│ (available|unavailable)/);
    const j = await ccbench(['info', '--json']);
    const doc = JSON.parse(j.stdout);
    assert.deepEqual(
      doc.backends.map((b: { name: string }) => b.name),
      ['mpi', 'gloo', 'nccl', 'rccl'],
    );
    assert.equal(doc.gpus.gpus.length, gpus?.count ?? 0);
    if (!gpus) assert.match(doc.gpu.error, /CUDA: .*HIP: /, 'says what it tried for each vendor');
    if ('error' in doc.nccl) assert.match(doc.nccl.error, /tried: .*CCBENCH_NCCL_LIB/);
  });

  test('--nccl-lib pointing nowhere is reported with the path', async () => {
    const j = await ccbench(['info', '--json', '--nccl-lib', '/nonexistent/libnccl.so.2']);
    assert.match(JSON.parse(j.stdout).nccl.error ?? '', /\/nonexistent\/libnccl\.so\.2 \(no such file\)/);
  });
});

describe('clear errors without the GPU library', { skip: !lib.error ? `${gpuBackend} is present here` : false }, () => {
  test('--backend nccl without NCCL: one line listing where it looked and how to point at it', async () => {
    const r = await ccbench(['allreduce', '--backend', 'nccl', '--launcher', 'local', '-n', '1', '--sizes', '8']);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      /^ccbench: NCCL was not found \(tried: .*\); point --nccl-lib or CCBENCH_NCCL_LIB at libnccl\.so\.2/,
    );
  });
});

describe(`on a real GPU (${gpuBackend})`, { skip: noGpu }, () => {
  const ranks = String(Math.min(gpus?.count ?? 1, 2));
  const run = (args: string[], json: string) =>
    ccbench([
      ...args,
      '--backend',
      gpuBackend,
      '--launcher',
      'local',
      '-n',
      ranks,
      '--check',
      '--quiet',
      '--json',
      json,
    ]);

  test('every op, out of place and in place, three dtypes, 8 B to 1 MiB', async () => {
    for (const inPlace of [false, true]) {
      const json = join(tempDir(), `all-${inPlace}.json`);
      const r = await run(
        ['all', '--sizes', '8:1M:4', '--dtype', 'float32,bfloat16,float16', ...(inPlace ? ['--in-place'] : [])],
        json,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.ok(readJson(json).results.every((x: { wrong: number }) => x.wrong === 0));
    }
  });

  test('graph mode and per-op timing validate too', async () => {
    for (const extra of [['--graph', '5'], ['--blocking']]) {
      const json = join(tempDir(), `mode-${extra[0]}.json`);
      const r = await run(['allreduce', '--sizes', '1K:1M:16', ...extra], json);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(readJson(json).results.every((x: { wrong: number }) => x.wrong === 0));
    }
  });
});
