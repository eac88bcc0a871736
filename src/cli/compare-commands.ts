// The commands that read result files back: compare (with its gate) and validate. Parsing and
// help only; src/compare/ does the work.
import { Option, type Command } from 'commander';
import { compareCommand, validateCommand, type CommandResult } from '../compare/command.js';
import { NOISE_RULE } from '../compare/noise.js';
import { COMPARE_FORMATS, type CompareFormat } from '../compare/render.js';
import { EXIT } from '../errors.js';
import { READABLE_SCHEMAS, RESULT_SCHEMA } from '../report/schema-id.js';

export function addCompareCommands(program: Command): void {
  const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];
  const finish = (r: CommandResult) => {
    process.stdout.write(r.stdout);
    for (const line of r.stderr) process.stderr.write(`${line}\n`);
    process.exitCode = r.exitCode;
  };
  program
    .command('compare')
    .argument('<files...>', 'result files written by --json; the first is the baseline')
    .description(
      'compare result files size by size (time, busbw, ratio, noise verdict), summarise each op, diff the environments; gate on regressions',
    )
    .addOption(
      new Option('--format <format>', 'table, markdown or json on standard output')
        .choices(COMPARE_FORMATS)
        .default('table'),
    )
    .option(
      '--fail-if-slower <rules>',
      `exit ${EXIT.regression} if a size's median time exceeds the baseline's by more than the tolerance and the noise: 5%, allreduce@>=1M:3% (repeatable, comma-separated; the last matching rule applies)`,
      collect,
    )
    .option(
      '--min-busbw <rules>',
      `exit ${EXIT.regression} if a size's busbw is below the floor, in GB/s: 10, 10@>=1M, alltoall@1K:1M:8 (repeatable; judged per size)`,
      collect,
    )
    .addHelpText(
      'after',
      `\nExamples:\n  $ ccbench compare nccl.json rccl.json\n  $ ccbench compare baseline.json new.json --fail-if-slower 5% --format markdown\n  $ ccbench compare baseline.json new.json --fail-if-slower 10%,allreduce@>=1M:3%\n  $ ccbench compare run.json --min-busbw 100@>=64M\n\nTimes: each point's median (p50) and its 95% confidence interval (order statistics).\nThe noise rule: ${NOISE_RULE}.\nRecords align by op, rank count, size, dtype, reduction, in-place form and root; --repeat cycles\nof a point are taken together. Exit codes: 0 compared (gate passed), ${EXIT.regression} gate failed, 2 bad files or rules.`,
    )
    .action((files: string[], o: { format: CompareFormat; failIfSlower?: string[]; minBusbw?: string[] }) =>
      finish(compareCommand(files, o)),
    );

  program
    .command('validate')
    .argument('<files...>', 'result files written by --json')
    .description(
      `check result files against the published JSON Schema (${RESULT_SCHEMA}; ${READABLE_SCHEMAS[0]} is read too)`,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ ccbench validate run.json\n  $ ccbench validate results/*.json\n\nThe schema: schema/ in the package (npm run schema writes it from src/report/schema.ts).',
    )
    .action((files: string[]) => finish(validateCommand(files)));
}
