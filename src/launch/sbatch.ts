// `ccbench sbatch <op> ...`: a ready Slurm batch script that runs the benchmark with srun (one rank
// per GPU when --gpus-per-node is given), keeps its results in a JSON file named after the job,
// and with --submit hands it to sbatch.
import { childProcess } from '../builtins.js';
import { UsageError } from '../errors.js';
import { longFlag, OPTIONS, type InputOf, type OptionDecl } from '../plan/options.js';
import { VERSION } from '../paths.js';
import { INJECTED_VAR, RANK_ENV, RANK_ENV_EMPTIED, RANK_NODE_FLAGS } from '../system/conditions.js';
import { which } from './mpirun.js';
import { splitWords } from './words.js';

/** The batch script's own options (the run's options are plan/options.ts; they go to the ranks). */
export const SBATCH_OPTIONS = {
  nodes: {
    flags: '--nodes <n>',
    kind: 'whole',
    min: 1,
    default: 1,
    help: 'nodes to allocate (--gpus-per-node allocates that many GPUs per node, one rank each)',
  },
  ntasksPerNode: {
    flags: '--ntasks-per-node <t>',
    kind: 'whole',
    min: 1,
    defaultText: 'one per GPU, else -n / --nodes, else 1',
    help: 'ranks per node',
  },
  partition: { flags: '--partition <name>', kind: 'text', help: 'Slurm partition' },
  time: { flags: '--time <limit>', kind: 'text', help: 'time limit, e.g. 00:30:00' },
  account: { flags: '--account <name>', kind: 'text', help: 'account to charge' },
  jobName: {
    flags: '--job-name <name>',
    kind: 'text',
    defaultText: 'ccbench-<op>',
    help: 'job name; also names the results file',
  },
  output: {
    flags: '--output <pattern>',
    kind: 'text',
    defaultText: '<job name>-%j.out',
    help: "the job's output file",
  },
  sbatchArgs: {
    flags: '--sbatch-args <args>',
    kind: 'text',
    help: 'more #SBATCH lines, e.g. "--exclusive --constraint=h100"',
  },
  submit: { flags: '--submit', kind: 'flag', help: 'submit the script with sbatch and print the job id' },
} as const satisfies Record<string, OptionDecl>;

export type SbatchOptions = InputOf<typeof SBATCH_OPTIONS> & { np?: number; gpusPerNode?: number };

/** Ranks per node: as given, else one per GPU, else -n spread evenly, else one. */
export function tasksPerNode(o: SbatchOptions): number {
  const nodes = o.nodes ?? 1;
  if (o.ntasksPerNode) return o.ntasksPerNode;
  if (o.gpusPerNode) return o.gpusPerNode;
  if (o.np !== undefined) {
    if (o.np % nodes !== 0)
      throw new UsageError(
        `-n ${o.np} does not spread evenly over --nodes ${nodes}; give --ntasks-per-node or a multiple of ${nodes}`,
      );
    return o.np / nodes;
  }
  return 1;
}

// Every value reaches the script in one of two places, each with its own reader:
//  - an #SBATCH line, which bash skips as a comment and sbatch reads itself, not through a shell
//    (get_argument in opt.c of Slurm 22.05's sbatch): lines end only at \n; outside quotes white space
//    (isspace: also \r, \t, \v, \f) splits arguments and an unquoted # ends the line; "..." and
//    '...' group (the quotes are dropped, a # inside is kept); a backslash keeps the next character
//    literal, inside quotes too, but cannot keep white space outside them; a bare word hetjob (or
//    packjob) where an argument starts begins a het job component or ends the line. Nothing is
//    expanded. So a value in double quotes with \ and " escaped is read back exactly, and every
//    argument we write starts with - (--sbatch-args words must), never with hetjob or a colon (sbatch refuses that).
//  - the srun line, read by bash: every word in single quotes (but for plainly safe ones), so
//    nothing is expanded, except the default results file's deliberate ${SLURM_JOB_ID}.
// The comment line at the top is read to its end by both (only \n ends it), so nothing in it counts.
// Line breaks and NUL bytes are refused everywhere: a newline would start a line of its own (a
// directive or a command), sbatch reads \r as white space and refuses \r\n, Slurm refuses NUL.

const PLAIN = /^[\w@%+=:,./-]+$/;

