#!/bin/bash
# The shaped-links figures: unshaped, then n2 shaped (delay=200 rate=1000), ranks by hand (Gloo).
set -euo pipefail
cd "$(dirname "$0")/../.."
T=test/cluster/cluster.sh; R=results/shaped-links/${1:?usage: $0 <directory under results/shaped-links>}; mkdir -p "$R"; CB="$PWD/bin/ccbench.js"
trap '$T unshape n2 >/dev/null 2>&1 || true' EXIT
port=29800
pair() { # pair <json> <args...>
  local json=$1; shift; port=$((port + 1))
  local a=("$@" --backend gloo --quiet --timeout 60 --control-addr "n1:$port")
  CCBENCH_RANK=0 CCBENCH_SIZE=2 CCBENCH_JOB_SECRET=m $T run n1 node "$CB" "${a[@]}" --json "$json" --overwrite &
  CCBENCH_RANK=1 CCBENCH_SIZE=2 CCBENCH_JOB_SECRET=m $T run n2 node "$CB" "${a[@]}" >/dev/null
  wait
}
LAT=(latency --sizes 8:32K:8 --iters 2000 --warmup 100)
BW=(bw --sizes 64K:4M:4 --iters 6 --warmup 2)
W=/var/tmp/ccbench-cluster/work/shaped-links; rm -rf $W; mkdir -p $W
read -r -a cpu0 < /proc/stat # the machine's idle share over the whole run, for shaping.txt
node --input-type=module -e "import {machine} from './dist/bench/machine.js'; console.log(JSON.stringify({...machine(), note: 'the machine of results/shaped-links (namespace cluster: n1 and n2 on one VM)'}, null, 1))" > $R/machine.json
pair $W/latency-unshaped.json "${LAT[@]}"; pair $W/bw-unshaped.json "${BW[@]}"
: > $R/shaping.txt
for run in latency bw; do
  $T shape n2 delay=200 rate=1000
  { echo "== while $run ran:"; $T status | grep shaped; nsenter --net=/run/netns/ccbc-n2 tc qdisc show dev eth0; tc -n ccbc-fabric qdisc show dev v-ccbc-n2; nsenter --net=/run/netns/ccbc-n2 iptables -S | grep ccbc; } >> $R/shaping.txt
  if [ $run = latency ]; then pair $W/latency-shaped.json "${LAT[@]}"; else pair $W/bw-shaped.json "${BW[@]}"; fi
  { nsenter --net=/run/netns/ccbc-n2 tc -s qdisc show dev eth0; tc -s -n ccbc-fabric qdisc show dev v-ccbc-n2; } >> $R/shaping.txt
  $T unshape n2
  tail -n 1 /var/tmp/ccbench-cluster/log/delayq-n2.log >> $R/shaping.txt
done
pair $W/latency-unshaped-after.json "${LAT[@]}"
cp $W/*.json $R/
read -r -a cpu1 < /proc/stat
t=0; for i in 1 2 3 4 5 6 7 8; do t=$((t + cpu1[i] - cpu0[i])); done
{ uptime; echo "CPU idle over the run: $((100 * (cpu1[4] - cpu0[4]) / t))% (both cores)"; } >> $R/shaping.txt
