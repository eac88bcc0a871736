#!/usr/bin/env bash
# A multi-host cluster inside one Linux machine, for ccbench's cross-host tests and CI.
#   cluster.sh start|stop|status|env          hosts: $CCBENCH_CLUSTER_HOSTS (3..5, default 3)
#   cluster.sh run <host> <command...>        run a command on a host (ctl, n1, n2, ...)
#   cluster.sh shape <host> [delay=<µs>] [rate=<Mbit>] | unshape <host>   a slower link (shape.sh)
# Each host is a network namespace (ccbc-<host>) with its own hostname (UTS namespace) and its own
# /tmp (a mount namespace with a bind mount: pmix needs one per host), joined by a veth pair to a
# bridge that lives in a namespace of its own (ccbc-fabric); addresses are 198.18.0.10+i/24 (the
# benchmarking range) and the root namespace gets no address and no route, so nothing leaves.
# Hosts share one /etc/hosts and the rest of the file system. ctl runs slurmctld, n1.. a slurmd
# each with 2 fake GPUs (gres on character devices); munged has its own socket, so the one-node
# cluster of test/slurm/cluster.sh can run beside this one. Recipe: shared/reference/
# workloads-models.md §5.2-5.3. Only `export` lines go to stdout; needs root, no systemd.
set -euo pipefail

usage() { echo "usage: $0 start|stop|status|env | run <host> <command...> | shape <host> [delay=<µs>] [rate=<Mbit>] | unshape <host>" >&2; exit 2; }
[ $# -ge 1 ] || usage
cmd=$1
shift
# Not under /tmp: every host has its own /tmp, and they must all see the cluster's files.
D=/var/tmp/ccbench-cluster
P=ccbc # namespace prefix
NET=198.18.0
WAIT_S=${CCBENCH_CLUSTER_WAIT_S:-30}
REPO=$(realpath "$(dirname "$0")/../..")

log() { echo "cluster.sh: $*" >&2; }

host_count() {
  local n=${CCBENCH_CLUSTER_HOSTS:-3}
  [[ $n =~ ^[3-5]$ ]] || { log "CCBENCH_CLUSTER_HOSTS must be 3, 4 or 5 (a controller and 2-4 compute hosts), not '$n'"; exit 2; }
  echo "$n"
}
# The hosts of the running cluster (its hosts file), or of the one to start.
hosts() {
  if [ -s "$D/host-list" ]; then cat "$D/host-list"; return; fi
  local n i
  n=$(host_count)
  echo ctl
  for ((i = 1; i < n; i++)); do echo "n$i"; done
}
computes() { hosts | grep -v '^ctl$'; }
ip_of() { local i=0 h; for h in $(hosts); do [ "$h" = "$1" ] && { echo "$NET.$((10 + i))"; return; }; i=$((i + 1)); done; return 1; }

print_env() { printf 'export CCBENCH_CLUSTER_DIR=%q\n' "$D"; }

# Pid in $1 if that process is alive, not a zombie, and named $2 (guards against pid reuse).
live_pid() {
  local p st
  [ -s "$1" ] || return 1
  read -r p <"$1" || true
  [[ ${p:-} =~ ^[0-9]+$ ]] || return 1
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] || return 1
  st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || return 1
  [ "$st" != Z ] || return 1
  echo "$p"
}

on() { "$D/onhost" "$@"; }
node_states() { timeout 5 "$D/onhost" ctl sinfo -h -N -o '%N %t' 2>/dev/null | sort -u || true; }
all_idle() {
  local s want
  s=$(node_states)
  want=$(computes | sed 's/$/ idle/')
  [ -n "$s" ] && [ "$s" = "$(sort -u <<<"$want")" ]
}
munge_ok() { timeout 5 munge -S "$D/munge-socket/socket" -n 2>/dev/null | timeout 5 unmunge -S "$D/munge-socket/socket" >/dev/null 2>&1; }
all_up() {
  local h
  [ -x "$D/onhost" ] && live_pid "$D/munge/munged.pid" munged >/dev/null || return 1
  live_pid "$D/run/slurmctld.pid" slurmctld >/dev/null || return 1
  for h in $(computes); do live_pid "$D/run/slurmd-$h.pid" slurmd >/dev/null || return 1; done
  all_idle
}

