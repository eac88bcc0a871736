// Start-up phases on standard error when CCBENCH_TRACE_STARTUP is set (npm run bench:startup
// reads them): one line per phase, `ccbench-trace <role> <pid> <phase> <epoch ms> <ms since the
// process started>`, so the commander's and every rank's time can be laid on one time line.
import { performance } from 'node:perf_hooks';

const on = !!process.env.CCBENCH_TRACE_STARTUP;

export function mark(role: 'commander' | `rank ${number}` | 'rank', phase: string): void {
  if (!on) return;
  const since = performance.now();
  const epoch = performance.timeOrigin + since;
  process.stderr.write(
    `ccbench-trace ${role.replace(' ', '')} ${process.pid} ${phase} ${epoch.toFixed(1)} ${since.toFixed(1)}\n`,
  );
}
