// barrier: barrier latency (MPI_Barrier; NCCL has none, so a one-element allreduce stands in).
import { BUS, collective } from './op.js';

export default collective({
  name: 'barrier',
  summary: 'barrier latency (no data; --sizes is ignored)',
  timed: 'one barrier',
  shape: 'none',
  hasInPlace: false,
  minCount: 0,
  ...BUS.one,
});
