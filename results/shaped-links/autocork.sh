#!/bin/bash
# n2 shaped with delay=200 only; 8 B latency with TCP autocorking back on (1) in n2, then off (0), twice
# (why cluster.sh shape turns it off). Ranks by hand on n1 and n2, Gloo; files into results/shaped-links.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=test/cluster/cluster.sh; R=results/shaped-links/${1:?usage: $0 <directory under results/shaped-links>}; mkdir -p "$R"; CB="$PWD/bin/ccbench.js"; NS="nsenter --net=/run/netns/ccbc-n2"
trap '$T unshape n2 >/dev/null 2>&1 || true' EXIT
port=29900
pair() { local json=$1; shift; port=$((port + 1)); local a=("$@" --backend gloo --quiet --timeout 60 --control-addr "n1:$port")
  CCBENCH_RANK=0 CCBENCH_SIZE=2 CCBENCH_JOB_SECRET=m $T run n1 node "$CB" "${a[@]}" --json "$json" --overwrite &
  CCBENCH_RANK=1 CCBENCH_SIZE=2 CCBENCH_JOB_SECRET=m $T run n2 node "$CB" "${a[@]}" >/dev/null; wait; }
W=/var/tmp/ccbench-cluster/work/shaped-links; mkdir -p $W
$T shape n2 delay=200
for run in on-1 off-1 on-2 off-2; do
  $NS sysctl -qw net.ipv4.tcp_autocorking=$([ "${run%-*}" = on ] && echo 1 || echo 0)
  pair $W/autocork-$run.json latency --sizes 8 --iters 2000 --warmup 100
  cp $W/autocork-$run.json $R/latency-shaped-autocork-$run.json
done
$T unshape n2
