// How ranks come to exist: launcher environment detection, --launcher-args splitting, and the
// mpirun command line (flavor detection, Open MPI settings for local runs).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { detectRankEnv, slurmTasksOnNode } from '../src/job/detect.js';
import { splitWords } from '../src/launch/words.js';
import { isLocalRun, mpirunCommand, type Mpirun } from '../src/launch/mpirun.js';
import { flavorOf } from '../src/system/mpi.js';
import { UsageError } from '../src/errors.js';

describe('detectRankEnv', () => {
  test('Open MPI', () => {
    assert.deepEqual(
      detectRankEnv({
        OMPI_COMM_WORLD_RANK: '3',
        OMPI_COMM_WORLD_SIZE: '8',
        OMPI_COMM_WORLD_LOCAL_RANK: '1',
        OMPI_COMM_WORLD_LOCAL_SIZE: '4',
        PATH: '/bin',
      }),
      { launcher: 'openmpi', rank: 3, size: 8, localRank: 1, localSize: 4, mpi: true },
    );
  });

  test('MVAPICH2 (MV2_*)', () => {
    assert.deepEqual(
      detectRankEnv({
        MV2_COMM_WORLD_RANK: '5',
        MV2_COMM_WORLD_SIZE: '6',
        MV2_COMM_WORLD_LOCAL_RANK: '2',
        MV2_COMM_WORLD_LOCAL_SIZE: '3',
      }),
      { launcher: 'mvapich', rank: 5, size: 6, localRank: 2, localSize: 3, mpi: true },
    );
  });

  test('MVAPICH 3 (MVP_*)', () => {
    assert.deepEqual(
      detectRankEnv({
        MVP_COMM_WORLD_RANK: '0',
        MVP_COMM_WORLD_SIZE: '2',
        MVP_COMM_WORLD_LOCAL_RANK: '0',
        MVP_COMM_WORLD_LOCAL_SIZE: '2',
      }),
      { launcher: 'mvapich', rank: 0, size: 2, localRank: 0, localSize: 2, mpi: true },
    );
  });

  test('Hydra / Intel MPI', () => {
    assert.deepEqual(detectRankEnv({ PMI_RANK: '7', PMI_SIZE: '16', MPI_LOCALRANKID: '3', MPI_LOCALNRANKS: '8' }), {
      launcher: 'hydra',
      rank: 7,
      size: 16,
      localRank: 3,
      localSize: 8,
      mpi: true,
    });
  });

  const step = {
    SLURM_JOB_ID: '42',
    SLURM_STEP_ID: '0',
    SLURM_PROCID: '5',
    SLURM_NTASKS: '7',
    SLURM_LOCALID: '1',
    SLURM_NODEID: '2',
    SLURM_STEP_TASKS_PER_NODE: '2(x3),1',
    SLURM_TASKS_PER_NODE: '2(x3),1',
  };

  test('a Slurm job step', () => {
    assert.deepEqual(detectRankEnv(step), {
      launcher: 'slurm',
      rank: 5,
      size: 7,
      localRank: 1,
      localSize: 2,
      mpi: false,
    });
  });

  test('a Slurm step: the last node holds one task', () => {
    const r = detectRankEnv({ ...step, SLURM_PROCID: '6', SLURM_LOCALID: '0', SLURM_NODEID: '3' });
    assert.equal(r?.localSize, 1);
    assert.equal(r?.rank, 6);
  });

  test('a Slurm step prefers the step task count over the job task count', () => {
    const r = detectRankEnv({ ...step, SLURM_NTASKS: '64', SLURM_STEP_NUM_TASKS: '7', SLURM_TASKS_PER_NODE: '32(x2)' });
    assert.equal(r?.size, 7);
    assert.equal(r?.localSize, 2);
  });

  test('srun --mpi=pmix marks the step as an MPI job (and stays slurm)', () => {
    const r = detectRankEnv({ ...step, PMIX_RANK: '5' });
    assert.equal(r?.launcher, 'slurm');
    assert.equal(r?.mpi, true);
  });

  test('a Slurm batch script (no step) is not a rank', () => {
    assert.equal(
      detectRankEnv({
        SLURM_JOB_ID: '42',
        SLURM_PROCID: '0',
        SLURM_NTASKS: '4',
        SLURM_LOCALID: '0',
        SLURM_NODEID: '0',
        SLURM_TASKS_PER_NODE: '4',
      }),
      null,
    );
  });

  test('mpirun inside a Slurm allocation: Open MPI wins', () => {
    const r = detectRankEnv({
      ...step,
      OMPI_COMM_WORLD_RANK: '1',
      OMPI_COMM_WORLD_SIZE: '2',
      OMPI_COMM_WORLD_LOCAL_RANK: '1',
      OMPI_COMM_WORLD_LOCAL_SIZE: '2',
    });
    assert.deepEqual(r, { launcher: 'openmpi', rank: 1, size: 2, localRank: 1, localSize: 2, mpi: true });
  });

  test('a generic PMIx launcher', () => {
    assert.deepEqual(detectRankEnv({ PMIX_RANK: '2', PMIX_SIZE: '4', PMIX_LOCAL_RANK: '0' }), {
      launcher: 'pmix',
      rank: 2,
      size: 4,
      localRank: 0,
      localSize: 0,
      mpi: true,
    });
  });

  test('an empty environment is not a rank', () => {
    assert.equal(detectRankEnv({}), null);
    assert.equal(detectRankEnv({ HOME: '/root', PATH: '/usr/bin' }), null);
  });

  test('non-numeric values are ignored', () => {
    assert.equal(detectRankEnv({ OMPI_COMM_WORLD_RANK: 'abc', OMPI_COMM_WORLD_SIZE: '2' }), null);
    assert.equal(detectRankEnv({ OMPI_COMM_WORLD_RANK: '-1' }), null);
    assert.equal(detectRankEnv({ OMPI_COMM_WORLD_RANK: '' }), null);
    // an unusable Open MPI rank falls through to the next family
    assert.equal(detectRankEnv({ OMPI_COMM_WORLD_RANK: 'x', PMI_RANK: '1', PMI_SIZE: '2' })?.launcher, 'hydra');
    // a usable rank with junk sizes: sizes unknown (0)
    assert.deepEqual(
      detectRankEnv({ OMPI_COMM_WORLD_RANK: ' 2 ', OMPI_COMM_WORLD_SIZE: 'four', OMPI_COMM_WORLD_LOCAL_RANK: '1.5' }),
      { launcher: 'openmpi', rank: 2, size: 0, localRank: 0, localSize: 0, mpi: true },
    );
  });
});

