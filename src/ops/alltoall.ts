// alltoall: rank r sends chunk j to rank j, for every pair (MPI_Alltoall, ncclAlltoAll).
import { BUS, collective } from './op.js';

export default collective({
  name: 'alltoall',
  aliases: ['all_to_all', 'all-to-all', 'a2a'],
  summary: 'rank r sends chunk j to rank j, for every pair',
  timed: 'one all-to-all',
  shape: 'exchanged',
  osuSize: 'per-rank',
  ...BUS.ring,
});
