// What this process's control groups allow it: the CPUs of its cpuset (Slurm and containers
// confine jobs this way; a task's own CPU binding is not the node's limit). cgroup v2 and v1.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** A controller's file for this process: v2 ("0::/path" → /sys/fs/cgroup/path/<v2>), else v1. */
export function cgroupRead(controller: string, v2: string, v1: string[]): string | undefined {
  let lines: string[];
  try {
    lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  } catch {
    return undefined;
  }
  const tries: string[] = [];
  for (const line of lines) {
    const [, ctrls, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    if (ctrls === '') tries.push(`/sys/fs/cgroup${path}/${v2}`, `/sys/fs/cgroup/unified${path}/${v2}`);
    else if (ctrls.split(',').includes(controller))
      tries.push(...v1.map((f) => `/sys/fs/cgroup/${controller}${path}/${f}`));
  }
  for (const file of tries) {
    try {
      const text = readFileSync(file, 'utf8').trim();
      if (text) return text;
    } catch {
      // not this hierarchy
    }
  }
  return undefined;
}

/** The machine's online CPUs. The kernel's list, not os.cpus(): libuv's answer callocs 448 KiB and
 *  frees it, which raises glibc's mmap threshold in a rank before its sweep (bin/ccbench.js). */
function onlineCpus(): number {
  try {
    const n = countCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
    if (n > 0) return n;
  } catch {
    // not Linux
  }
  return cpus().length;
}

/** "0-3,8,10-11" → 7. */
export function countCpuList(list: string): number {
  let n = 0;
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (m) n += m[2] === undefined ? 1 : Number(m[2]) - Number(m[1]) + 1;
  }
  return n;
}

/** The CPUs this host gives the job: its cpuset's, else every one the machine has. */
export function hostCpus(): number {
  const all = onlineCpus();
  const list = cgroupRead('cpuset', 'cpuset.cpus.effective', ['cpuset.effective_cpus', 'cpuset.cpus']);
  const n = list ? countCpuList(list) : 0;
  return n > 0 ? Math.min(n, all) : all;
}
