// allgather: every rank gets every rank's chunk (MPI_Allgather, ncclAllGather).
import { BUS, collective } from './op.js';

export default collective({
  name: 'allgather',
  aliases: ['all_gather', 'all-gather'],
  summary: "every rank gets every rank's chunk",
  timed: 'one allgather',
  shape: 'gathered',
  osuSize: 'per-rank',
  ...BUS.ring,
});
