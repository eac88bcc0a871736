// scatter: rank r gets chunk r of the root's buffer (MPI_Scatter, ncclScatter or grouped send/recv).
import { BUS, collective } from './op.js';

export default collective({
  name: 'scatter',
  summary: "rank r gets chunk r of the root's buffer",
  timed: 'one scatter',
  shape: 'scattered',
  osuSize: 'per-rank',
  rooted: true,
  ...BUS.ring,
});
