#!/bin/bash
set -euo pipefail
cd "$(dirname "$0")/../.."
T=test/cluster/cluster.sh; R=results/shaped-links; CB="$PWD/bin/ccbench.js"; NS="nsenter --net=/run/netns/ccbc-n2"
trap '$T unshape n2 >/dev/null 2>&1 || true' EXIT
port=29900
pair() { local json=$1; shift; port=$((port + 1)); local a=("$@" --backend gloo --quiet --timeout 60 --control-addr "n1:$port")
  CCBENCH_RANK=0 CCBENCH_SIZE=2 CCBENCH_JOB_SECRET=m $T run n1 node "$CB" "${a[@]}" --json "$json" --overwrite &
  CCBENCH_RANK=1 CCBENCH_SIZE=2 CCBENCH_JOB_SECRET=m $T run n2 node "$CB" "${a[@]}" >/dev/null; wait; }
W=/var/tmp/ccbench-cluster/work/shaped-links
$T shape n2 delay=200
for k in on off on off; do
  $NS sysctl -qw net.ipv4.tcp_autocorking=$([ $k = on ] && echo 1 || echo 0)
  pair $W/autocork-$k-$((port)).json latency --sizes 8 --iters 2000 --warmup 100
done
$T unshape n2
