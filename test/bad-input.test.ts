// The bad-input table: over a hundred inputs a hostile or careless user gives — sizes, counts,
// seconds, names, combinations, outputs, suites, environment variables, launchers, sbatch. Each
// must end with its exit code and ONE line on stderr that says what is wrong (no stack trace),
// nothing on stdout, no process left behind, and every file in the user's directory untouched.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ccbench, leavesNoProcess, tempDir } from './helpers.js';

const dir = tempDir();
const files = join(dir, 'user');
mkdirSync(files);
writeFileSync(join(files, 'old.json'), '{"precious": true}\n');
writeFileSync(join(files, 'old.csv'), 'a,b\n1,2\n');
mkdirSync(join(files, 'adir'));
execFileSync('mkfifo', [join(files, 'fifo')]);
symlinkSync(join(files, 'nowhere'), join(files, 'dangling.json'));
const suite = (name: string, doc: unknown) => {
  const p = join(dir, `${name}.json`);
  writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return p;
};
const key = (name: string, text: string, mode: number) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
};
const bin = join(dir, 'bin'); // a PATH with node and nothing else
mkdirSync(bin);
symlinkSync(process.execPath, join(bin, 'node'));

const f = (name: string) => join(files, name);
const A = ['allreduce', '-n', '2'];
const LONG = 'x'.repeat(300);
const slurmStep = {
  SLURM_JOB_ID: '77',
  SLURM_STEP_ID: '0',
  CCBENCH_RANK: '0',
  CCBENCH_SIZE: '1',
  CCBENCH_CONTROL_ADDR: '127.0.0.1:1',
};