fail() {
  log "FAILED: $*"
  local f
  for f in "$D"/log/*.log "$D/munge/munged.log"; do
    [ -f "$f" ] && { echo "---- tail $f" >&2; tail -n 20 "$f" >&2; }
  done
  exit 1
}

# Every process in namespace $1, SIGTERM then SIGKILL (bounded), then the namespace itself.
drop_ns() {
  local ns=$1 i pids
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [ -n "$pids" ]; then
      log "$ns: $(wc -w <<<"$pids") process(es) ignored SIGTERM for 5 s; sending SIGKILL"
      kill -KILL $pids 2>/dev/null || true
      for ((i = 0; i < 30; i++)); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
    fi
  fi
  ip netns del "$ns" 2>/dev/null || true
}

do_stop() {
  local ns p rc=0
  # Hosts first (every process on them: daemons, steps, ranks), the fabric last.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-" | grep -v "^$P-fabric$" || true); do drop_ns "$ns"; done
  drop_ns "$P-fabric"
  if p=$(live_pid "$D/munge/munged.pid" munged); then
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do live_pid "$D/munge/munged.pid" munged >/dev/null || break; sleep 0.1; done
    live_pid "$D/munge/munged.pid" munged >/dev/null && kill -KILL "$p" 2>/dev/null
  fi
  if ip netns list 2>/dev/null | grep -q "^$P-"; then log "namespaces left: $(ip netns list | grep "^$P-" | paste -sd' ')"; rc=1; fi
  # Only a directory this script made (its marker inside) is removed.
  [ -f "$D/.ccbench-cluster" ] && rm -rf "$D"
  [ $rc -eq 0 ] && log "stopped; no namespace, process or file of the cluster is left"
  return $rc
}

write_files() {
  local h i ip nodes
  mkdir -p "$D"/{state,run,log,dev,munge,munge-socket,bin,work}
  touch "$D/.ccbench-cluster"
  hosts >"$D/host-list.new"
  mv "$D/host-list.new" "$D/host-list"
  echo "127.0.0.1 localhost" >"$D/hosts"
  for h in $(hosts); do
    echo "$(ip_of "$h") $h" >>"$D/hosts"
    mkdir -p "$D/tmp-$h" "$D/spool/$h"
    chmod 1777 "$D/tmp-$h"
  done
  chmod 1777 "$D/work"
  # A checkout under /tmp (a clone made for a CI check) stays visible on the hosts, whose /tmp is
  # their own: it is bound into the host's /tmp at the same path, inside the host's private mount
  # namespace only (unshare makes its mounts private), so nothing is mounted in the root namespace.
  keep_repo=
  case "$REPO" in
  /tmp/*) keep_repo="mkdir -p $D/tmp-\$0${REPO#/tmp} && mount --bind $REPO $D/tmp-\$0${REPO#/tmp} &&" ;;
  esac
  # Run on a host: its netns, a new UTS and mount namespace (nsenter, not `ip netns exec`, which
  # remounts /sys and takes slurmd's cgroups away), the shared /etc/hosts and its own /tmp.
  cat >"$D/onhost" <<EOF
#!/bin/sh
# onhost <host> <command...>: generated by ccbench test/cluster/cluster.sh
[ \$# -ge 2 ] || { echo "usage: \$0 <host> <command...>" >&2; exit 2; }
h=\$1; shift
[ -e /run/netns/$P-\$h ] || { echo "onhost: no host '\$h' in the cluster (hosts: \$(paste -sd' ' $D/host-list))" >&2; exit 2; }
export SLURM_CONF=$D/slurm.conf PATH=$D/bin:\$PATH
exec nsenter --net=/run/netns/$P-\$h unshare --uts --mount sh -c 'mount --bind $D/hosts /etc/hosts && $keep_repo mount --rbind $D/tmp-\$0 /tmp && hostname \$0 && exec "\$@"' "\$h" "\$@"
EOF
  # Open MPI's rsh agent (plm_rsh_agent): "nsrsh <host> <command line>" as ssh would run it.
  printf '#!/bin/sh\nh=$1; shift\nexec %s/onhost "$h" /bin/sh -c "$*"\n' "$D" >"$D/nsrsh"
  chmod +x "$D/onhost" "$D/nsrsh"
  ln -sf "$REPO/bin/ccbench.js" "$D/bin/ccbench"
  for i in 0 1; do [ -c "$D/dev/nvidia$i" ] || mknod "$D/dev/nvidia$i" c 1 3; done # fake GPUs (gres needs char devices)
  nodes="n[1-$(($(hosts | wc -l) - 1))]"
  cat >"$D/slurm.conf" <<EOF
# Generated by ccbench test/cluster/cluster.sh
ClusterName=ccbcluster
SlurmctldHost=ctl($(ip_of ctl))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge-socket/socket
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool/%n
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd-%n.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
MailProg=/bin/true
GresTypes=gpu
SlurmdParameters=config_overrides
EOF
  for h in $(computes); do
    echo "NodeName=$h NodeAddr=$(ip_of "$h") CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=2000 Gres=gpu:2 State=UNKNOWN" >>"$D/slurm.conf"
  done
  echo "PartitionName=debug Nodes=$nodes Default=YES MaxTime=INFINITE State=UP" >>"$D/slurm.conf"
  echo "NodeName=$nodes Name=gpu File=$D/dev/nvidia[0-1]" >"$D/gres.conf"
}

make_net() {
  local h
  ip netns add "$P-fabric"
  ip -n "$P-fabric" link add br0 type bridge
  ip -n "$P-fabric" link set br0 up
  for h in $(hosts); do
    ip netns add "$P-$h"
    ip link add "v-$P-$h" type veth peer name eth0 netns "$P-$h"
    ip link set "v-$P-$h" netns "$P-fabric"
    ip -n "$P-fabric" link set "v-$P-$h" master br0 up
    ip -n "$P-$h" addr add "$(ip_of "$h")/24" dev eth0
    ip -n "$P-$h" link set eth0 up
    ip -n "$P-$h" link set lo up
  done
}

start_munged() {
  chown munge:munge "$D/munge"
  chmod 0700 "$D/munge"
  chown munge:munge "$D/munge-socket"
  chmod 0755 "$D/munge-socket" # munged wants its socket's directory open to all
  runuser -u munge -- munged --socket="$D/munge-socket/socket" --pid-file="$D/munge/munged.pid" \
    --log-file="$D/munge/munged.log" --seed-file="$D/munge/seed" || fail "munged did not start"
  local i
  for ((i = 0; i < 50; i++)); do munge_ok && return 0; sleep 0.1; done
  fail "munge -n | unmunge does not succeed on $D/munge-socket/socket after 5 s"
}

do_start() {
  local t0=$SECONDS h n
  [ "$(id -u)" -eq 0 ] || { log "needs root (network namespaces, mounts, daemons)"; exit 2; }
  n=$(host_count) || exit 2 # before anything is touched
  if all_up && [ "$(hosts | wc -l)" = "$n" ]; then
    log "cluster in $D is already up and idle ($(hosts | paste -sd' '))"
    print_env
    return 0
  fi
  if [ -e "$D" ] || ip netns list 2>/dev/null | grep -q "^$P-"; then
    log "a cluster from $D is half up, not idle or of another size: stopping it first"
    do_stop || fail "could not stop the stale cluster"
  fi
  rm -f "$D/host-list"
  write_files
  make_net
  start_munged
  # -c: clean state, so no job of a killed earlier run is restored.
  on ctl slurmctld -c -f "$D/slurm.conf" || fail "slurmctld did not start"
  for h in $(computes); do on "$h" slurmd -f "$D/slurm.conf" || fail "slurmd on $h did not start"; done
  while ((SECONDS - t0 <= WAIT_S)) && ! all_idle; do sleep 0.2; done
  all_idle || fail "nodes not idle after $WAIT_S s (sinfo: '$(node_states | paste -sd, -)')"
  log "cluster up in $D: $(for h in $(hosts); do printf '%s=%s ' "$h" "$(ip_of "$h")"; done)(slurmctld on ctl, slurmd with 2 fake GPUs on each n*) in $((SECONDS - t0)) s"
  print_env
}

do_status() {
  local rc=0 h p
  if p=$(live_pid "$D/munge/munged.pid" munged); then echo "munged: running (pid $p)"; else echo "munged: not running"; rc=1; fi
  if p=$(live_pid "$D/run/slurmctld.pid" slurmctld); then echo "slurmctld on ctl: running (pid $p)"; else echo "slurmctld: not running"; rc=1; fi
  for h in $(computes); do
    if p=$(live_pid "$D/run/slurmd-$h.pid" slurmd); then echo "slurmd on $h: running (pid $p)"; else echo "slurmd on $h: not running"; rc=1; fi
  done
  [ -x "$D/onhost" ] && echo "sinfo: $(node_states | paste -sd, -)"
  all_idle || rc=1
  # The root namespace must have no address in, and no route into, the cluster's network.
  if ip -4 addr show | grep -q "inet $NET\\."; then echo "root namespace has an address in $NET.0/24"; rc=1; fi
  if ip -4 route show | grep -q "^$NET\\."; then echo "root namespace has a route into $NET.0/24"; rc=1; fi
  for h in $(hosts); do shape_status "$h" || rc=1; done
  return $rc
}

# shape, unshape, shape_status: tc and a delay daemon on one host's link.
. "$(dirname "$0")/shape.sh"

case $cmd in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  env) print_env ;;
  run)
    [ $# -ge 2 ] || usage
    [ -x "$D/onhost" ] || { log "the cluster is not started (test/cluster/cluster.sh start)"; exit 2; }
    exec "$D/onhost" "$@"
    ;;
  shape)
    [ $# -ge 1 ] || usage
    do_shape "$@"
    ;;
  unshape)
    [ $# -eq 1 ] || usage
    do_unshape "$1"
    ;;
  *) usage ;;
esac
