# Shaped links for the namespace cluster, sourced by cluster.sh (which defines D, P, NET, log,
# live_pid, hosts):
#   shape <host> [delay=<µs>] [rate=<Mbit>]   unshape <host>   (status: shape_status <host>)
# This kernel has no netem, so:
# - rate: a token bucket (tbf) on both ends of the host's link, its eth0 (what it sends) and the
#   bridge's end of its veth pair (what it receives);
# - delay: iptables hands every packet the host sends or receives on eth0 within $NET.0/24 to an
#   NFQUEUE, and delayq (delayq.c, built here with cc) gives each back <delay> µs later. Each
#   direction is delayed, so a round trip to the host grows by 2 × delay and a one-way time (half a
#   round trip, ccbench latency) by delay. --queue-bypass: should delayq die, packets pass
#   undelayed rather than cutting the host off (shape_status says so).
# The state lives in $D/shape-<host>; cluster.sh stop ends delayq with every process of the host.

QUEUE=13 # NFQUEUE numbers are per network namespace
CHAIN=ccbc-shape

shape_file() { echo "$D/shape-$1"; }
in_host() { nsenter --net="/run/netns/$P-$1" "${@:2}"; }

# Builds delayq into $D when it is missing or older than its source.
build_delayq() {
  local src
  src=$(dirname "$0")/delayq.c
  [ -x "$D/delayq" ] && [ "$D/delayq" -nt "$src" ] && return 0
  [ -e /usr/include/libnetfilter_queue/libnetfilter_queue.h ] || {
    log "shape: delay=… needs libnetfilter-queue-dev (apt-get install libnetfilter-queue-dev)"
    exit 2
  }
  cc -O2 -Wall -o "$D/delayq.new" "$src" -lnetfilter_queue -lnfnetlink || { log "shape: could not build $src"; exit 1; }
  mv "$D/delayq.new" "$D/delayq"
}

check_host() {
  [ -e "/run/netns/$P-$1" ] || {
    log "no host '$1' in the cluster (hosts: $(hosts | paste -sd' ')); start it with: $0 start"
    exit 2
  }
}

