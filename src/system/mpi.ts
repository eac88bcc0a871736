// Which MPI a version string names (MPI_Get_library_version or `mpirun --version`), in words.

export type MpiFlavor = 'openmpi' | 'mpich' | 'intel' | 'mvapich' | 'unknown';

const NAMES: Record<MpiFlavor, string> = {
  openmpi: 'Open MPI',
  mpich: 'MPICH',
  intel: 'Intel MPI',
  mvapich: 'MVAPICH',
  unknown: 'unknown',
};

export function flavorOf(versionText: string): { flavor: MpiFlavor; version: string } {
  const v = /(\d+\.\d+(?:\.\d+)?)/.exec(versionText)?.[1] ?? '';
  if (/Open MPI|OpenRTE|PRRTE/i.test(versionText)) return { flavor: 'openmpi', version: v };
  if (/Intel\(R\) MPI/i.test(versionText)) return { flavor: 'intel', version: v };
  if (/MVAPICH/i.test(versionText)) return { flavor: 'mvapich', version: v };
  if (/HYDRA|MPICH/i.test(versionText)) return { flavor: 'mpich', version: v };
  return { flavor: 'unknown', version: v };
}

/** {implementation: "Open MPI", version: "4.1.4"} for the run metadata. */
export function mpiIdentity(libraryVersion: string): { implementation: string; version: string } {
  const { flavor, version } = flavorOf(libraryVersion);
  return { implementation: NAMES[flavor], version };
}
