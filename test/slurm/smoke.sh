#!/usr/bin/env bash
# Self-check of the one-node Slurm fixture: (re)starts it, proves srun / srun+PMIx MPI / sbatch work,
# reports the environment a job step and a batch script see, then stops it. Exit 0 iff all checks pass.
#   smoke.sh [DIR]      DIR as for cluster.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cluster=$here/cluster.sh
dir=${1:-${CCBENCH_SLURM_DIR:-/tmp/ccbench-slurm}}
T=60                 # seconds any single step may take
host=$(hostname -s)
tmp=$(mktemp -d /tmp/ccbench-slurm-smoke.XXXXXX)
fails=0

pass() { echo "PASS  $*"; }
bad() { echo "FAIL  $*"; fails=$((fails + 1)); }
now_ms() { date +%s%3N; }
# Value of VAR in a showenv.sh line ("<unset>" if unset), e.g. field "$line" SLURM_PROCID.
field() { grep -o " $2=[^ ]*" <<<"$1" | head -n1 | cut -d= -f2-; }

cleanup() {
  local rc=$?
  "$cluster" stop "$dir" >/dev/null 2>&1 || true
  if [ "$rc" -eq 0 ] && [ "$fails" -eq 0 ]; then rm -rf "$tmp"; else echo "kept $tmp for debugging" >&2; fi
}
trap cleanup EXIT

# ---- start: from stopped (cold start time), again (idempotent), status
"$cluster" stop "$dir" >/dev/null
t0=$(now_ms)
envline=$("$cluster" start "$dir") || { bad "cluster.sh start failed"; exit 1; }
eval "$envline"   # not eval "$(...)": that would hide a failed start
start_ms=$(($(now_ms) - t0))
[ "$SLURM_CONF" = "$(realpath -m "$dir")/slurm.conf" ] && pass "start ($start_ms ms), SLURM_CONF=$SLURM_CONF" || bad "start: SLURM_CONF=$SLURM_CONF"
again=$("$cluster" start "$dir" 2>&1) && grep -q 'already up and idle' <<<"$again" && pass "second start: already up" || bad "second start: $again"
"$cluster" status "$dir" >/dev/null && pass "status: all up and idle" || bad "status: $("$cluster" status "$dir")"

# ---- helpers run by the jobs
cat >"$tmp/hello.c" <<'EOF'
#include <mpi.h>
#include <stdio.h>
int main(int argc, char **argv) {
  int rank, size;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  printf("rank %d size %d\n", rank, size);
  MPI_Finalize();
  return 0;
}
EOF
mpicc -o "$tmp/hello" "$tmp/hello.c"
cat >"$tmp/showenv.sh" <<'EOF'
#!/bin/bash
line="[$1]"
for v in SLURM_JOB_ID SLURM_STEP_ID SLURM_PROCID SLURM_LOCALID SLURM_NTASKS SLURM_STEP_NUM_TASKS \
         SLURM_STEP_TASKS_PER_NODE SLURM_NODEID SLURM_STEP_NODELIST SLURM_JOB_NODELIST SLURM_MPI_TYPE PMIX_RANK; do
  if [ -n "${!v+x}" ]; then line+=" $v=${!v}"; else line+=" $v=<unset>"; fi
done
echo "$line"   # one write per task, so lines of two tasks do not interleave
EOF
chmod +x "$tmp/showenv.sh"
want_ranks=$'rank 0 size 2\nrank 1 size 2'

# ---- srun -n 2 hostname (and its latency, best of 5)
out=$(timeout $T srun -n 2 hostname 2>"$tmp/err") || true
[ "$out" = "$(hostname)"$'\n'"$(hostname)" ] && pass "srun -n 2 hostname" || bad "srun -n 2 hostname: '$out' $(cat "$tmp/err")"
best=999999
for _ in 1 2 3 4 5; do
  t0=$(now_ms); timeout $T srun -n 2 true || true; d=$(($(now_ms) - t0))
  if [ $d -lt $best ]; then best=$d; fi
done
echo "info  srun -n 2 true: best of 5 = $best ms"

# ---- MPI under srun with PMIx
out=$(timeout $T srun -n 2 --mpi=pmix "$tmp/hello" 2>"$tmp/err" | sort) || true
[ "$out" = "$want_ranks" ] && pass "srun -n 2 --mpi=pmix hello: sizes 2" || bad "srun --mpi=pmix hello: '$out' $(cat "$tmp/err")"

# ---- 3 and 4 tasks fit (CPUs=4 via config_overrides), 5 with --overcommit
for n in 3 4; do
  c=$(timeout $T srun -n $n --immediate=10 hostname 2>"$tmp/err" | wc -l) || true
  [ "$c" -eq $n ] && pass "srun -n $n ($c tasks)" || bad "srun -n $n: $c tasks; $(cat "$tmp/err")"
done
c=$(timeout $T srun -n 5 --overcommit hostname 2>"$tmp/err" | wc -l) || true
[ "$c" -eq 5 ] && pass "srun -n 5 --overcommit ($c tasks)" || bad "srun -n 5 --overcommit: $c tasks; $(cat "$tmp/err")"