describe('slurmTasksOnNode', () => {
  test('expands the compressed list', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => slurmTasksOnNode('2(x3),1', i)),
      [2, 2, 2, 1],
    );
    assert.equal(slurmTasksOnNode('4', 0), 4);
    assert.deepEqual(
      [0, 1, 2].map((i) => slurmTasksOnNode(' 3(x2) , 5', i)),
      [3, 3, 5],
    );
  });

  test('unknown node, missing or junk spec give 0', () => {
    assert.equal(slurmTasksOnNode('2(x3),1', 4), 0);
    assert.equal(slurmTasksOnNode(undefined, 0), 0);
    assert.equal(slurmTasksOnNode('', 0), 0);
    assert.equal(slurmTasksOnNode('two', 0), 0);
    assert.equal(slurmTasksOnNode('2(3)', 0), 0);
  });
});

describe('splitWords', () => {
  test('whitespace separates words', () => {
    assert.deepEqual(splitWords('--mca btl  tcp,self\t-x\nFOO'), ['--mca', 'btl', 'tcp,self', '-x', 'FOO']);
    assert.deepEqual(splitWords(''), []);
    assert.deepEqual(splitWords('   '), []);
  });

  test('quotes group words and are removed', () => {
    assert.deepEqual(splitWords('--bind-to "core and more" -x \'A=b c\''), [
      '--bind-to',
      'core and more',
      '-x',
      'A=b c',
    ]);
    assert.deepEqual(splitWords('a"b c"d'), ['ab cd']);
    assert.deepEqual(splitWords('"" x'), ['', 'x']);
  });

  test('backslashes escape outside quotes and inside double quotes only', () => {
    assert.deepEqual(splitWords('a\\ b c'), ['a b', 'c']);
    assert.deepEqual(splitWords('"say \\"hi\\""'), ['say "hi"']);
    assert.deepEqual(splitWords("'a\\b'"), ['a\\b']);
    assert.deepEqual(splitWords('"it\'s"'), ["it's"]);
  });

  test('an unterminated quote is a UsageError', () => {
    assert.throws(
      () => splitWords('-x "FOO=1'),
      (e: Error) => e instanceof UsageError && e.message.includes('unterminated "'),
    );
    assert.throws(
      () => splitWords("-x 'FOO=1"),
      (e: Error) => e instanceof UsageError && e.message.includes("unterminated '"),
    );
  });
});