/** A word bash reads back as exactly `s`, expanding nothing. */
const shellQuote = (s: string) => (PLAIN.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** An argument (or the value after `--flag=`) sbatch reads back from an #SBATCH line as exactly `s`. */
const sbatchQuote = (s: string) => (PLAIN.test(s) ? s : `"${s.replace(/[\\"]/g, '\\$&')}"`);

/** Refuses what no line of a batch script can carry. */
export function checkScriptValue(name: string, v: string): void {
  const why = v.includes('\n')
    ? 'a newline, which would end its line of the batch script and start another'
    : v.includes('\r')
      ? 'a carriage return, which sbatch reads as a space (or as a DOS line break it refuses)'
      : v.includes('\0')
        ? 'a NUL byte, which Slurm refuses in a batch script'
        : undefined;
  if (why) throw new UsageError(`${name} contains ${why}; remove it`);
}

/** The words of --sbatch-args, split as a shell would; each must be one option of sbatch's own. */
export function sbatchArgWords(text: string): string[] {
  checkScriptValue('--sbatch-args', text);
  let words: string[];
  try {
    words = splitWords(text);
  } catch (e) {
    throw new UsageError((e as Error).message.replace('--launcher-args', '--sbatch-args'));
  }
  for (const w of words) {
    if (w === '--')
      throw new UsageError("--sbatch-args takes sbatch options, and '--' is none (it ends sbatch's options)");
    if (!/^-./s.test(w))
      throw new UsageError(
        `--sbatch-args takes sbatch options, and '${w}' is not one (each word must be an option, as --exclusive or -N2; give an option's value with =, as --constraint=h100, or quote words that belong together)`,
      );
  }
  return words;
}

/** One --sbatch-args word as an #SBATCH line: `--opt=value` keeps its name bare, the value quoted. */
function sbatchArgLine(w: string): string {
  const m = /^(--?[A-Za-z0-9][\w-]*=)(.*)$/s.exec(w);
  return `#SBATCH ${m ? m[1] + sbatchQuote(m[2]) : sbatchQuote(w)}`;
}

/** The run options that take a value, by long flag: the word after one in `rankArgs` is its value. */
const VALUE_FLAGS = new Set(
  (Object.values(OPTIONS) as OptionDecl[]).filter((d) => d.kind !== 'flag').map((d) => longFlag(d)),
);

/**
 * Refuses, naming the option, any value the script cannot carry: the batch script's own options,
 * --sbatch-args word by word, and the benchmark's arguments (op, then flags as typedArgs gives them).
 * Before the plan, whose messages would quote a value whole.
 */
export function checkSbatchValues(o: SbatchOptions, rankArgs: string[]): void {
  const own: [string, string | undefined][] = [
    ['--job-name', o.jobName],
    ['--partition', o.partition],
    ['--time', o.time],
    ['--account', o.account],
    ['--output', o.output],
  ];
  for (const [flag, v] of own) if (v !== undefined) checkScriptValue(flag, v);
  sbatchArgWords(o.sbatchArgs ?? '');
  if (rankArgs.length) checkScriptValue('the operation', rankArgs[0]);
  for (let i = 1; i < rankArgs.length; i++) {
    const flag = rankArgs[i];
    checkScriptValue(flag, flag);
    if (VALUE_FLAGS.has(flag) && i + 1 < rankArgs.length) checkScriptValue(flag, rankArgs[++i]);
  }
}

/**
 * The script. `rankArgs` are the benchmark's own arguments (op first); `node` and `cli` are the
 * absolute paths of this installation, which the compute nodes must see (a shared file system).
 */
export function sbatchScript(
  op: string,
  rankArgs: string[],
  o: SbatchOptions,
  backend: string,
  node: string,
  cli: string,
  hasJson: boolean,
): string {
  const tpn = tasksPerNode(o);
  const name = o.jobName ?? `ccbench-${op}`;
  checkSbatchValues(o, rankArgs);
  checkScriptValue("node's path", node);
  checkScriptValue("ccbench's path", cli);
  const extra = sbatchArgWords(o.sbatchArgs ?? '');
  const directive = (flag: string, v: string | number) => `#SBATCH ${flag}=${sbatchQuote(String(v))}`;
  const lines = [
    '#!/bin/bash',
    `# Generated by ccbench ${VERSION}: ccbench sbatch ${rankArgs.map(shellQuote).join(' ')}`,
    directive('--job-name', name),
    directive('--nodes', o.nodes ?? 1),
    directive('--ntasks-per-node', tpn),
  ];
  if (o.gpusPerNode) lines.push(directive('--gpus-per-node', o.gpusPerNode));
  if (o.partition) lines.push(directive('--partition', o.partition));
  if (o.time) lines.push(directive('--time', o.time));
  if (o.account) lines.push(directive('--account', o.account));
  lines.push(directive('--output', o.output ?? `${name}-%j.out`));
  // Last: an option of these that wants a separate value must not take one of ours as it.
  lines.push(...extra.map(sbatchArgLine));
  // The job name quoted, the job id expanded (set -u: only inside a job).
  const json = hasJson ? [] : ['--json', `${shellQuote(`${name}-`)}"\${SLURM_JOB_ID}.json"`];
  const srun = [
    'srun',
    ...(backend === 'mpi' ? ['--mpi=pmix'] : []),
    ...[node, ...RANK_NODE_FLAGS, cli, ...rankArgs].map(shellQuote),
  ];
  lines.push(
    'set -euo pipefail',
    '# The secret every rank proves to rank 0 on the control plane (unused by MPI jobs).',
    'export CCBENCH_JOB_SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d \' \\n\')"',
    '# MPI temporaries from the main malloc arena, as in an MPI program (src/system/conditions.ts).',
    ...Object.entries(RANK_ENV).map(
      ([k, v]) => `if [ -z "\${${k}+set}" ]; then export ${k}=${v} ${INJECTED_VAR}=${k}; fi`,
    ),
    '# Node parses this certificate bundle at every start, and ccbench makes no TLS connection.',
    ...RANK_ENV_EMPTIED.map(
      (k) =>
        `if [ -n "\${${k}:-}" ]; then export ${k}= ${INJECTED_VAR}="\${${INJECTED_VAR}:+\${${INJECTED_VAR}},}${k}"; fi`,
    ),
    [...srun, ...json].join(' '),
    '',
  );
  return lines.join('\n');
}

/** Submits the script; returns the job id. */
export function submit(script: string): string {
  if (!which('sbatch', process.env))
    throw new UsageError(
      'sbatch was not found on PATH; print the script without --submit and submit it where Slurm is installed',
    );
  try {
    return childProcess()
      .execFileSync('sbatch', ['--parsable'], {
        input: script,
        encoding: 'utf8',
        timeout: 60_000,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      .trim()
      .split(';')[0];
  } catch (e) {
    const err = String((e as { stderr?: string }).stderr ?? (e as Error).message)
      .trim()
      .split('\n')[0];
    throw new UsageError(`sbatch refused the script: ${err}`);
  }
}
