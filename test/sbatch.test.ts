// `ccbench sbatch` against hostile values: every value that reaches the batch script (job name,
// partition, time, account, output, the json/csv/out paths, --sbatch-args, forwarded run options)
// is either refused (exit 2, one line naming the option) or comes out intact and inert. The printed
// script runs under bash in a sandbox with a test-double srun that records its arguments; its
// #SBATCH lines are read the way sbatch 22.05 reads them (and, with the test cluster up, by sbatch
// itself); and one hostile job name goes through the real `sbatch --submit` when the cluster is up.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { sbatchScript, type SbatchOptions } from '../src/launch/sbatch.js';
import { ccbench, CLI, readJson, type RunResult, sleep, slurmMissing, strays, tempDir } from './helpers.js';

const CONF = process.env.SLURM_CONF ?? '/tmp/ccbench-slurm/slurm.conf';
const SLURM_ENV = { SLURM_CONF: CONF, CCBENCH_KEY_FILE: join(tempDir(), 'key') };

const noCluster = slurmMissing(SLURM_ENV);
if (noCluster) process.stderr.write(`# sbatch.test: ${noCluster}: real-sbatch checks skipped\n`);

const JOB_ID = '4242'; // SLURM_JOB_ID as the sandboxed script sees it

// Legal but hostile: each must come out of the script as exactly itself, expanding nothing.
const HOSTILE: [string, string][] = [
  ['command substitution', '$(touch PWNED)'],
  ['backticks', '`touch PWNED`'],
  ['double quotes', '"; touch PWNED; "'],
  ['single quotes', "'; touch PWNED; '"],
  ['$HOME', '$HOME'],
  ['${PATH}', '${PATH}'],
  ['a backslash', '\\'],
  ['escaped quotes', '\\"; touch PWNED; \\"'],
  [';', 'x; touch PWNED'],
  ['&&', 'x && touch PWNED'],
  ['|', 'x | touch PWNED'],
  ['>', 'x > PWNED'],
  ['a glob', '*'],
  ['spaces', 'a  b c'],
  ['a tab', 'a\tb'],
  ['#', 'a #b'],
  ['# first', '#x'],
  ['hetjob', 'hetjob --exclusive'],
  ['everything at once', `a b#c $(touch PWNED) \`touch PWNED\` "'\\" * ; && | > PWNED $HOME \${PATH}`],
];

// What no line of a batch script can carry: refused, naming the option.
const BREAKS: [string, string, RegExp][] = [
  ['a newline and a directive', 'x\n#SBATCH --exclusive', /contains a newline/],
  ['a newline and a command', 'x\ntouch PWNED', /contains a newline/],
  ['a carriage return', 'x\r--exclusive', /contains a carriage return/],
];

/** `s` as one shell word (for --sbatch-args, which is split as a shell would). */
const shWord = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const C_SPACE = ' \t\n\v\f\r'; // C's isspace, which sbatch uses
const isspace = (c: string | undefined) => c !== undefined && c !== '' && C_SPACE.includes(c);

/**
 * The #SBATCH lines of a script as sbatch reads them, one array of arguments per line: a port of
 * Slurm 22.05's _opt_batch_script and get_argument (opt.c of its sbatch). Lines end at \n only;
 * directives stop at the first line that is neither blank nor a comment; outside quotes white
 * space splits and # ends the line; "..." and '...' group; a backslash keeps the next character.
 */
function sbatchDirectives(script: string): string[][] {
  const out: string[][] = [];
  for (const line of script.split('\n')) {
    const magic = ['#SBATCH', '#SLURM'].find((m) => line.startsWith(m));
    if (!magic) {
      const first = [...line].find((c) => !isspace(c));
      if (first === undefined || first === '#') continue;
      break; // the first command
    }
    const args: string[] = [];
    let p = magic.length;
    for (;;) {
      while (isspace(line[p])) p++;
      if (/^(hetjob|packjob)([ \t\v\f\r]|$)/i.test(line.slice(p))) throw new Error(`a het job separator: ${line}`);
      if (line[p] === ':') throw new Error(`sbatch refuses a leading ':': ${line}`);
      let arg: string | undefined;
      let quote = '';
      let escaped = false;
      while (p < line.length && (quote || !isspace(line[p]))) {
        const c = line[p];
        if (escaped) escaped = false;
        else if (c === '\\') {
          escaped = true;
          p++;
          continue;
        } else if (quote) {
          if (c === quote) {
            quote = '';
            p++;
            continue;
          }
        } else if (c === '"' || c === "'") {
          quote = c;
          p++;
          continue;
        } else if (c === '#') break; // the rest of the line is a comment
        arg = (arg ?? '') + c;
        p++;
      }
      if (quote) throw new Error(`sbatch refuses an unmatched ${quote}: ${line}`);
      if (arg === undefined) break;
      args.push(arg);
    }
    out.push(args);
  }
  return out;
}