describe('flavorOf', () => {
  const cases: [string, string, string][] = [
    ['mpirun (Open MPI) 4.1.4\n\nReport bugs to http://www.open-mpi.org/community/help/', 'openmpi', '4.1.4'],
    ['mpirun (Open MPI) 5.0.3', 'openmpi', '5.0.3'],
    ['Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, repo rev: v4.1.4, May 26, 2022', 'openmpi', '4.1.4'],
    [
      'HYDRA build details:\n    Version:                                 4.0.2\n    Release Date: Thu Apr  7 12:34:45 CDT 2022',
      'mpich',
      '4.0.2',
    ],
    ['Intel(R) MPI Library for Linux* OS, Version 2021.10 Build 20230619 (id: c2e19c2f3e)', 'intel', '2021.10'],
    ['MVAPICH2 Version :\t2.3.7\nMVAPICH2 Release date :\tWed March 02 22:00:00 EST 2022', 'mvapich', '2.3.7'],
    ['something else entirely', 'unknown', ''],
  ];
  for (const [text, flavor, version] of cases) {
    test(`${flavor} ${version || '(none)'}: ${text.split('\n')[0].slice(0, 40)}`, () => {
      assert.deepEqual(flavorOf(text), { flavor, version });
    });
  }
});

describe('isLocalRun', () => {
  test('no host flags and no scheduler: local', () => {
    assert.equal(isLocalRun([], {}), true);
    assert.equal(isLocalRun(['--mca', 'btl', 'tcp,self', '--bind-to', 'none'], { PATH: '/bin' }), true);
    assert.equal(isLocalRun([], { SLURM_JOB_ID: '' }), true);
  });

  test('host flags make it remote, with or without =', () => {
    for (const args of [
      ['-H', 'a,b'],
      ['--host', 'a'],
      ['--host=a,b'],
      ['--hostfile', 'h'],
      ['-hostfile', 'h'],
      ['--machinefile', 'm'],
      ['-f', 'h'],
      ['--default-hostfile=h'],
    ])
      assert.equal(isLocalRun(args, {}), false, args.join(' '));
  });

  test('a scheduler allocation makes it remote', () => {
    for (const v of ['SLURM_JOB_ID', 'PBS_JOBID', 'LSB_JOBID', 'COBALT_JOBID', 'FLUX_JOB_ID'])
      assert.equal(isLocalRun([], { [v]: '123' }), false, v);
  });
});

