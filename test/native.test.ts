// The native test programs: --check's data patterns, the GPU loading layer against test-double libraries, the NCCL
// backend's op mapping and the engine's --check over a simulated NCCL, and the Gloo backend on 2–4
// real processes. Each builds in a temporary directory and exits non-zero on any failure.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, run } from './helpers.js';

const PROGRAMS: [string, string, number][] = [
  [
    '--check patterns: every op, dtype, reduction and rank count, misrouted blocks caught',
    'native/engine/test/run_check_tests.sh',
    330_000,
  ],
  [
    'GPU loader, runtimes, NCCL API and device over test-double libraries',
    'native/gpu/test/run_gpu_loader_tests.sh',
    300_000,
  ],
  [
    'NCCL backend: op mapping and engine --check over a simulated NCCL',
    'native/comm/test/nccl_mapping_test.sh',
    300_000,
  ],
  [
    'Gloo backend: every op, dtype and reduction checked on 2, 3 and 4 ranks',
    'native/comm/test/run_gloo_harness.sh',
    600_000,
  ],
];

for (const [name, script, ms] of PROGRAMS)
  test(name, { timeout: ms + 10_000 }, async () => {
    const r = await run('bash', [join(ROOT, script)], { cwd: ROOT, timeoutMs: ms });
    assert.equal(r.code, 0, `${script} failed:\n${(r.stdout + r.stderr).split('\n').slice(-30).join('\n')}`);
  });
