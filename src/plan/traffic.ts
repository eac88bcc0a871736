// What a count matrix (patterns.ts) makes each rank send and receive, and how uneven that is.

/** What the matrix makes each rank send and receive (bytes), and how uneven the receiving is. */
export interface Traffic {
  send: number[];
  recv: number[];
  maxOverMean: number; // max / mean of the bytes received per rank (1: even)
  gini: number; // the Gini coefficient of the bytes received per rank (0: even)
  busiest: number; // max over ranks of max(send, recv) bytes: nccl-tests' alltoallv algbw bytes
}

export function traffic(m: Float64Array, n: number, ts: number): Traffic {
  const send = new Array<number>(n).fill(0);
  const recv = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      send[i] += m[i * n + j] * ts;
      recv[j] += m[i * n + j] * ts;
    }
  const mean = recv.reduce((a, b) => a + b, 0) / n;
  return {
    send,
    recv,
    maxOverMean: mean > 0 ? Math.max(...recv) / mean : 1,
    gini: gini(recv),
    busiest: Math.max(...send, ...recv),
  };
}

/**
 * The Gini coefficient: the mean absolute difference over twice the mean, Σi Σj |xi − xj| /
 * (2 n² μ), computed from the sorted values as Σi (2i − n + 1)·x(i) / (n² μ) (0-based i).
 */
export function gini(xs: readonly number[]): number {
  const n = xs.length;
  const sum = xs.reduce((a, b) => a + b, 0);
  if (n === 0 || sum === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  let acc = 0;
  for (let i = 0; i < n; i++) acc += (2 * i - n + 1) * s[i];
  return acc / (n * sum);
}
