// broadcast: the root's buffer is copied to every rank (MPI_Bcast, ncclBroadcast).
import { BUS, collective } from './op.js';

export default collective({
  name: 'broadcast',
  aliases: ['bcast'],
  summary: "the root's buffer is copied to every rank",
  timed: 'one broadcast',
  shape: 'same',
  rooted: true,
  ...BUS.one,
});
