// bw: OSU's osu_bw, a window of messages from the initiator, then a small ack.
import { pointToPoint } from './op.js';

export default pointToPoint({
  name: 'bw',
  aliases: ['bandwidth'],
  summary: 'uni-directional bandwidth: a window of messages, then an ack (OSU)',
  timed: 'a window of messages and the ack / window, on the sender',
  help: ['Time is per message of the window (--window, default 64), as OSU osu_bw.'],
  sample: 'per-message',
  iterClass: 'bw',
});