# ---- environment of a job step: default MPI (MpiDefault=pmix), --mpi=pmix, --mpi=none
for mode in default pmix none; do
  args=(); [ $mode = default ] || args=(--mpi=$mode)
  out=$(timeout $T srun -n 2 "${args[@]}" "$tmp/showenv.sh" "step:$mode" 2>"$tmp/err" | sort) || true
  echo "$out" | sed 's/^/info  /'
  l0=$(grep 'SLURM_PROCID=0 ' <<<"$out" || true); l1=$(grep 'SLURM_PROCID=1 ' <<<"$out" || true)
  ok=1
  [ -n "$l0" ] && [ -n "$l1" ] || ok=0
  for l in "$l0" "$l1"; do
    [ "$(field "$l" SLURM_STEP_ID)" = 0 ] && [ "$(field "$l" SLURM_STEP_NUM_TASKS)" = 2 ] \
      && [ "$(field "$l" SLURM_NTASKS)" = 2 ] && [ "$(field "$l" SLURM_STEP_NODELIST)" = "$host" ] || ok=0
  done
  if [ $mode = none ]; then [ "$(field "$l0" PMIX_RANK)" = "<unset>" ] || ok=0
  else [ "$(field "$l0" PMIX_RANK)" = 0 ] && [ "$(field "$l1" PMIX_RANK)" = 1 ] || ok=0; fi
  [ $ok = 1 ] && pass "step env ($mode)" || bad "step env ($mode): $out $(cat "$tmp/err")"
done
out=$(timeout $T srun -n 1 bash -c 'scontrol show hostnames "$SLURM_STEP_NODELIST"' 2>"$tmp/err") || true
echo "info  scontrol show hostnames \$SLURM_STEP_NODELIST in a step: '$out'"
[ "$out" = "$host" ] && pass "scontrol show hostnames in a step" || bad "scontrol show hostnames: '$out' $(cat "$tmp/err")"

# ---- sbatch: batch script env (outside any srun), then MPI and env in srun steps of the job
cat >"$tmp/job.sh" <<EOF
#!/bin/bash
#SBATCH --job-name=smoke
#SBATCH --ntasks=2
#SBATCH --output=$tmp/%x-%j.out
"$tmp/showenv.sh" batch
srun --mpi=pmix "$tmp/showenv.sh" batch-step | sort
srun --mpi=pmix "$tmp/hello" | sort
EOF
t0=$(now_ms)
id=$(cd "$tmp" && timeout $T sbatch --parsable job.sh) || id=""
if [[ $id =~ ^[0-9]+$ ]]; then
  gone=0
  for ((i = 0; i < 600; i++)); do   # 600 x 0.1 s
    q=$(timeout 10 squeue -h -j "$id" 2>/dev/null) || q=""   # an error (job purged) also means gone
    [ -z "$q" ] && { gone=1; break; }
    sleep 0.1
  done
  turn_ms=$(($(now_ms) - t0))
  [ $gone = 1 ] && pass "sbatch job $id left the queue after $turn_ms ms" || bad "sbatch job $id still queued: $q"
  # accounting_storage/none: no sacct; scontrol still knows the job for MinJobAge (300 s).
  js=$(timeout 10 scontrol show job "$id" 2>/dev/null | grep -o 'JobState=[A-Z]*\|ExitCode=[0-9:]*' | paste -sd' ' -) || js=""
  if [ -n "$js" ]; then
    [ "$js" = "JobState=COMPLETED ExitCode=0:0" ] && pass "scontrol show job: $js" || bad "scontrol show job $id: $js"
  else echo "info  scontrol no longer knows job $id; relying on the output file"; fi
  f=$tmp/smoke-$id.out
  if [ -f "$f" ]; then
    sed 's/^/info  /' "$f"
    grep -q '^rank 0 size 2$' "$f" && grep -q '^rank 1 size 2$' "$f" && pass "batch output: MPI sizes 2" || bad "batch output lacks ranks"
    b=$(grep '^\[batch\]' "$f" || true)
    # What tells a batch script apart from a job step: no SLURM_STEP_* variables (while
    # SLURM_PROCID=0, SLURM_NTASKS=2 and SLURM_NODEID=0 ARE set in the batch script).
    [ -n "$b" ] && [ "$(field "$b" SLURM_STEP_ID)" = "<unset>" ] && [ "$(field "$b" SLURM_STEP_NUM_TASKS)" = "<unset>" ] \
      && [ "$(field "$b" SLURM_STEP_NODELIST)" = "<unset>" ] && [ "$(field "$b" PMIX_RANK)" = "<unset>" ] \
      && [ "$(field "$b" SLURM_JOB_ID)" = "$id" ] && pass "batch env: SLURM_JOB_ID set, no SLURM_STEP_*/PMIX_RANK" \
      || bad "batch env: '$b'"
    [ "$(grep -c '^\[batch-step\].* SLURM_STEP_ID=0 ' "$f")" = 2 ] && pass "batch srun step env" || bad "batch srun step env"
  else bad "no output file $f"; fi
else bad "sbatch --parsable printed '$id'"; fi

# ---- stop, and check it is down
"$cluster" stop "$dir" && ! "$cluster" status "$dir" >/dev/null 2>&1 && pass "stop" || bad "stop: $("$cluster" status "$dir" 2>&1)"

echo "timings: start ${start_ms} ms, srun -n 2 ${best} ms, sbatch turnaround ${turn_ms:-?} ms"
[ "$fails" -eq 0 ] && echo "smoke: all checks passed" || echo "smoke: $fails check(s) FAILED"
[ "$fails" -eq 0 ]