type Case = [string, string[], RegExp, Record<string, string>?, number?];
const CASES: Case[] = [
  // sizes
  ['empty sizes', [...A, '--sizes', ''], /--sizes is empty/],
  ['blank sizes', [...A, '--sizes', '  '], /--sizes is empty/],
  ['range without an end', [...A, '--sizes', '8:'], /malformed/],
  ['range without a start', [...A, '--sizes', ':8'], /malformed/],
  ['four range parts', [...A, '--sizes', '8:1M:2:3'], /malformed/],
  ['factor 1', [...A, '--sizes', '8:1M:1'], /factor/],
  ['factor 0', [...A, '--sizes', '8:1M:0'], /factor/],
  ['negative factor', [...A, '--sizes', '8:1M:-2'], /factor/],
  ['fractional factor', [...A, '--sizes', '8:1M:2.5'], /factor/],
  ['hex factor', [...A, '--sizes', '8:1M:0x2'], /factor/],
  ['exponent factor', [...A, '--sizes', '8:1M:2e0'], /factor/],
  ['word factor', [...A, '--sizes', '8:1M:x'], /factor/],
  ['zero step', [...A, '--sizes', '1K:4K:+0'], /step/],
  ['negative step', [...A, '--sizes', '1K:4K:+-1'], /step/],
  ['word step', [...A, '--sizes', '1K:4K:+z'], /step 'z'/],
  ['too many linear sizes', [...A, '--sizes', '1:1M:+1'], /more than 10000 sizes/],
  ['a word', [...A, '--sizes', 'abc'], /'abc' is not a size/],
  ['hex size', [...A, '--sizes', '0x10'], /'0x10' is not a size/],
  ['exponent size', [...A, '--sizes', '1e3'], /'1e3' is not a size/],
  ['negative size', [...A, '--sizes', '-8'], /is not a size/],
  ['empty list item', [...A, '--sizes', '8,,16'], /'' is not a size/],
  ['junk list item', [...A, '--sizes', '8,abc'], /'abc' is not a size/],
  ['fraction of a byte', [...A, '--sizes', '1.5'], /not a whole number of bytes/],
  ['suffix alone', [...A, '--sizes', 'K'], /'K' is not a size/],
  ['minimum above maximum', [...A, '--sizes', '1M:8'], /larger than the maximum/],
  ['above 1 TiB', [...A, '--sizes', '2T'], /larger than 1 TiB/],
  ['range above 1 TiB', [...A, '--sizes', '1G:2T'], /'2T'.*1 TiB/],
  ['below one element', [...A, '--sizes', '2', '--dtype', 'float64'], /at least one float64 element/],
  ['too small for the chunks', ['allgather', '-n', '4', '--sizes', '8'], /needs at least 64 B/],
  ['only 0 B for a collective', [...A, '--sizes', '0'], /too small/],
  ['above the MPI count limit', [...A, '--backend', 'mpi', '--sizes', '64G'], /2147483647/],
  // counts
  ['-n 0', ['allreduce', '-n', '0'], /-n must be at least 1/],
  ['-n negative', ['allreduce', '-n', '-1'], /-n takes a whole number/],
  ['-n a word', ['allreduce', '-n', 'abc'], /-n takes a whole number, not 'abc'/],
  ['-n fractional', ['allreduce', '-n', '1.5'], /-n takes a whole number/],
  ['-n hex', ['allreduce', '-n', '0x2'], /-n takes a whole number/],
  ['-n exponent', ['allreduce', '-n', '1e1'], /-n takes a whole number/],
  ['-n too large', ['allreduce', '-n', '70000'], /-n must be at most 65536 \(the control plane/],
  ['--iters 0', [...A, '--iters', '0'], /--iters must be at least 1/],
  ['--iters negative', [...A, '--iters', '-5'], /--iters takes a whole number/],
  ['--iters fractional', [...A, '--iters', '1.5'], /--iters takes a whole number/],
  ['--iters past 32 bits', [...A, '--iters', '3000000000'], /--iters must be at most 2147483647 \(the engine/],
  ['--warmup negative', [...A, '--warmup', '-1'], /--warmup takes a whole number/],
  ['--warmup past 32 bits', [...A, '--warmup', '2147483648'], /--warmup must be at most/],
  ['--window 0', ['bw', '--window', '0'], /--window must be at least 1/],
  ['--window 4097', ['bw', '--window', '4097'], /--window must be at most 4096/],
  ['--repeat 0', [...A, '--repeat', '0'], /--repeat must be at least 1/],
  ['--repeat huge', [...A, '--repeat', '2000000'], /--repeat must be at most/],
  ['--graph 0', [...A, '--graph', '0'], /--graph must be at least 1/],
  ['--gpus-per-node 0', [...A, '--gpus-per-node', '0'], /--gpus-per-node must be at least 1/],
  ['--root negative', ['broadcast', '--root', '-1'], /--root takes a whole number/],
  ['--root fractional', ['broadcast', '--root', '1.5'], /--root takes a whole number/],
  ['--root outside the ranks', ['broadcast', '-n', '2', '--root', '5'], /--root 5 is outside the ranks 0..1/],
  ['--ranks with 0', [...A, '--ranks', '0,2'], /--ranks takes rank counts/],
  ['--ranks with a word', [...A, '--ranks', '2,x'], /--ranks takes rank counts/],
  ['--ranks empty item', [...A, '--ranks', '2,,4'], /--ranks takes rank counts/],
  ['--ranks above -n', ['allreduce', '-n', '4', '--ranks', '2,8'], /--ranks 8 is outside 1..4/],
  // seconds
  ['--timeout negative', [...A, '--timeout', '-1'], /--timeout takes seconds/],
  ['--timeout a word', [...A, '--timeout', 'abc'], /--timeout takes seconds/],
  ['--timeout exponent', [...A, '--timeout', '1e3'], /--timeout takes seconds/],
  ['--timeout hex', [...A, '--timeout', '0x10'], /--timeout takes seconds/],
  ['--timeout past the timers', [...A, '--timeout', '2147484'], /--timeout must be at most 2147483 \(Node's timers\)/],
  ['--timeout empty', [...A, '--timeout', ''], /--timeout takes seconds/],
  ['--max-time-per-size negative', [...A, '--max-time-per-size', '-0.5'], /--max-time-per-size takes seconds/],
  ['--max-time-per-size infinite', [...A, '--max-time-per-size', 'Infinity'], /--max-time-per-size takes seconds/],
  // names and choices
  ['unknown op', ['allredce'], /unknown command 'allredce'/],
  ['unknown option', [...A, '--bogus'], /unknown option '--bogus'/],
  ['unknown backend', [...A, '--backend', 'foo'], /'foo' is invalid/],
  ['unknown memory', [...A, '--mem', 'gpu'], /'gpu' is invalid/],
  ['unknown timing', [...A, '--timing', 'fast'], /'fast' is invalid/],
  ['unknown launcher', [...A, '--launcher', 'ssh'], /'ssh' is invalid/],
  ['unknown format', [...A, '--format', 'xml'], /'xml' is invalid/],
  ['misspelt dtype', [...A, '--dtype', 'flot32'], /did you mean float32/],
  ['empty dtype', [...A, '--dtype', ''], /unknown --dtype ''/],
  ['misspelt reduction', [...A, '--reduce-op', 'summ'], /did you mean sum/],
  ['avg on MPI', [...A, '--backend', 'mpi', '--reduce-op', 'avg'], /MPI has no average reduction/],
  ['avg on Gloo', [...A, '--backend', 'gloo', '--reduce-op', 'avg'], /Gloo has no average reduction/],
  ['fp8 on MPI', [...A, '--backend', 'mpi', '--dtype', 'float8e4m3'], /not available on the mpi backend/],
  ['device memory on Gloo', [...A, '--backend', 'gloo', '--mem', 'device'], /host memory only/],
  // combinations
  ['--blocking with batch timing', [...A, '--blocking', '--timing', 'batch'], /contradict/],
  ['--graph on MPI', [...A, '--backend', 'mpi', '--graph', '5'], /MPI calls run on the host, outside any stream/],
  ['--graph on Gloo', [...A, '--backend', 'gloo', '--graph', '5'], /the gloo backend cannot be captured/],
  ['in-place bw', ['bw', '--in-place'], /bw has no in-place form/],
  ['latency on one rank', ['latency', '-n', '1'], /needs at least 2 ranks/],
  ['bw on three ranks', ['bw', '-n', '3'], /3 is odd/],
  ['-n against the launcher', ['allreduce', '--launcher', 'local', '--backend', 'mpi'], /needs an MPI launcher/],
  // outputs
  ['existing JSON', [...A, '--sizes', '8', '--json', f('old.json')], /already exists/],
  ['existing CSV', [...A, '--sizes', '8', '--csv', f('old.csv')], /already exists/],
  ['a directory', [...A, '--sizes', '8', '--csv', f('adir')], /is a directory/],
  ['a FIFO with --overwrite', [...A, '--sizes', '8', '--overwrite', '--json', f('fifo')], /is a FIFO/],
  ['a device with --overwrite', [...A, '--sizes', '8', '--overwrite', '--json', '/dev/null'], /is a device/],
  ['a dangling symlink', [...A, '--sizes', '8', '--json', f('dangling.json')], /symbolic link to nothing/],
  ['a missing directory', [...A, '--sizes', '8', '--json', f('nope/r.json')], /does not exist/],
  ['an unwritable place', [...A, '--sizes', '8', '--csv', '/proc/r.csv'], /cannot write --csv \/proc\/r.csv/],
  ['an empty name', [...A, '--sizes', '8', '--json', ''], /--json needs a file name/],
  [
    'a name too long',
    [...A, '--sizes', '8', '--json', f(`${LONG}.json`)],
    /too long for the file system \(ENAMETOOLONG\)/,
  ],
  ['an unknown extension', [...A, '--out', f('r.weird')], /cannot tell the format/],
  ['an unknown format', [...A, '--out', `nope:${f('r')}`], /no format 'nope'/],
  ['an empty --out path', [...A, '--out', 'json:'], /--out json needs a file name/],
  ['JSON and CSV on one file', [...A, '--json', f('a'), '--csv', f('a')], /--json and --csv name the same file/],
  [
    'an existing CSV beside a new JSON',
    [...A, '--sizes', '8', '--json', f('new.json'), '--csv', f('old.csv')],
    /--csv .* already exists/,
  ],
  // suites
  ['an unknown suite', ['suite', 'nope'], /no suite 'nope'/],
  ['a suite that is a directory', ['suite', dir], /is a directory/],
  ['a suite that is not JSON', ['suite', suite('notjson', '{runs: [')], /not valid JSON/],
  [
    'a suite with fractional iterations',
    ['suite', suite('frac', { options: { iters: 1.5 }, runs: [{ op: 'allreduce' }] })],
    /"iters" must be a whole number/,
  ],
  [
    'a suite that disables the timeout',
    ['suite', suite('neg', { options: { timeout: -1 }, runs: [{ op: 'allreduce' }] })],
    /"timeout" takes seconds/,
  ],
  [
    'a suite with an unknown option',
    ['suite', suite('unk', { options: { iterations: 5 }, runs: [{ op: 'allreduce' }] })],
    /unknown option "iterations"/,
  ],
  [
    'a suite run with an unknown field',
    ['suite', suite('field', { runs: [{ op: 'allreduce', size: '8' }] })],
    /unknown field "size"/,
  ],
  ['a suite with an unknown op', ['suite', suite('op', { runs: [{ op: 'allredce' }] })], /unknown op 'allredce'/],
  // the environment
  ['a stray CCBENCH_RANK', [...A], /CCBENCH_SIZE is not a rank count.*unset CCBENCH_RANK/, { CCBENCH_RANK: '3' }],
  [
    'CCBENCH_RANK not below CCBENCH_SIZE',
    [...A],
    /CCBENCH_RANK 3 is not below CCBENCH_SIZE 2/,
    { CCBENCH_RANK: '3', CCBENCH_SIZE: '2' },
  ],
  [
    'CCBENCH_RANK without --control-addr',
    [...A],
    /no --control-addr is given/,
    { CCBENCH_RANK: '0', CCBENCH_SIZE: '2' },
  ],
  ['a stray CCBENCH_LAUNCHED', [...A], /unset CCBENCH_LAUNCHED/, { CCBENCH_LAUNCHED: '1' }],
  ['garbage CCBENCH_COMMAND', [...A], /CCBENCH_COMMAND is not a command line/, { CCBENCH_COMMAND: '{oops' }],
  [
    'garbage CCBENCH_PLAN',
    ['allreduce', '--backend', 'gloo', '--control-addr', '127.0.0.1:0', '--sizes', '8'],
    /CCBENCH_PLAN is not a plan/,
    { CCBENCH_RANK: '0', CCBENCH_SIZE: '1', CCBENCH_PLAN: '%%%', CCBENCH_JOB_SECRET: 's' },
  ],
  [
    'garbage CCBENCH_CONTROL_ADDR',
    ['allreduce', '--backend', 'gloo', '--sizes', '8'],
    /CCBENCH_CONTROL_ADDR 'nope' is not host:port/,
    { CCBENCH_RANK: '0', CCBENCH_SIZE: '2', CCBENCH_CONTROL_ADDR: 'nope', CCBENCH_JOB_SECRET: 's' },
  ],
  [
    'a missing addon',
    ['allreduce', '--sizes', '8'],
    /the native addon is not built/,
    { CCBENCH_ADDON: '/nonexistent/ccbench.node' },
  ],
  [
    'a world-readable key',
    ['allreduce', '--backend', 'gloo', '--sizes', '8'],
    /can be read by others \(mode 644\).*chmod 600/,
    { ...slurmStep, CCBENCH_KEY_FILE: key('key644', 'k'.repeat(64), 0o644) },
  ],
  [
    'an empty key',
    ['allreduce', '--backend', 'gloo', '--sizes', '8'],
    /holds no usable key/,
    { ...slurmStep, CCBENCH_KEY_FILE: key('key-empty', '', 0o600) },
  ],
  // launchers
  ['srun not installed', [...A, '--launcher', 'srun'], /srun was not found on PATH/, { PATH: bin }],
  ['mpirun not installed', [...A, '--backend', 'mpi'], /mpirun was not found on PATH/, { PATH: bin }],
  ['an unterminated quote', [...A, '--launcher-args', '--host "a'], /unterminated/],
  [
    'NCCL at a path that is not there',
    [...A, '--backend', 'nccl', '--nccl-lib', '/nope/libnccl.so.2'],
    /tried: from --nccl-lib or CCBENCH_NCCL_LIB: \/nope\/libnccl.so.2/,
  ],
  // sbatch
  ['sbatch on 0 nodes', ['sbatch', 'allreduce', '--nodes', '0'], /--nodes must be at least 1/],
  ['sbatch with -n that does not spread', ['sbatch', 'allreduce', '--nodes', '2', '-n', '3'], /does not spread evenly/],
  ['sbatch of an unknown op', ['sbatch', 'allredce', '--nodes', '1'], /unknown op 'allredce'/],
  [
    'sbatch with a newline in a job name',
    ['sbatch', 'allreduce', '--job-name', 'a\nb'],
    /--job-name contains a newline/,
  ],
  ['sbatch with a word in --sbatch-args', ['sbatch', 'allreduce', '--sbatch-args', 'exclusive'], /--sbatch-args/],
];

/** Every file of the user's directory: name, kind, size, time and content. */
function snapshot(): string {
  return readdirSync(files)
    .sort()
    .map((n) => {
      const p = join(files, n);
      let st;
      try {
        st = statSync(p);
      } catch {
        return `${n}: dangling`;
      }
      const body = st.isFile()
        ? createHash('sha256').update(readFileSync(p)).digest('hex')
        : st.isFIFO()
          ? 'fifo'
          : 'dir';
      return `${n}: ${st.size} ${st.mtimeMs} ${body}`;
    })
    .join('\n');
}

describe('the bad-input table', () => {
  leavesNoProcess();

  test('holds more than a hundred cases', () => assert.ok(CASES.length > 100, `${CASES.length} cases`));

  const before = snapshot();
  for (const [name, args, needle, env, code] of CASES)
    test(name, async () => {
      const r = await ccbench(args, { env, cwd: dir, timeoutMs: 30_000 });
      const lines = r.stderr.split('\n').filter((l) => l.length > 0);
      assert.equal(r.code, code ?? 2, `exit code (stderr: ${r.stderr})`);
      assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
      assert.match(lines[0], /^ccbench: /);
      assert.match(lines[0], needle);
      assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, 'no stack trace, not an internal error');
      assert.equal(r.stdout, '', 'nothing on stdout');
      assert.equal(snapshot(), before, "the user's files are untouched");
    });
});
