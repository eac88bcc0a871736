// latency: OSU's osu_latency ping-pong between the pairs (r, r + n/2).
import { pointToPoint } from './op.js';

export default pointToPoint({
  name: 'latency',
  aliases: ['pingpong', 'ping-pong'],
  summary: 'ping-pong between pairs; one-way time = round trip / 2',
  timed: 'one round trip / 2, on the initiating rank',
  help: ['Time is one-way: the round trip divided by 2 (OSU osu_latency).'],
  sample: 'half-round-trip',
  iterClass: 'lat',
});
