// sendrecv: a ring exchange, as nccl-tests' sendrecv_perf (MPI_Sendrecv, grouped ncclSend/ncclRecv).
import { BUS, collective } from './op.js';

export default collective({
  name: 'sendrecv',
  aliases: ['send_recv'],
  summary: 'ring exchange: each rank sends to rank+1 and receives from rank-1',
  timed: 'one send to rank+1 with a receive from rank-1',
  shape: 'same',
  ...BUS.one,
});
