// The environment variables that change how communication libraries behave, as a run records
// them (rank 0's, after ccbench set its own): NCCL/RCCL tuning, ROCm and CUDA device selection,
// UCX and libfabric transports, MPI parameters, collective offloads, and the loader's paths (which
// library is found). Never a secret: ccbench's own key, Open MPI's PSM job key and anything named
// like one stay out.
const PREFIXES = [
  'NCCL_',
  'RCCL_',
  'HSA_',
  'HIP_',
  'ROCR_',
  'CUDA_',
  'UCX_',
  'FI_',
  'OMPI_MCA_',
  'PMIX_MCA_',
  'MPICH_',
  'MPIR_CVAR_',
  'I_MPI_',
  'MV2_',
  'GLOO_',
  'MALLOC_', // glibc's allocator (MALLOC_ARENA_MAX: src/system/conditions.ts)
  'GLIBC_TUNABLES',
  'UCC_',
  'HCOLL_',
  'SHARP_',
  'PSM2_',
  'PSM3_',
  'MLX5_',
  'NVSHMEM_',
];
const NAMES = new Set([
  'NVIDIA_VISIBLE_DEVICES',
  'GPU_DEVICE_ORDINAL',
  'OMP_NUM_THREADS',
  'LD_LIBRARY_PATH',
  'LD_PRELOAD',
]);
// Open MPI's precondition_transports is the job's key for PSM/OFI endpoint isolation.
const SECRET = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|(^|_)KEY($|_)|PRECONDITION_TRANSPORTS/i;

export function relevantEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const v = env[name];
    if (v !== undefined && (NAMES.has(name) || PREFIXES.some((p) => name.startsWith(p))) && !SECRET.test(name))
      out[name] = v;
  }
  return out;
}
