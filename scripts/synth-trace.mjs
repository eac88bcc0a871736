#!/usr/bin/env node
// Writes synthetic communication traces from the formats' documented fields (reference/
// workloads-models.md §3), for ccbench replay's tests and its overhead benchmark:
//   node scripts/synth-trace.mjs param <dir> [--ranks 4] [--entries 300]
//       PARAM basic trace, <dir>/<rank>.json: a training-step pattern on tensor-parallel blocks
//       of 2 ranks and strided data-parallel groups, a skewed all_to_allv on the world, isend /
//       irecv pairs with their waits, a rooted broadcast, compute entries (timed and not)
//   node scripts/synth-trace.mjs kineto <dir> [--steps 15]   Kineto rank<r>.json for 2 ranks
//   node scripts/synth-trace.mjs deepspeed <file>            a DeepSpeed comms logger summary
// Deterministic: the same arguments write the same bytes. Sizes in PARAM and Kineto are elements.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [kind, out, ...rest] = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = rest.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(rest[i + 1]);
};
// One entry (or event) per line: small files whose diffs read entry by entry.
const lines = (list) => `[\n${list.map((x) => JSON.stringify(x)).join(',\n')}\n]`;
const write = (path, data) =>
  writeFileSync(
    path,
    (Array.isArray(data)
      ? lines(data)
      : data.traceEvents
        ? `{"schemaVersion": 1, "distributedInfo": ${JSON.stringify(data.distributedInfo)},\n"traceEvents": ${lines(data.traceEvents)}}`
        : JSON.stringify(data, null, 1)) + '\n',
  );

/** One rank's PARAM entries: `steps` training steps, cut to `limit` entries. */
function paramRank(r, n, limit) {
  const tp = [r - (r % 2), r - (r % 2) + 1]; // contiguous blocks of 2
  const dp = Array.from({ length: n / 2 }, (_, j) => (r % 2) + 2 * j); // strided groups
  const tpId = 1 + Math.floor(r / 2);
  const dpId = 1 + n / 2 + (r % 2);
  const pos = dp.indexOf(r);
  let t = 1_000_000;
  const es = [{ comms: 'init', startTime_ns: t }];
  const add = (e, durUs) => {
    es.push({ ...e, startTime_ns: t, ...(durUs === undefined ? {} : { dur_us: durUs }) });
    t += Math.round((durUs ?? 1) * 1000) + 2000;
  };
  for (let s = 0; es.length < limit; s++) {
    const markers = [`step ${s}`];
    const ag = 1024 * (1 + (s % 4));
    add(
      {
        comms: 'all_gather_base',
        in_msg_size: ag,
        out_msg_size: 2 * ag,
        dtype: 'bfloat16',
        pg_id: tpId,
        global_ranks: tp,
        world_size: 2,
        markers,
      },
      8 + ag / 512,
    );
    add({ compute: 'gemm', count: 1, mm_dim: [512, 512, 512], dtype: 'float' }, 120);
    add(
      {
        comms: 'all_reduce',
        in_msg_size: 4096,
        out_msg_size: 4096,
        dtype: 'float',
        pg_id: tpId,
        global_ranks: tp,
        world_size: 2,
        markers,
      },
      12,
    );
    const split = Array.from({ length: n }, (_, j) => 64 * (1 + ((r + j + s) % n))); // symmetric: r→j = j→r
    const total = split.reduce((a, b) => a + b, 0);
    add(
      {
        comms: 'all_to_allv',
        in_msg_size: total,
        out_msg_size: total,
        in_split: split,
        out_split: split,
        dtype: 'bfloat16',
        pg_id: 0,
        world_size: n,
        markers,
      },
      20 + total / 256,
    );
    if (pos % 2 === 0)
      add(
        {
          comms: 'isend',
          in_msg_size: 2048,
          dtype: 'float',
          dst_rank: dp[pos + 1],
          req: s,
          pg_id: dpId,
          global_ranks: dp,
          world_size: dp.length,
          markers,
        },
        9,
      );
    else
      add(
        {
          comms: 'irecv',
          out_msg_size: 2048,
          dtype: 'float',
          src_rank: dp[pos - 1],
          req: s,
          pg_id: dpId,
          global_ranks: dp,
          world_size: dp.length,
          markers,
        },
        9,
      );
    add({ comms: 'wait', req: s, markers });
    add(
      {
        comms: 'reduce_scatter_base',
        in_msg_size: 8192,
        out_msg_size: 8192 / dp.length,
        dtype: 'float',
        pg_id: dpId,
        global_ranks: dp,
        world_size: dp.length,
        markers,
      },
      30,
    );
    add(
      {
        comms: 'broadcast',
        in_msg_size: 256,
        out_msg_size: 256,
        dtype: 'long',
        root: dp[dp.length - 1],
        pg_id: dpId,
        world_size: dp.length,
        markers,
      },
      6,
    );
    add({ compute: 'emb_lookup', num_embeddings: 1000, embedding_dim: 64, dtype: 'float' });
    add({ comms: 'all_reduce', in_msg_size: 1, out_msg_size: 1, dtype: 'float', pg_id: 0, world_size: n, markers }, 4);
    add({ comms: 'barrier', pg_id: 0, world_size: n, markers }, 3);
  }
  return es.slice(0, limit);
}