do_shape() {
  local h=$1 delay= rate= a burst i
  shift
  check_host "$h"
  for a in "$@"; do
    case $a in
      delay=*) delay=${a#delay=} ;;
      rate=*) rate=${a#rate=} ;;
      *) log "shape: '$a' is not delay=<µs> or rate=<Mbit/s>"; exit 2 ;;
    esac
  done
  [ -z "$delay" ] || [[ $delay =~ ^[0-9]{1,6}$ && $delay -le 100000 ]] || { log "shape: delay=$delay: give whole µs, 0..100000"; exit 2; }
  [ -z "$rate" ] || [[ $rate =~ ^[0-9]{1,6}$ && $rate -ge 1 && $rate -le 100000 ]] || { log "shape: rate=$rate: give whole Mbit/s, 1..100000"; exit 2; }
  [ -n "$delay$rate" ] || { log "shape: give delay=<µs>, rate=<Mbit/s> or both"; exit 2; }
  [ -z "$delay" ] || command -v iptables >/dev/null || { log "shape: delay=… needs iptables (apt-get install iptables)"; exit 2; }
  do_unshape "$h" >/dev/null 2>&1 # a new shape replaces the old one
  trap 'do_unshape "$h" >/dev/null 2>&1' EXIT # half a shape is none
  if [ -n "$rate" ]; then
    # burst: ~250 µs of the rate, and at least 128 KiB: tbf cuts a GSO packet (up to 64 KiB and
    # headers) larger than its burst into MTU-sized ones, which delayq would then take one by one
    # (with a 64 KiB burst it fell behind by most of a millisecond in a bw run). latency: the queue
    # a TCP stream may build before tbf drops.
    burst=$((rate * 1000000 / 8 / 4000))
    [ $burst -ge 131072 ] || burst=131072
    in_host "$h" tc qdisc replace dev eth0 root tbf rate "${rate}mbit" burst "$burst" latency 20ms
    tc -n "$P-fabric" qdisc replace dev "v-$P-$h" root tbf rate "${rate}mbit" burst "$burst" latency 20ms
  fi
  if [ -n "$delay" ]; then
    build_delayq
    # TCP autocorking holds a small write back while an earlier packet of the socket is still on the
    # host, which delayq's are for <delay>, so a reply would wait longer than on a real link
    # (results/shaped-links/final: 8 B latency p50 413-417 µs with it, 308-315 µs without, at
    # delay=200). Off in this host's namespace while shaped; unshape restores it.
    in_host "$h" sysctl -n net.ipv4.tcp_autocorking >"$D/run/autocork-$h"
    in_host "$h" sysctl -qw net.ipv4.tcp_autocorking=0
    # delayq first, bound to its queue (it says so in its log, made afresh), then the rules.
    rm -f "$D/log/delayq-$h.log"
    nsenter --net="/run/netns/$P-$h" setsid "$D/delayq" "$QUEUE" "$delay" </dev/null >"$D/log/delayq-$h.log" 2>&1 &
    echo $! >"$D/run/delayq-$h.pid"
    started() { grep -q '^delayq: queue' "$D/log/delayq-$h.log" 2>/dev/null && live_pid "$D/run/delayq-$h.pid" delayq >/dev/null; }
    for ((i = 0; i < 50; i++)); do started && break; sleep 0.05; done
    started || { log "shape: delayq did not start on $h: $(tail -n 1 "$D/log/delayq-$h.log" 2>/dev/null)"; exit 1; }
    in_host "$h" iptables -N "$CHAIN"
    in_host "$h" iptables -A "$CHAIN" -j NFQUEUE --queue-num "$QUEUE" --queue-bypass
    in_host "$h" iptables -A OUTPUT -o eth0 -d "$NET.0/24" -j "$CHAIN"
    in_host "$h" iptables -A INPUT -i eth0 -s "$NET.0/24" -j "$CHAIN"
  fi
  echo "delay=${delay:-none} rate=${rate:-none}" >"$(shape_file "$h")"
  trap - EXIT
  log "shaped $h: ${delay:+$delay µs more each way}${delay:+${rate:+, }}${rate:+$rate Mbit/s each way}"
}

do_unshape() {
  local h=$1 p i
  check_host "$h"
  while in_host "$h" iptables -D OUTPUT -o eth0 -d "$NET.0/24" -j "$CHAIN" 2>/dev/null; do :; done
  while in_host "$h" iptables -D INPUT -i eth0 -s "$NET.0/24" -j "$CHAIN" 2>/dev/null; do :; done
  in_host "$h" iptables -F "$CHAIN" 2>/dev/null || true
  in_host "$h" iptables -X "$CHAIN" 2>/dev/null || true
  # delayq accepts the packets it holds when told to stop.
  for p in $(ip netns pids "$P-$h" 2>/dev/null); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = delayq ] || continue
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = delayq ] || break; sleep 0.05; done
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" != delayq ] || kill -KILL "$p" 2>/dev/null || true
  done
  [ -s "$D/run/autocork-$h" ] && in_host "$h" sysctl -qw "net.ipv4.tcp_autocorking=$(cat "$D/run/autocork-$h")"
  rm -f "$D/run/autocork-$h"
  in_host "$h" tc qdisc del dev eth0 root 2>/dev/null || true
  tc -n "$P-fabric" qdisc del dev "v-$P-$h" root 2>/dev/null || true
  rm -f "$(shape_file "$h")" "$D/run/delayq-$h.pid"
  log "unshaped $h"
}

# One line for a shaped host; fails when its delay daemon is gone.
shape_status() {
  local f p
  f=$(shape_file "$1")
  [ -f "$f" ] || return 0
  case $(cat "$f") in
    delay=none\ *) echo "shaped $1: $(cat "$f")" ;;
    *)
      if p=$(live_pid "$D/run/delayq-$1.pid" delayq); then echo "shaped $1: $(cat "$f") (delayq pid $p)"; else
        echo "shaped $1: $(cat "$f"), but its delayq is not running: packets pass undelayed ($0 unshape $1)"
        return 1
      fi
      ;;
  esac
}
