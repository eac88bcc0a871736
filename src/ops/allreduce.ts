// allreduce: every rank gets the reduction of all ranks' buffers (MPI_Allreduce, ncclAllReduce).
import { BUS, collective } from './op.js';

export default collective({
  name: 'allreduce',
  aliases: ['all_reduce', 'all-reduce'],
  summary: "every rank gets the reduction of all ranks' buffers",
  timed: 'one allreduce',
  shape: 'same',
  reduces: true,
  ...BUS.allreduce,
});