describe('mpirunCommand', () => {
  const ompi4: Mpirun = { path: '/usr/bin/mpirun', flavor: 'openmpi', version: '4.1.4' };
  const ompi5: Mpirun = { path: '/opt/ompi/bin/mpirun', flavor: 'openmpi', version: '5.0.3' };
  const mpich: Mpirun = { path: '/usr/bin/mpiexec', flavor: 'mpich', version: '4.0.2' };
  const argv = ['/usr/bin/node', '/opt/ccbench/bin/ccbench.js', 'allreduce', '--sizes', '8:1M'];
  const ompiKeys = (env: Record<string, string | undefined>) =>
    Object.keys(env)
      .filter((k) => k.startsWith('OMPI_'))
      .sort();

  test('Open MPI 4, local, as root', () => {
    const env = { PATH: '/bin' };
    const c = mpirunCommand(ompi4, 2, [], argv, env, 8, true);
    assert.equal(c.file, '/usr/bin/mpirun');
    assert.deepEqual(c.args, ['-np', '2', '--quiet', ...argv]);
    assert.equal(c.env.PATH, '/bin');
    assert.equal(c.env.OMPI_ALLOW_RUN_AS_ROOT, '1');
    assert.equal(c.env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM, '1');
    assert.equal(c.env.OMPI_MCA_pml, 'ob1');
    assert.equal(c.env.OMPI_MCA_btl, 'self,vader');
    assert.equal(c.env.OMPI_MCA_rmaps_base_oversubscribe, undefined);
    assert.deepEqual(env, { PATH: '/bin' }, "the caller's env is not modified");
  });

  test('Open MPI, not root: no run-as-root variables', () => {
    const c = mpirunCommand(ompi4, 2, [], argv, {}, 8, false);
    assert.deepEqual(ompiKeys(c.env), ['OMPI_MCA_btl', 'OMPI_MCA_pml']);
  });

  test('oversubscribe only when np exceeds the CPUs', () => {
    assert.equal(mpirunCommand(ompi4, 8, [], argv, {}, 8, false).env.OMPI_MCA_rmaps_base_oversubscribe, undefined);
    assert.equal(mpirunCommand(ompi4, 9, [], argv, {}, 8, false).env.OMPI_MCA_rmaps_base_oversubscribe, '1');
  });

  test('remote runs get no transport or oversubscribe settings; launcher args go before the rank argv', () => {
    const c = mpirunCommand(ompi4, 16, ['-H', 'a:8,b:8', '--map-by', 'node'], argv, {}, 4, true);
    assert.deepEqual(c.args, ['-np', '16', '--quiet', '-H', 'a:8,b:8', '--map-by', 'node', ...argv]);
    assert.deepEqual(ompiKeys(c.env), ['OMPI_ALLOW_RUN_AS_ROOT', 'OMPI_ALLOW_RUN_AS_ROOT_CONFIRM']);
    const inSlurm = mpirunCommand(ompi4, 16, [], argv, { SLURM_JOB_ID: '7' }, 4, false);
    assert.deepEqual(ompiKeys(inSlurm.env), []);
  });

  test('user-set Open MPI variables are not overridden', () => {
    const c = mpirunCommand(
      ompi4,
      4,
      [],
      argv,
      { OMPI_MCA_btl: 'self,tcp', OMPI_MCA_rmaps_base_oversubscribe: '0' },
      2,
      false,
    );
    assert.equal(c.env.OMPI_MCA_btl, 'self,tcp');
    assert.equal(c.env.OMPI_MCA_rmaps_base_oversubscribe, '0');
    assert.equal(c.env.OMPI_MCA_pml, 'ob1');
  });

  test('Open MPI 5: self,sm and no --quiet', () => {
    const c = mpirunCommand(ompi5, 2, ['--bind-to', 'none'], argv, {}, 8, false);
    assert.deepEqual(c.args, ['-np', '2', '--bind-to', 'none', ...argv]);
    assert.equal(c.env.OMPI_MCA_btl, 'self,sm');
    assert.equal(c.file, '/opt/ompi/bin/mpirun');
  });

  test('MPICH: none of the Open MPI settings', () => {
    const env = { PATH: '/bin', HOME: '/root' };
    const c = mpirunCommand(mpich, 4, ['-ppn', '2'], argv, env, 1, true);
    assert.equal(c.file, '/usr/bin/mpiexec');
    assert.deepEqual(c.args, ['-np', '4', '-ppn', '2', ...argv]);
    assert.deepEqual(c.env, env);
    assert.deepEqual(ompiKeys(c.env), []);
  });
});
