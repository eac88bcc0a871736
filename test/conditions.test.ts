// The conditions ranks time under (src/system/conditions.ts): what the launchers set, what the
// ranks record, and what a run started some other way is told.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { mpirunCommand } from '../src/launch/mpirun.js';
import { rankConditions, rankEnvironment, rankNodeArgs, recordInjected } from '../src/system/conditions.js';
import { relevantEnvironment } from '../src/system/environment.js';
import { ccbench, CLI, leavesNoProcess, mpirunCcbench, readJson, run, tempDir } from './helpers.js';

const dir = tempDir();

describe('rank conditions', () => {
  leavesNoProcess();

  test('the ranks get MALLOC_ARENA_MAX=1 unless the user chose a value, and the record says so', () => {
    const env = rankEnvironment({ PATH: '/bin', CCBENCH_INJECTED: 'FROM_A_SHELL' });
    assert.equal(env.MALLOC_ARENA_MAX, '1');
    assert.equal(env.CCBENCH_INJECTED, 'MALLOC_ARENA_MAX', "a shell's CCBENCH_INJECTED is not ours");
    const mine = rankEnvironment({ MALLOC_ARENA_MAX: '4' });
    assert.equal(mine.MALLOC_ARENA_MAX, '4');
    assert.equal(mine.CCBENCH_INJECTED, '');
  });

  test("the ranks' Node gets NODE_EXTRA_CA_CERTS empty (it parses the bundle at start), and the record says so", () => {
    const env = rankEnvironment({ PATH: '/bin', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' });
    assert.equal(env.NODE_EXTRA_CA_CERTS, '');
    assert.deepEqual(env.CCBENCH_INJECTED?.split(',').sort(), ['MALLOC_ARENA_MAX', 'NODE_EXTRA_CA_CERTS']);
    assert.equal(rankEnvironment({ PATH: '/bin' }).NODE_EXTRA_CA_CERTS, undefined, 'not added where unset');
  });

  test("the launcher's own additions are listed too", () => {
    const before = rankEnvironment({ PATH: '/bin' });
    const cmd = mpirunCommand({ path: 'mpirun', flavor: 'openmpi', version: '4.1.4' }, 2, [], ['x'], before, 4, false);
    const after = recordInjected(before, cmd.env);
    assert.deepEqual(after.CCBENCH_INJECTED?.split(',').sort(), ['MALLOC_ARENA_MAX', 'OMPI_MCA_btl', 'OMPI_MCA_pml']);
  });

  test('mpirun to other hosts forwards the allocator setting (Open MPI passes only OMPI_*)', () => {
    const env = rankEnvironment({ PATH: '/bin' });
    const m = { path: 'mpirun', flavor: 'openmpi' as const, version: '4.1.4' };
    const remote = mpirunCommand(m, 4, ['--hostfile', 'h'], ['x'], env, 4, false);
    assert.ok(remote.args.join(' ').includes('-x MALLOC_ARENA_MAX -x CCBENCH_INJECTED'), remote.args.join(' '));
    const local = mpirunCommand(m, 2, [], ['x'], env, 4, false);
    assert.ok(!local.args.includes('-x'), 'local ranks inherit the environment');
  });

  test('node flags are added once', () => {
    assert.deepEqual(rankNodeArgs([]), ['--single-threaded']);
    assert.deepEqual(rankNodeArgs(['--single-threaded', '--max-old-space-size=64']), [
      '--single-threaded',
      '--max-old-space-size=64',
    ]);
  });

  test('what is missing is named, with how to fix it; GLIBC_TUNABLES counts', () => {
    const none = rankConditions([], {});
    assert.equal(none.missing.length, 2);
    assert.match(none.missing[0], /MALLOC_ARENA_MAX=1.*export MALLOC_ARENA_MAX=1/);
    assert.match(none.missing[1], /--single-threaded/);
    const ok = rankConditions(['--single-threaded'], { GLIBC_TUNABLES: 'glibc.malloc.arena_max=1' });
    assert.deepEqual(ok.missing, []);
    const injected = rankConditions([], { CCBENCH_INJECTED: 'MALLOC_ARENA_MAX,GONE', MALLOC_ARENA_MAX: '1' });
    assert.deepEqual(injected.injected, { MALLOC_ARENA_MAX: '1' });
  });

  test('the environment record holds the allocator settings and no transport key', () => {
    const rec = relevantEnvironment({
      MALLOC_ARENA_MAX: '1',
      GLIBC_TUNABLES: 'glibc.malloc.arena_max=1',
      OMPI_MCA_orte_precondition_transports: 'dd32653187df6890-a5b7ccc3007bce81',
      OMPI_MCA_pml: 'ob1',
    });
    assert.deepEqual(rec, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=1', MALLOC_ARENA_MAX: '1', OMPI_MCA_pml: 'ob1' });
  });

  test('a run through ccbench records its conditions, the binding and nothing missing', async () => {
    const json = join(dir, 'launched.json');
    const r = await ccbench([
      'allreduce',
      '-n',
      '2',
      '--backend',
      'mpi',
      '--sizes',
      '8',
      '--iters',
      '5',
      '--json',
      json,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = readJson(json);
    assert.deepEqual(doc.conditions.missing, []);
    assert.deepEqual(doc.conditions.node_flags, ['--single-threaded']);
    assert.equal(doc.conditions.injected.MALLOC_ARENA_MAX, '1');
    assert.equal(doc.conditions.injected.OMPI_MCA_btl, 'self,vader');
    assert.equal(doc.environment.MALLOC_ARENA_MAX, '1');
    for (const rank of doc.ranks) assert.match(rank.bound_cpus, /^[0-9][0-9,-]*$/);
    assert.doesNotMatch(r.stdout, /MALLOC_ARENA_MAX/);
  });

  test('ranks started by a plain mpirun say what they lack, in the table and the JSON', async () => {
    const json = join(dir, 'direct.json');
    const r = await mpirunCcbench(
      2,
      ['allreduce', '--backend', 'mpi', '--sizes', '8', '--iters', '5', '--json', json],
      {
        env: { MALLOC_ARENA_MAX: undefined },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# the ranks run without MALLOC_ARENA_MAX=1/m);
    assert.match(r.stdout, /^# the ranks' node runs without --single-threaded/m);
    assert.equal(readJson(json).conditions.missing.length, 2);
  });

  test('ranks that mpirun starts through the shebang run with --single-threaded', async () => {
    const json = join(dir, 'shebang.json');
    const r = await run(
      'mpirun',
      ['--quiet', '-np', '2', CLI, 'allreduce', '--backend', 'mpi', '--sizes', '8', '--iters', '5', '--json', json],
      {
        env: {
          OMPI_ALLOW_RUN_AS_ROOT: '1',
          OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
          OMPI_MCA_pml: 'ob1',
          OMPI_MCA_btl: 'self,vader',
          MALLOC_ARENA_MAX: '1',
        },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const doc = readJson(json);
    assert.deepEqual(doc.conditions.node_flags, ['--single-threaded']);
    assert.deepEqual(doc.conditions.missing, []);
  });
});
