// What `ccbench sbatch` writes for plain values (the hostile ones: sbatch.test.ts): the directives,
// the srun line with the ranks' node flag and results file, and the ranks' environment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ccbench, CLI } from './helpers.js';

test('plain values stay bare; the default results file still takes the job id from Slurm', async () => {
  const r = await ccbench(['sbatch', 'allreduce', '--nodes', '2', '--ntasks-per-node', '4', '--sizes', '8:1K']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('#SBATCH')),
    [
      '#SBATCH --job-name=ccbench-allreduce',
      '#SBATCH --nodes=2',
      '#SBATCH --ntasks-per-node=4',
      '#SBATCH --output=ccbench-allreduce-%j.out',
    ],
  );
  assert.ok(
    lines.includes(
      `srun --mpi=pmix ${process.execPath} --single-threaded ${CLI} allreduce --sizes 8:1K --json ccbench-allreduce-"\${SLURM_JOB_ID}.json"`,
    ),
    r.stdout,
  );
  assert.ok(
    lines.includes(
      'if [ -z "${MALLOC_ARENA_MAX+set}" ]; then export MALLOC_ARENA_MAX=1 CCBENCH_INJECTED=MALLOC_ARENA_MAX; fi',
    ),
    'the ranks get the main malloc arena unless the job chose otherwise',
  );
  assert.ok(
    lines.includes(
      'if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then export NODE_EXTRA_CA_CERTS= CCBENCH_INJECTED="${CCBENCH_INJECTED:+${CCBENCH_INJECTED},}NODE_EXTRA_CA_CERTS"; fi',
    ),
    "the ranks' Node does not parse a certificate bundle it never uses",
  );
});