/** Two ranks of torch.profiler events: NCCL kernels with the comms args, their CPU ops, compute kernels. */
function kinetoRank(r, steps) {
  const ev = [];
  let ts = 5000;
  const world = {
    'Global rank start': 0,
    'Global rank stride': 1,
    'Group size': 2,
    'Process Group Name': '0',
    'Process Group Description': 'default_pg',
  };
  const ranks = (truncated) => ({ 'Process Group Ranks': truncated ? '[0, ...]' : '[0, 1]' });
  const comm = (name, args, dur) => {
    const a = { 'Collective name': name, ...world, ...args, Rank: r };
    ev.push({ ph: 'X', cat: 'cpu_op', name: 'record_param_comms', pid: 1, tid: 1, ts: ts - 3, dur: 2, args: a });
    ev.push({
      ph: 'X',
      cat: 'kernel',
      name: `ncclDevKernel_${name}`,
      pid: 0,
      tid: 7,
      ts,
      dur,
      args: { ...a, stream: 7 },
    });
    ts += dur + 4;
  };
  const compute = (dur) => {
    ev.push({ ph: 'X', cat: 'kernel', name: 'sm90_xmma_gemm_bf16bf16', pid: 0, tid: 7, ts, dur, args: { stream: 7 } });
    ts += dur + 1;
  };
  for (let s = 0; s < steps; s++) {
    ev.push({ ph: 'X', cat: 'user_annotation', name: `ProfilerStep#${s}`, pid: 1, tid: 1, ts, dur: 1 });
    comm(
      '_allgather_base',
      {
        dtype: 'BFloat16',
        'In msg nelems': 1024,
        'Out msg nelems': 2048,
        'In split size': '[]',
        'Out split size': '[]',
        Seq: 8 * s,
        ...ranks(true),
      },
      11,
    );
    compute(50);
    compute(30);
    comm(
      'allreduce',
      {
        dtype: 'Float',
        'In msg nelems': 4096,
        'Out msg nelems': 4096,
        'In split size': '[]',
        'Out split size': '[]',
        Seq: 8 * s + 1,
        ...ranks(false),
      },
      14,
    );
    const a2a = [
      [100, 300],
      [200, 400],
    ]; // a2a[i][j]: elements rank i sends to rank j
    comm(
      'all_to_all',
      {
        dtype: 'Float',
        'In msg nelems': a2a[r][0] + a2a[r][1],
        'Out msg nelems': a2a[0][r] + a2a[1][r],
        'In split size': `[${a2a[r].join(', ')}]`,
        'Out split size': `[${a2a[0][r]}, ${a2a[1][r]}]`,
        Seq: 8 * s + 2,
        ...ranks(false),
      },
      25,
    );
    compute(40);
    comm(
      'reduce_scatter_tensor',
      { dtype: 'Float', 'In msg nelems': 8192, 'Out msg nelems': 4096, Seq: 8 * s + 3, ...ranks(true) },
      21,
    );
    comm('broadcast', { dtype: 'Long', 'In msg nelems': 64, 'Out msg nelems': 64, Seq: 8 * s + 4, ...ranks(false) }, 7);
    if (r === 0)
      comm(
        'send',
        {
          dtype: 'Float',
          'In msg nelems': 512,
          'Out msg nelems': 0,
          'Src Rank': 0,
          'Dst Rank': 1,
          Seq: s,
          ...ranks(false),
        },
        6,
      );
    else
      comm(
        'recv',
        {
          dtype: 'Float',
          'In msg nelems': 0,
          'Out msg nelems': 512,
          'Src Rank': 0,
          'Dst Rank': 1,
          Seq: s,
          ...ranks(false),
        },
        6,
      );
    compute(20);
  }
  return { schemaVersion: 1, distributedInfo: { backend: 'nccl', rank: r, world_size: 2 }, traceEvents: ev };
}

function deepspeed() {
  const rec = (bytes, count, avgMs) => ({
    count,
    total_latency_ms: +(count * avgMs).toFixed(3),
    avg_latency_ms: avgMs,
    tput_avg_gbps: 0,
    busbw_avg_gbps: 0,
    msg_size_bytes: bytes,
    msg_size_str: `${bytes} B`,
  });
  return {
    summary: {
      all_reduce: { 4: rec(4, 200, 0.031), 67108864: rec(67108864, 40, 1.92) },
      all_gather_into_tensor: { 2097152: rec(2097152, 120, 0.41) },
      'reduce_scatter_tensor | [Caller Func: reduce_gradients]': { 16777216: rec(16777216, 60, 0.88) },
      all_to_all_single: { 1048576: rec(1048576, 80, 0.35) },
      broadcast: { 1024: rec(1024, 10, 0.05) },
      barrier: { 0: rec(0, 5, 0.02) },
    },
    metadata: { world_size: 8, rank: 0, timestamp: '2026-12-01T17:00:00' },
  };
}

if (kind === 'param') {
  const n = opt('ranks', 4);
  if (n % 4) throw new Error('--ranks: a multiple of 4 (blocks of 2, data-parallel groups of an even size)');
  mkdirSync(out, { recursive: true });
  for (let r = 0; r < n; r++) write(join(out, `${r}.json`), paramRank(r, n, opt('entries', 300)));
} else if (kind === 'kineto') {
  mkdirSync(out, { recursive: true });
  for (const r of [0, 1]) write(join(out, `rank${r}.json`), kinetoRank(r, opt('steps', 15)));
} else if (kind === 'deepspeed') write(out, deepspeed());
else {
  process.stderr.write('usage: synth-trace.mjs param|kineto|deepspeed <out> [--ranks N] [--entries N] [--steps N]\n');
  process.exit(2);
}
