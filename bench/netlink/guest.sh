# Guest half of bench/netlink: configure 10,000 peers x 2 allowed IPs with our SET vs
# `wg setconf`, and read them back with our GET vs `wg show dump`, same kernel, same VM, same
# config. Median of 5 alternating runs each. Prints RATIO lines (wirelink time / wg time).
set -eu
P=wl-netlink-probe
RUNS=${RUNS:-5}
PEERS=${PEERS:-10000}
cd /tmp
$P gen-conf "$PEERS" 2 >bench.conf
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
# Tearing down a device with thousands of peers runs in deferred kernel work for seconds under
# TCG, so every measurement gets a brand-new device and none is deleted; order alternates.
n=0
fresh() { n=$((n + 1)); dev=wgb$n; ip link add "$dev" type wireguard; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
measure_set() { # measure_set <out> <cmd...>
  local out=$1 t0 t1; shift
  fresh; t0=$(now_us); "$@" "$dev" bench.conf; t1=$(now_us); echo $((t1 - t0)) >>"$out"
  [ "$(wg show "$dev" peers | wc -l)" = "$PEERS" ] || { echo "SET did not configure $PEERS peers"; exit 1; }
}
measure_get() { # measure_get <out> <cmd...>
  local out=$1 t0 t1; shift
  t0=$(now_us); "$@" >/dev/null; t1=$(now_us); echo $((t1 - t0)) >>"$out"
}
: >set.wg; : >set.wl; : >get.wg; : >get.wl
for i in $(seq "$RUNS"); do
  if [ $((i % 2)) = 1 ]; then
    measure_set set.wg wg setconf; measure_set set.wl $P setconf
    measure_get get.wg wg show "$dev" dump; measure_get get.wl $P dump "$dev"
  else
    measure_set set.wl $P setconf; measure_set set.wg wg setconf
    measure_get get.wl $P dump "$dev"; measure_get get.wg wg show "$dev" dump
  fi
done
[ "$($P dump "$dev" | md5sum)" = "$(wg show "$dev" dump | md5sum)" ] || { echo "GET outputs differ"; exit 1; }
for op in set get; do
  wgm=$(median <$op.wg); wlm=$(median <$op.wl)
  echo "$op: wirelink median ${wlm}us [$(tr '\n' ' ' <$op.wl)] wg median ${wgm}us [$(tr '\n' ' ' <$op.wg)]"
  awk -v a="$wlm" -v b="$wgm" -v op="$op" 'BEGIN {printf "RATIO netlink-%s-10k wirelink/wg %.3f\n", op, a / b}'
done
