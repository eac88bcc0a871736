// reduce: the root gets the reduction of all ranks' buffers (MPI_Reduce, ncclReduce).
import { BUS, collective } from './op.js';

export default collective({
  name: 'reduce',
  summary: "the root gets the reduction of all ranks' buffers",
  timed: 'one reduce',
  shape: 'same',
  reduces: true,
  rooted: true,
  ...BUS.one,
});