/** What the real sbatch reads from the script's directives (its debug log), without submitting. */
function realSbatchArgs(file: string, cwd: string): string[] {
  const r = spawnSync('sbatch', ['-vvvvv', '--test-only', file], {
    cwd,
    env: { ...process.env, ...SLURM_ENV },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return [...r.stderr.matchAll(/^sbatch: debug2: Found in script, argument "(.*)"$/gm)].map((m) => m[1]);
}

function filesNamed(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.name === name) found.push(p);
    if (e.isDirectory()) found.push(...filesNamed(p, name));
  }
  return found;
}

/** A fresh sandbox: bin/ with the test-double srun, home/, and work/ where the script runs. */
function sandbox(): { box: string; work: string } {
  const box = tempDir();
  const work = join(box, 'work');
  for (const d of ['bin', 'home', 'work']) mkdirSync(join(box, d));
  writeFileSync(
    join(box, 'bin', 'srun'),
    [
      '#!/bin/sh',
      "# Test double for Slurm's srun (test/sbatch.test.ts): starts nothing, only records its",
      '# arguments, one per line, in the file $SRUN_ARGV.',
      'for a in "$@"; do printf \'%s\\n\' "$a"; done > "$SRUN_ARGV"',
      '',
    ].join('\n'),
  );
  chmodSync(join(box, 'bin', 'srun'), 0o755);
  writeFileSync(join(work, 'decoy'), ''); // an unquoted * would match it
  return { box, work };
}

function assertRefused(r: RunResult, why: RegExp, what: string): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(r.code, 2, `${what}: exit code (stderr: ${r.stderr})`);
  assert.equal(lines.length, 1, `${what}: exactly one stderr line, got:\n${r.stderr}`);
  assert.match(lines[0], /^ccbench: /, what);
  assert.match(lines[0], why, what);
  assert.equal(r.stdout, '', `${what}: no script on stdout`);
}

interface Expect {
  directives: string[]; // the arguments of the #SBATCH lines, one per line, in order
  rankArgs: string[]; // after `srun --mpi=pmix <node> <ccbench>`
}

/**
 * `ccbench sbatch allreduce <args>` must print a script whose directives and srun arguments are
 * exactly `want`, and which, run under bash in a sandbox, runs nothing else.
 */
