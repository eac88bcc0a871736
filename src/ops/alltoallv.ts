// alltoallv: rank i sends its own number of elements to each rank j, from a count matrix that
// --pattern generates (plan/patterns.ts): MPI_Alltoallv, Gloo's alltoallv, grouped ncclSend /
// ncclRecv on NCCL and RCCL (as nccl-tests' alltoallv_perf).
import { BUS, collective } from './op.js';

export default collective({
  name: 'alltoallv',
  aliases: ['all_to_all_v', 'all-to-all-v', 'alltoall_v', 'a2av'],
  summary: 'alltoall with a count per pair of ranks, from --pattern (MoE-style skew)',
  timed: 'one all-to-allv',
  help: [
    '--pattern picks the counts: uniform; zipf:<s> (rank j receives in proportion to 1/(j+1)^s);',
    'hot:<k>:<fraction> (ranks 0..k-1, the "hot experts", receive that fraction of what every rank',
    "sends); spread:<s> (nccl-tests' NCCL_TESTS_ALLTOALLV_SPREAD); dirichlet:<alpha>[:<seed>] and",
    'random[:<seed>] (seeded, --seed by default); matrix:<file> (n rows of n numbers: bytes i→j as',
    "nccl-tests reads them, or weights after a first line 'weights'). Every rank sends the size on",
    'average; the table adds the imbalance of what ranks receive (max/mean, Gini) and the slowest',
    "rank. busbw: the busiest rank's bytes (max of sent, received) / time × (n-1)/n, as nccl-tests.",
  ],
  shape: 'varied',
  hasInPlace: false,
  ...BUS.ring,
});
