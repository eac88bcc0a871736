#!/bin/bash
# Why reduce-scatter costs differ between processes (bench:reducescatter, README "Reduce-scatter and
# the allocator"): Open MPI takes a temporary per MPI_Reduce_scatter_block call, and whether its
# pages are fresh each call depends on the heap it comes from.
# Minor page faults per reduce-scatter call, per rank: perf stat (counting the launch and all its
# processes) of the same launch at 100 and 600 iterations; the difference / 500 / 2 ranks. Needs perf (linux-perf).
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader
faults() { perf stat -x, -e minor-faults "$@" 2>&1 >/dev/null | grep minor-faults | cut -d, -f1; }
echo "# minor page faults per call and rank: (faults at 600 iterations - at 100) / 500 / 2"
echo "# $(date -u +%FT%TZ) $(uname -r) $(mpirun --version | head -1) node $(node --version) commit $(git rev-parse --short HEAD) load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-10s %-15s %10s %10s %10s %10s\n" bytes op "C main" "C thread" ccbench "ccb arena8"
for op in reducescatter reducescatterv; do
for b in 262144 524288 1048576 2097152 4194304 8388608 16777216; do
  row=""
  for v in main thread ccb arena8; do
    a=""; z=""
    for it in 100 600; do
      case $v in
        main) n=$(PLAIN_MPI_THREAD=0 faults mpirun --quiet -np 2 build/bench/plain_mpi $op $b $it 10 1);;
        thread) n=$(PLAIN_MPI_THREAD=1 faults mpirun --quiet -np 2 build/bench/plain_mpi $op $b $it 10 1);;
        ccb) n=$(faults ./bin/ccbench.js $op -n 2 --backend mpi --quiet --sizes $b --iters $it --warmup 10 --max-time-per-size 0);;
        arena8) n=$(MALLOC_ARENA_MAX=8 faults ./bin/ccbench.js $op -n 2 --backend mpi --quiet --sizes $b --iters $it --warmup 10 --max-time-per-size 0);;
      esac
      if [ -z "$a" ]; then a=$n; else z=$n; fi
    done
    row="$row $(python3 -c "print('%10.1f' % (($z-$a)/500/2))")"
  done
  printf "%-10s %-15s%s\n" $b $op "$row"
done
done