async function assertScript(args: string[], want: Expect, what: string): Promise<void> {
  const { box, work } = sandbox();
  const srunArgv = join(box, 'srun.argv');
  const intended = ['--mpi=pmix', process.execPath, '--single-threaded', CLI, ...want.rankArgs];
  for (const v of [...intended, ...want.directives.map((d) => d.replace(/^--[\w-]+=/, ''))])
    if (v.includes('*') && !v.includes('/')) writeFileSync(join(work, v.replaceAll('*', 'decoy')), '');

  const r = await ccbench(['sbatch', 'allreduce', ...args], { cwd: box, env: { HOME: join(box, 'home') } });
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  const script = r.stdout;
  const file = join(box, 'job.sbatch');
  writeFileSync(file, script);

  // (3) the directives, as sbatch reads them: each #SBATCH line one argument, none after the first command
  assert.deepEqual(
    sbatchDirectives(script),
    want.directives.map((d) => [d]),
    `${what}: #SBATCH lines\n${script}`,
  );
  const magic = script.split('\n').filter((l) => /^#(SBATCH|SLURM|PBS|BSUB)/.test(l));
  assert.equal(magic.length, want.directives.length, `${what}: no directive line after the first command`);
  if (!noCluster) assert.deepEqual(realSbatchArgs(file, work), want.directives, `${what}: as the real sbatch reads it`);

  const b = spawnSync('bash', [file], {
    cwd: work,
    env: {
      PATH: `${join(box, 'bin')}:/usr/bin:/bin`,
      HOME: join(box, 'home'),
      SLURM_JOB_ID: JOB_ID,
      SRUN_ARGV: srunArgv,
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
  // (1) nothing ran: no PWNED anywhere in the sandbox
  assert.deepEqual(filesNamed(box, 'PWNED'), [], `${what}: a command ran\n${script}`);
  assert.equal(b.status, 0, `${what}: bash: ${b.stderr}\n${script}`);
  // (2) srun got exactly the intended arguments, each hostile value intact as one of them
  assert.ok(existsSync(srunArgv), `${what}: srun was not reached\n${script}`);
  assert.deepEqual(readFileSync(srunArgv, 'utf8').split('\n').slice(0, -1), intended, `${what}: srun's arguments`);
}

const BASE_DIRECTIVES = ['--nodes=1', '--ntasks-per-node=1'];

describe('ccbench sbatch: hostile values', { timeout: 300_000 }, () => {
  after(() => assert.deepEqual(strays(), [], 'no process left behind'));

  for (const [label, v] of HOSTILE) {
    test(`${label}: quoted in every option that takes it, or refused`, async () => {
      // Every option at once (each checked by name below), then a job name alone (the defaults
      // derived from it), then the options that refuse it.
      const all = assertScript(
        [
          '--job-name',
          v,
          '--partition',
          v,
          '--account',
          v,
          '--time',
          v,
          '--output',
          v,
          '--json',
          `J${v}`,
          '--csv',
          `C${v}`,
          '--out',
          `csv:O${v}`,
          '--nccl-lib',
          v,
          '--control-addr',
          v,
          '--sbatch-args',
          `--exclusive ${shWord(`--comment=${v}`)}`,
        ],
        {
          directives: [
            `--job-name=${v}`,
            ...BASE_DIRECTIVES,
            `--partition=${v}`,
            `--time=${v}`,
            `--account=${v}`,
            `--output=${v}`,
            '--exclusive',
            `--comment=${v}`,
          ],
          rankArgs: [
            'allreduce',
            '--nccl-lib',
            v,
            '--out',
            `csv:O${v}`,
            '--json',
            `J${v}`,
            '--csv',
            `C${v}`,
            '--control-addr',
            v,
          ],
        },
        `${label} in every option`,
      );
      const named = assertScript(
        ['--job-name', v],
        {
          directives: [`--job-name=${v}`, ...BASE_DIRECTIVES, `--output=${v}-%j.out`],
          rankArgs: ['allreduce', '--json', `${v}-${JOB_ID}.json`],
        },
        `${label} as the job name`,
      );
      const cwd = tempDir();
      const [sizes, words] = await Promise.all([
        ccbench(['sbatch', 'allreduce', '--sizes', v], { cwd }),
        ccbench(['sbatch', 'allreduce', '--sbatch-args', v], { cwd }),
      ]);
      assertRefused(sizes, /is not a size/, `${label} in --sizes`);
      assertRefused(words, /^ccbench: --sbatch-args /, `${label} unquoted in --sbatch-args`);
      await all;
      await named;
      assert.deepEqual(filesNamed(cwd, 'PWNED'), []);
    });
  }

  for (const [label, v, why] of BREAKS) {
    test(`${label}: refused in every option, naming it`, async () => {
      const cases: [string, string[]][] = [
        ['--job-name', ['--job-name', v]],
        ['--partition', ['--partition', v]],
        ['--account', ['--account', v]],
        ['--time', ['--time', v]],
        ['--output', ['--output', v]],
        ['--json', ['--json', v]],
        ['--csv', ['--csv', v]],
        ['--out', ['--out', `${v}.csv`]], // csv:<v> is refused sooner (below)
        ['--sbatch-args', ['--sbatch-args', shWord(`--comment=${v}`)]],
        ['--nccl-lib', ['--nccl-lib', v]],
        ['--control-addr', ['--control-addr', v]],
        ['--sizes', ['--sizes', `8${v}`]],
      ];
      const cwd = tempDir();
      const results = await Promise.all(cases.map(([, args]) => ccbench(['sbatch', 'allreduce', ...args], { cwd })));
      cases.forEach(([flag], i) =>
        assertRefused(results[i], new RegExp(`^ccbench: ${flag} ${why.source}`), `${label} in ${flag}`),
      );
      // --out's own parser cannot read a format: prefix past a line break, and refuses it first.
      const prefixed = await ccbench(['sbatch', 'allreduce', '--out', `csv:${v}`], { cwd });
      assert.equal(prefixed.code, 2, prefixed.stderr);
      assert.equal(prefixed.stdout, '');
      assert.deepEqual(filesNamed(cwd, 'PWNED'), []);
    });
  }

  test('--sbatch-args: split as a shell would, each word an option, each word one directive', async () => {
    const cwd = tempDir();
    const refused: [string, RegExp][] = [
      ['--x\n#SBATCH --y', /^ccbench: --sbatch-args contains a newline/],
      ['--exclusive; touch PWNED', /'touch' is not one/],
      ['--exclusive && touch PWNED', /'&&' is not one/],
      ['--constraint h100', /'h100' is not one.*--constraint=h100/],
      ['--exclusive --', /'--' is none/],
      ["--comment='unterminated", /^ccbench: --sbatch-args has an unterminated ' quote/],
    ];
    const results = await Promise.all(
      refused.map(([a]) => ccbench(['sbatch', 'allreduce', '--sbatch-args', a], { cwd })),
    );
    refused.forEach(([a, why], i) => assertRefused(results[i], why, JSON.stringify(a)));
    assert.deepEqual(filesNamed(cwd, 'PWNED'), []);

    await assertScript(
      ['--sbatch-args', `--exclusive  --constraint=h100 "--comment=two words # and \\"quotes\\"" -Jx\\ y`],
      {
        directives: [
          '--job-name=ccbench-allreduce',
          ...BASE_DIRECTIVES,
          '--output=ccbench-allreduce-%j.out',
          '--exclusive',
          '--constraint=h100',
          '--comment=two words # and "quotes"',
          '-Jx y',
        ],
        rankArgs: ['allreduce', '--json', `ccbench-allreduce-${JOB_ID}.json`],
      },
      'quoted --sbatch-args',
    );
  });

  test('NUL bytes: no command line can carry one, and the generator refuses them anyway', async () => {
    await assert.rejects(ccbench(['sbatch', 'allreduce', '--job-name', 'a\0b']), { code: 'ERR_INVALID_ARG_VALUE' });
    const nul = 'a\0b';
    const gen =
      (o: SbatchOptions, rankArgs = ['allreduce'], node = process.execPath, cli = CLI) =>
      () =>
        sbatchScript('allreduce', rankArgs, o, 'mpi', node, cli, false);
    const cases: [string, () => string][] = [
      ['--job-name', gen({ jobName: nul })],
      ['--partition', gen({ partition: nul })],
      ['--time', gen({ time: nul })],
      ['--account', gen({ account: nul })],
      ['--output', gen({ output: nul })],
      ['--sbatch-args', gen({ sbatchArgs: `--comment=${nul}` })],
      ['--nccl-lib', gen({}, ['allreduce', '--nccl-lib', nul])],
      ['--json', gen({}, ['allreduce', '--check', '--json', nul])],
      ["node's path", gen({}, undefined, `/opt/${nul}/node`)],
      ["ccbench's path", gen({}, undefined, process.execPath, `/opt/${nul}/ccbench.js`)],
    ];
    for (const [name, f] of cases)
      assert.throws(f, (e: unknown) => e instanceof UsageError && e.message.startsWith(`${name} contains a NUL byte`));
  });

  test(
    'a hostile but legal job name and --sbatch-args through the real sbatch --submit',
    { skip: noCluster },
    async () => {
      const { box } = sandbox();
      const name = `ccb $(touch PWNED) \`touch PWNED\` "q" 'r' #c; * | > PWNED`;
      const comment = `a b #c "d" 'e' $(touch PWNED)`;
      const r = await ccbench(
        [
          'sbatch',
          'allreduce',
          '--nodes',
          '1',
          '--ntasks-per-node',
          '2',
          '--backend',
          'gloo',
          '--sizes',
          '8:1K',
          '--iters',
          '20',
          '--check',
          '--job-name',
          name,
          '--sbatch-args',
          shWord(`--comment=${comment}`),
          '--submit',
        ],
        { cwd: box, env: SLURM_ENV, timeoutMs: 60_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      const id = /submitted batch job (\d+)/.exec(r.stdout)?.[1] as string;
      assert.ok(id, r.stdout);
      const env = { ...process.env, ...SLURM_ENV };
      for (let i = 0; ; i++) {
        if (execFileSync('squeue', ['-h', '-j', id], { env, encoding: 'utf8' }).trim() === '') break;
        if (i > 360) assert.fail(`job ${id} still queued after 90 s`);
        await sleep(250);
      }
      const out = join(box, `${name}-${id}.out`);
      const json = join(box, `${name}-${id}.json`);
      assert.ok(existsSync(out), `the job's output file: ${readdirSync(box).join(', ')}`);
      assert.ok(existsSync(json), readFileSync(out, 'utf8'));
      const doc = readJson(json);
      assert.deepEqual([doc.launcher, doc.world_size, doc.status], ['slurm', 2, 'complete']);
      assert.ok(doc.results.every((x: any) => x.wrong === 0));
      assert.deepEqual(filesNamed(box, 'PWNED'), [], 'no command ran');
      const job = execFileSync('scontrol', ['show', 'job', '-o', id], { env, encoding: 'utf8' });
      assert.ok(job.includes(`JobName=${name} `), job);
      assert.ok(job.includes(`Comment=${comment} `), job);
    },
  );
});
