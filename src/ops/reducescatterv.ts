// reducescatterv: reducescatter through MPI_Reduce_scatter, the call with a count per rank (all
// equal here), which OSU's osu_reduce_scatter times; reducescatter is MPI_Reduce_scatter_block
// (osu_reduce_scatter_block). The two are separate calls with their own code in an MPI library.
import { BUS, collective } from './op.js';

export default collective({
  name: 'reducescatterv',
  aliases: ['reduce_scatter_v', 'reduce-scatter-v'],
  summary: 'reducescatter as MPI_Reduce_scatter (a count per rank), as OSU osu_reduce_scatter',
  timed: 'one MPI_Reduce_scatter',
  help: [
    "The same result as reducescatter (MPI_Reduce_scatter_block), through MPI's per-rank-count call",
    "(every rank's count equal). Gloo's reduce-scatter takes per-rank counts too; NCCL and RCCL have no",
    'such call, so use reducescatter there.',
  ],
  shape: 'scattered',
  reduces: true,
  ...BUS.ring,
});
