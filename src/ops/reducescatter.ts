// reducescatter: reduce, then rank r keeps chunk r (MPI_Reduce_scatter_block, ncclReduceScatter).
import { BUS, collective } from './op.js';

export default collective({
  name: 'reducescatter',
  aliases: ['reduce_scatter', 'reduce-scatter'],
  summary: 'reduce, then rank r keeps chunk r',
  timed: 'one reduce-scatter',
  shape: 'scattered',
  reduces: true,
  ...BUS.ring,
});
