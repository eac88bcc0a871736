// bibw: OSU's osu_bibw, both ranks of a pair send a window at once.
import { pointToPoint } from './op.js';

export default pointToPoint({
  name: 'bibw',
  aliases: ['bidirectional'],
  summary: 'bi-directional bandwidth: both ranks of a pair send a window',
  timed: 'a window of messages each way and the ack / window',
  help: ['Time is per message of the window (--window, default 64), as OSU osu_bibw; algbw counts both directions.'],
  sample: 'per-message',
  iterClass: 'bw',
  algFactor: 2,
});
