// gather: the root gets every rank's chunk (MPI_Gather, ncclGather or grouped send/recv).
import { BUS, collective } from './op.js';

export default collective({
  name: 'gather',
  summary: "the root gets every rank's chunk",
  timed: 'one gather',
  shape: 'gathered',
  osuSize: 'per-rank',
  rooted: true,
  ...BUS.ring,
});
