#!/bin/bash
# Resident memory and CPU of one wirelink agent managing N simulated peers on a wireguard-go
# device, idle for a minute. Not run by CI. Usage (root):
#   WL_BIN=build/bin bench/agent/agent_idle.sh [seconds] [peer counts...]
# Prints one line per size: AGENT peers=<n> rss_kib=<x> cpu_pct=<y> anon_kib=<a> file_kib=<f>
# (and the same for the wireguard-go daemon, for scale: WGGO peers=<n> ...).
# WL_BENCH_COORDINATOR=1 runs the agent with a coordinator session configured (CoordinatorURL
# pointing at a loopback port nobody serves, so it stays "unreachable" and retries): the figure
# then includes the coordinator module and libcurl, which an agent without a coordinator never maps.
# Before each AGENT line it prints the resident KiB per mapping (from /proc/PID/smaps: file,
# total resident, and the part of it that is anonymous, i.e. the process's own copy-on-write or
# heap pages) so the reader sees what costs what; WL_SMAPS=0 leaves that out. A FLOOR line gives
# the same figures for `sleep`, which maps only libc: on kernels that map whole large page-cache
# folios at a fault, a library's text is resident almost entirely however little of it runs.
# Peers get endpoints in 198.18.0.0/15 (benchmark space, routed nowhere), so the agent treats
# them as unhealthy: it cycles their endpoints, pings them every 30 s and re-reads the device
# every 5 s, which is its steady-state work.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 1; }
WL_BIN=${WL_BIN:-build/bin}
WIRELINK=$(realpath "$WL_BIN/wirelink")
SECS=${1:-60}
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100 1000)
NS=wlag-bench
WORK=$(mktemp -d /tmp/wlag-bench.XXXXXX)
AG=; WG=
cleanup() { [ -n "$AG" ] && kill "$AG" 2>/dev/null; [ -n "$WG" ] && kill "$WG" 2>/dev/null; ip netns del $NS 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# Where the resident memory is, per mapped file, largest first: "MAP rss_kib anon_kib name".
rss_by_file() {
  awk '/^[0-9a-f]+-[0-9a-f]+ / { n = ($6 == "") ? "[anon]" : $6 }
       /^Rss:/ { r[n] += $2 } /^Anonymous:/ { a[n] += $2 }
       END { for (n in r) if (r[n] > 0) printf "  MAP %6d %6d %s\n", r[n], a[n], n }' \
    "/proc/$1/smaps" | sort -k2,2 -rn
}
file_kib() { awk '/^RssFile:/ { print $2 }' "/proc/$1/status"; }
# The floor this kernel charges any dynamically linked process for mapping libc at all.
print_floor() {
  sleep 30 & local s=$!
  sleep 0.5
  echo "FLOOR sleep rss_kib=$(rss_kib $s) file_kib=$(file_kib $s) anon_kib=$(anon_kib $s)"
  kill $s; wait $s 2>/dev/null || true
}
# A coordinator public key (PASERK k4.public) for the coordinator variant.
wirelink_coordinator_key() {
  local c; c=$(realpath "$WL_BIN/wirelink-coordinator")
  "$c" keygen --db "$WORK/coord.db" >/dev/null 2>&1 && "$c" pubkey --db "$WORK/coord.db" | head -1
}
anon_kib() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status"; }

print_floor
for n in "${SIZES[@]}"; do
  ip netns del $NS 2>/dev/null || true
  ip netns add $NS; ip -n $NS link set lo up
  rm -f /var/run/wireguard/wlagbnc0.sock
  ip netns exec $NS wireguard-go wlagbnc0 >/dev/null 2>&1
  for _ in $(seq 50); do [ -S /var/run/wireguard/wlagbnc0.sock ] && break; sleep 0.1; done
  WG=$(ip netns pids $NS | head -1)
  (umask 077; wg genkey > "$WORK/key")
  {
    echo "[Interface]"; echo "PrivateKey = $(cat "$WORK/key")"; echo "ListenPort = 51820"
    for i in $(seq 1 "$n"); do
      echo "[Peer]"; echo "PublicKey = $(wg genkey | wg pubkey)"
      echo "AllowedIPs = 10.$((100 + i / 65536)).$(((i / 256) % 256)).$((i % 256))/32"
      echo "Endpoint = 198.18.$(((i / 256) % 256)).$((i % 256)):51820"
    done
  } > "$WORK/wg.conf"
  ip netns exec $NS wg setconf wlagbnc0 "$WORK/wg.conf"
  ip -n $NS link set wlagbnc0 up
  mkdir -p "$WORK/run"
  coord=()
  if [ -n "${WL_BENCH_COORDINATOR:-}" ]; then
    coord=(WIRELINK_COORDINATORURL=http://127.0.0.1:9
           WIRELINK_COORDINATORPUBLICKEY="$(wirelink_coordinator_key)")
  fi
  ip netns exec $NS env RUNTIME_DIRECTORY="$WORK/run" WIRELINK_CONFIG_PATH="$WORK" "${coord[@]}" "$WIRELINK" --iface wlagbnc0 \
    >"$WORK/agent.log" 2>&1 &
  AG=$!
  sleep 15  # start-up: first cycles add every peer's link-local
  a0=$(cpu_ticks $AG); w0=$(cpu_ticks $WG)
  sleep "$SECS"
  a1=$(cpu_ticks $AG); w1=$(cpu_ticks $WG)
  [ "${WL_SMAPS:-1}" != 0 ] && rss_by_file $AG
  echo "AGENT peers=$n rss_kib=$(rss_kib $AG) cpu_pct=$(awk -v d=$((a1 - a0)) -v t="$ticks" -v s="$SECS" 'BEGIN { printf "%.2f", 100 * d / t / s }') anon_kib=$(anon_kib $AG) file_kib=$(file_kib $AG)"
  echo "WGGO peers=$n rss_kib=$(rss_kib $WG) cpu_pct=$(awk -v d=$((w1 - w0)) -v t="$ticks" -v s="$SECS" 'BEGIN { printf "%.2f", 100 * d / t / s }')"
  ip netns exec $NS env RUNTIME_DIRECTORY="$WORK/run" "$WIRELINK" show wlagbnc0 --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print("  (agent saw %d peers, %d cycles)" % (len(d["peers"]), d["cycles"]))'
  kill $AG; wait $AG 2>/dev/null || true; AG=
  kill $WG 2>/dev/null || true; WG=
  ip netns del $NS
done
