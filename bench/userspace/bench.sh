#!/usr/bin/env bash
# bench/userspace/bench.sh: wirelink-wg vs wireguard-go on the same veth topology, in one run,
# alternating the two implementations (and the raw veth as the ceiling) each repetition.
# Measures iperf3 TCP 1 stream, TCP 4 streams, UDP at an unlimited offered rate (received rate
# and loss), ping RTT, and daemon CPU seconds per GB carried (both daemons, TCP tests).
# Prints medians and `RATIO <figure> wirelink-wg/wireguard-go <x>` lines. Not run by CI.
#
# Usage: sudo bench/userspace/bench.sh        (about 3 minutes with the defaults)
# Knobs: REPS=3 DUR=5 UDP_LEN=1368 PING_COUNT=20 WLWG=build/bin/wirelink-wg WGGO=wireguard-go
set -u
here=$(cd "$(dirname "$0")" && pwd)
REPS=${REPS:-3}
DUR=${DUR:-5}
UDP_LEN=${UDP_LEN:-1368}
PING_COUNT=${PING_COUNT:-20}
WLWG=${WLWG:-$here/../../build/bin/wirelink-wg}
WGGO=${WGGO:-wireguard-go}
A=wlwg-ba; B=wlwg-bb; IA=wlwgba0; IB=wlwgbb0
SOCK=/var/run/wireguard
OUT=$(mktemp -d /tmp/wlwg-bench.XXXXXX)
RES=$OUT/results.tsv
PIDS=()

