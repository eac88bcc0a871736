// The layering of src/ (DESIGN.md: data flows CLI → plan → launcher → rank → engine → report),
// checked by `npm run depcheck` (part of npm run lint, and so of CI). From the top:
//   cli                      parsing and help; may use everything
//   launch, rank             how ranks come to exist / what one rank does; never each other
//   replay                   communication traces read and planned (ccbench replay)
//   html                     the report page (ccbench report): sections of charts and tables
//   plot                     charts of result files (ccbench plot), rendered to SVG / PNG
//   compare                  result files read back: load, migrate, align, gate, render
//   report, control          result files and tables / the control plane
//   system                   facts about this node (hardware, MPI, memory), through the addon
//   plan, job                the run plan / which rank this process is and where rank 0 is
//   ops, native              op descriptors / the addon's typed binding
//   errors, paths            leaves
const forbid = (name, comment, from, to, extra = {}) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { path: to, ...extra },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'modules form no cycles (a type-only import is no cycle at run time)',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    forbid(
      'nothing-imports-cli',
      'only the entry point and the program builder live in cli/',
      '^src/(?!cli/)',
      '^src/cli/',
    ),
    forbid(
      'launch-and-rank-apart',
      'launching ranks and being one are separate concerns',
      '^src/launch/',
      '^src/rank/',
    ),
    forbid(
      'rank-and-launch-apart',
      'launching ranks and being one are separate concerns',
      '^src/rank/',
      '^src/launch/',
    ),
    forbid(
      'lower-layers-stay-low',
      'compare, html, plot, report, control, system, plan, job, ops, native and the leaves never reach up',
      '^src/(compare|html|plot|report|control|system|plan|job|ops|native|errors|paths)',
      '^src/(cli|launch|rank)/',
    ),
    forbid(
      'report-reads-records',
      'report/ turns records into text and files: no probing, no control plane',
      '^src/report/',
      '^src/(native|control|job|system)/',
      { dependencyTypesNot: ['type-only'] },
    ),
    forbid(
      'charts-read-records',
      'plot/ and html/ read result files: no probing, no control plane, no launching',
      '^src/(plot|html)/',
      '^src/(native|control|job|system)/',
      { dependencyTypesNot: ['type-only'] },
    ),
    forbid(
      'replay-reads-traces',
      "replay/ reads traces into ops, dtypes, groups and the runner's calls: op descriptors, the plan and errors only",
      '^src/replay/',
      '^src/(?!replay/|ops/|plan/|errors\\.ts)',
      { dependencyTypesNot: ['type-only'] },
    ),
    forbid(
      'replay-on-top',
      'only the replay command and the ranks that replay use replay/',
      '^src/(?!cli/|rank/|replay/)',
      '^src/replay/',
    ),
    forbid('plot-below-html', 'the page uses the charts, never the other way', '^src/plot/', '^src/html/'),
    forbid(
      'charts-on-top',
      'only the commands use the charts and the page',
      '^src/(?!cli/|html/|plot/)',
      '^src/(plot|html)/',
    ),
    forbid(
      'compare-reads-files',
      'compare/ reads result files written before: no probing, no control plane, no running',
      '^src/compare/',
      '^src/(native|control|job|system)/',
      { dependencyTypesNot: ['type-only'] },
    ),
    forbid(
      'control-is-transport',
      'the control plane knows no plans, reports or node facts',
      '^src/control/',
      '^src/(plan|report|system|ops|job)/',
    ),
    forbid(
      'system-below-report',
      'node facts know nothing of reports or the control plane',
      '^src/system/',
      '^src/(report|control|job)/',
    ),
    forbid(
      'plan-is-pure',
      'the plan is pure data: no addon, no files of results, no node facts',
      '^src/plan/',
      '^src/(native|report|control|system|job)/',
    ),
    forbid(
      'job-is-environment',
      'rank identity and addresses come from the environment only',
      '^src/job/',
      '^src/(?!job/|errors\\.ts|builtins\\.ts)',
    ),
    forbid('ops-are-descriptors', 'op descriptors depend on nothing else of ccbench', '^src/ops/', '^src/(?!ops/)'),
    forbid(
      'native-is-a-binding',
      'the addon binding knows only errors and where the package is',
      '^src/native/',
      '^src/(?!native/|errors\\.ts|paths\\.ts)',
    ),
    forbid(
      'leaves-are-leaves',
      'errors.ts, paths.ts and builtins.ts import nothing of ccbench',
      '^src/(errors|paths|builtins)\\.ts$',
      '^src/',
    ),
  ],
  options: {
    includeOnly: '^src/',
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
