// Ranks that outnumber the CPUs they can run on: times then include waiting for a CPU. Per host
// (the CPUs its cgroup gives the job), and per machine: hosts with one kernel boot id are
// containers or network namespaces of one machine, whose ranks may be bound to the same cores
// (every host's first MPI rank to "its" core 0), so they take turns on them.
import type { Ident } from './join.js';

export interface Crowded {
  host: string; // a host, or "n1, n2" for hosts of one machine
  ranks: number;
  cpus: number;
  one_machine?: true; // ranks of several hosts bound to the same CPUs of their one machine
}

/** The CPUs of a kernel CPU list ("0-3,8"); undefined when it cannot be read. */
export function cpuList(text: string | undefined): Set<number> | undefined {
  if (!text || !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) return undefined;
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [a, b = a] = part.split('-').map(Number);
    for (let c = a; c <= b && out.size <= 65536; c++) out.add(c);
  }
  return out;
}

export function crowding(idents: Ident[]): Crowded[] {
  const out: Crowded[] = [];
  for (const host of new Set(idents.map((i) => i.host))) {
    const here = idents.filter((i) => i.host === host);
    const cpus = Math.min(...here.map((i) => i.cpus));
    if (here.length > cpus) out.push({ host, ranks: here.length, cpus });
  }
  for (const machine of new Set(idents.map((i) => i.machine).filter((m) => m !== undefined))) {
    const here = idents.filter((i) => i.machine === machine);
    const hosts = [...new Set(here.map((i) => i.host))];
    if (hosts.length < 2 || out.some((o) => hosts.includes(o.host))) continue; // a host's own count said it
    const sets = here.map((i) => cpuList(i.bound_cpus));
    if (sets.some((s) => s === undefined)) continue;
    const union = new Set(sets.flatMap((s) => [...(s as Set<number>)]));
    if (here.length > union.size)
      out.push({ host: hosts.join(', '), ranks: here.length, cpus: union.size, one_machine: true });
  }
  return out;
}