die() { echo "ERROR: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
for t in ip wg iperf3 ping python3 "$WGGO"; do command -v "$t" >/dev/null || die "missing $t"; done
[ -x "$WLWG" ] || die "build wirelink-wg first (cmake --preset release && cmake --build --preset release)"

stop_daemons() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -9 "$p" 2>/dev/null; done
  PIDS=()
  rm -f "$SOCK/$IA.sock" "$SOCK/$IB.sock"
}
cleanup() {
  stop_daemons
  if [ -n "${IPERF_PID:-}" ]; then kill "$IPERF_PID" 2>/dev/null; wait "$IPERF_PID" 2>/dev/null; fi
  for ns in $A $B; do
    for p in $(ip netns pids $ns 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    ip netns del $ns 2>/dev/null
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup

ip netns add $A; ip netns add $B
ip link add $A-v type veth peer name $B-v
ip link set $A-v netns $A; ip link set $B-v netns $B
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A addr add 10.211.0.1/24 dev $A-v; ip -n $A link set $A-v up
ip -n $B addr add 10.211.0.2/24 dev $B-v; ip -n $B link set $B-v up
(umask 077; wg genkey >"$OUT/a.key"; wg genkey >"$OUT/b.key")
wg pubkey <"$OUT/a.key" >"$OUT/a.pub"; wg pubkey <"$OUT/b.key" >"$OUT/b.pub"
ip netns exec $B iperf3 -s -p 5301 >/dev/null 2>&1 &
IPERF_PID=$!
sleep 0.5

start_pair() {  # start_pair BINARY
  local bin=$1
  ip netns exec $A env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error "$bin" -f $IA >"$OUT/a.log" 2>&1 &
  PIDS+=($!)
  ip netns exec $B env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error "$bin" -f $IB >"$OUT/b.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 50); do [ -S $SOCK/$IA.sock ] && [ -S $SOCK/$IB.sock ] && break; sleep 0.1; done
  ip netns exec $A wg set $IA private-key "$OUT/a.key" listen-port 51870 peer "$(cat "$OUT/b.pub")" \
    endpoint 10.211.0.2:51871 allowed-ips 10.212.0.2/32
  ip netns exec $B wg set $IB private-key "$OUT/b.key" listen-port 51871 peer "$(cat "$OUT/a.pub")" \
    endpoint 10.211.0.1:51870 allowed-ips 10.212.0.1/32
  ip -n $A addr add 10.212.0.1/24 dev $IA; ip -n $A link set $IA up
  ip -n $B addr add 10.212.0.2/24 dev $IB; ip -n $B link set $IB up
  for _ in $(seq 20); do ip netns exec $A ping -c 1 -W 1 -q 10.212.0.2 >/dev/null 2>&1 && return 0; done
  die "no tunnel with $bin"
}

ticks() { local t=0; for p in "${PIDS[@]}"; do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $t; }
HZ=$(getconf CLK_TCK)

run_iperf() {  # run_iperf IMPL TEST REP DST args...
  local impl=$1 test=$2 rep=$3 dst=$4; shift 4
  local j=$OUT/$impl-$test-$rep.json c0 c1 t0 t1
  c0=$(ticks); t0=$(date +%s.%N)
  timeout 60 ip netns exec $A iperf3 -J -c "$dst" -p 5301 -t "$DUR" "$@" >"$j" 2>/dev/null
  c1=$(ticks); t1=$(date +%s.%N)
  python3 - "$j" "$impl" "$test" "$rep" "$c0" "$c1" "$HZ" >>"$RES" <<'PY'
import json, sys
j, impl, test, rep, c0, c1, hz = sys.argv[1:]
cpu = (float(c1) - float(c0)) / float(hz)
try:
    e = json.load(open(j))["end"]
    if test == "udp":
        # Received rate: the server's view (iperf3 >= 3.11 reports it as sum_received).
        s = e.get("sum_received", e["sum"])
        mbps = s["bits_per_second"] / 1e6
        loss = s.get("lost_percent", 0.0)
        nbytes = s["bytes"]
    else:
        mbps = e["sum_received"]["bits_per_second"] / 1e6
        loss = e["sum_sent"].get("retransmits", 0)
        nbytes = e["sum_received"]["bytes"]
    print(f"{impl}\t{test}\t{rep}\t{mbps:.1f}\t{loss}\t{cpu:.2f}\t{nbytes}")
except Exception as ex:
    print(f"{impl}\t{test}\t{rep}\tnan\tERR\t{cpu:.2f}\t0")
PY
  sleep 0.3
}

run_ping() {  # run_ping IMPL REP DST
  local rtt
  rtt=$(timeout 30 ip netns exec $A ping -c "$PING_COUNT" -i 0.05 -q "$3" | sed -n 's/^rtt [^=]*= [^/]*\/\([^/]*\)\/.*/\1/p')
  printf '%s\tping\t%s\t%s\t0\t0\t0\n' "$1" "$2" "${rtt:-nan}" >>"$RES"
}

measure() {  # measure IMPL REP DST
  run_ping "$1" "$2" "$3"
  run_iperf "$1" tcp1 "$2" "$3"
  run_iperf "$1" tcp4 "$2" "$3" -P 4
  run_iperf "$1" udp "$2" "$3" -u -b 0 -l "$UDP_LEN"
}

: >"$RES"
T0=$(date +%s)
for rep in $(seq "$REPS"); do
  # Alternate which implementation goes first so drift on a shared machine evens out.
  if [ $((rep % 2)) = 1 ]; then order="wireguard-go wirelink-wg"; else order="wirelink-wg wireguard-go"; fi
  for impl in $order; do
    bin=$WGGO; [ "$impl" = wirelink-wg ] && bin=$WLWG
    start_pair "$bin"
    measure "$impl" "$rep" 10.212.0.2
    stop_daemons
  done
  measure raw "$rep" 10.211.0.2
  echo "rep $rep done after $(( $(date +%s) - T0 )) s" >&2
done

python3 - "$RES" "$DUR" "$UDP_LEN" "$PING_COUNT" "$($WGGO --version | head -1)" <<'PY'
import sys, math, statistics as st
res, dur, ulen, pc, wgv = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(res) if l.strip()]
def vals(impl, test, col):
    out = []
    for r in rows:
        if r[0] == impl and r[1] == test:
            try:
                v = float(r[col])
                if not math.isnan(v): out.append(v)
            except ValueError:
                pass
    return out
def med(impl, test, col):
    v = vals(impl, test, col)
    return st.median(v) if v else float("nan")
def cpu_per_gb(impl):
    # Both daemons' CPU seconds per GB received, per TCP run, then the median.
    per = []
    for r in rows:
        if r[0] == impl and r[1] in ("tcp1", "tcp4") and float(r[6]) > 0:
            per.append(float(r[5]) / (float(r[6]) / 1e9))
    return st.median(per) if per else float("nan")
print()
print(f"wirelink-wg vs {wgv}; {dur}s per iperf3 run; medians of each figure")
print("| figure | raw veth | wireguard-go | wirelink-wg |")
print("|---|---|---|---|")
for t, label in (("tcp1", "TCP 1 stream Mbit/s"), ("tcp4", "TCP 4 streams Mbit/s"), ("udp", f"UDP -b 0 -l {ulen} received Mbit/s")):
    print(f"| {label} | {med('raw', t, 3):.0f} | {med('wireguard-go', t, 3):.0f} | {med('wirelink-wg', t, 3):.0f} |")
print(f"| UDP loss % | {med('raw', 'udp', 4):.1f} | {med('wireguard-go', 'udp', 4):.1f} | {med('wirelink-wg', 'udp', 4):.1f} |")
print(f"| TCP 1 stream retransmits | {med('raw', 'tcp1', 4):.0f} | {med('wireguard-go', 'tcp1', 4):.0f} | {med('wirelink-wg', 'tcp1', 4):.0f} |")
print(f"| ping RTT avg ms ({pc} pings) | {med('raw', 'ping', 3):.3f} | {med('wireguard-go', 'ping', 3):.3f} | {med('wirelink-wg', 'ping', 3):.3f} |")
print(f"| daemon CPU s per GB (TCP) | - | {cpu_per_gb('wireguard-go'):.2f} | {cpu_per_gb('wirelink-wg'):.2f} |")
print()
def ratio(a, b): return a / b if b and not math.isnan(a) and not math.isnan(b) else float("nan")
for t in ("tcp1", "tcp4", "udp"):
    print(f"RATIO {t} wirelink-wg/wireguard-go {ratio(med('wirelink-wg', t, 3), med('wireguard-go', t, 3)):.2f}")
print(f"RATIO rtt wirelink-wg/wireguard-go {ratio(med('wirelink-wg', 'ping', 3), med('wireguard-go', 'ping', 3)):.2f}")
print(f"RATIO cpu_per_gb wirelink-wg/wireguard-go {ratio(cpu_per_gb('wirelink-wg'), cpu_per_gb('wireguard-go')):.2f}")
print(f"CEILING raw_veth tcp1 {med('raw', 'tcp1', 3):.0f} tcp4 {med('raw', 'tcp4', 3):.0f} udp {med('raw', 'udp', 3):.0f} Mbit/s")
PY
echo "raw results: $RES"
