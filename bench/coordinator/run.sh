#!/usr/bin/env bash
# Coordinator load on loopback with wrk: 10,000 registered peers, heartbeat throughput and
# p99, and register throughput. Not run by CI. Usage:
#   cmake --preset release && cmake --build --preset release -j2 --target wirelink-coordinator coord_bench_setup
#   bench/coordinator/run.sh            # env: PEERS=10000 DURATION=10s CONNS=64 THREADS=2 REGS=20000
# Registration needs a fresh single-use challenge and a proof per request, so the register run
# sends REGS bodies made (with their proofs) just before it, each once, and ends early when they
# are used up; the challenges expire 60 s after they were issued.
#   ENGINE=pg bench/coordinator/run.sh  # on a PostgreSQL 15 of its own (tests/pg/with_pg.sh)
# REPLICAS (default 1) must be 1 for now: replicas do not share admission state yet.
# Prints: COORD engine=<e> replicas=<n> peers=<N> heartbeat_rps=<x> heartbeat_p99_ms=<y> register_rps=<z>
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${WL_BIN:-build/bin}
SETUP=${WL_BENCH_SETUP:-$BIN/coord_bench_setup}
PEERS=${PEERS:-10000}; DURATION=${DURATION:-10s}; CONNS=${CONNS:-64}; THREADS=${THREADS:-2}
REGS=${REGS:-20000}
ENGINE=${ENGINE:-sqlite}; REPLICAS=${REPLICAS:-1}
[[ $ENGINE == sqlite || $ENGINE == pg ]] || { echo "ENGINE: sqlite or pg"; exit 2; }
[[ $REPLICAS == 1 ]] || { echo "REPLICAS: only 1 until replicas share admission state"; exit 2; }
if [[ $ENGINE == pg && -z ${WL_TEST_PG_HOST:-} ]]; then exec tests/pg/with_pg.sh "$0" "$@"; fi
command -v wrk >/dev/null || { echo "wrk missing (apt-get install wrk)"; exit 1; }
DIR=$(mktemp -d /tmp/wlco-bench-XXXXXX)
SRV=
cleanup() { [[ -n $SRV ]] && kill "$SRV" 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT
DB=$DIR/c.db
if [[ $ENGINE == pg ]]; then
  DB="postgresql:///postgres?host=$WL_TEST_PG_HOST&user=$WL_TEST_PG_USER"
fi

"$BIN/wirelink-coordinator" keygen --db "$DB" >/dev/null
INVITE=$("$BIN/wirelink-coordinator" invite create --uses 100000000 --ttl 1h --db "$DB")
"$BIN/wirelink-coordinator" serve --listen 127.0.0.1:0 --port-file "$DIR/port" --db "$DB" \
  --rate-ip 0 --rate-peer 0 --log-level warn &
SRV=$!
for _ in $(seq 100); do [[ -s $DIR/port ]] && break; sleep 0.1; done
URL=http://127.0.0.1:$(cat "$DIR/port")

echo "registering $PEERS peers..."
"$SETUP" "$URL" "$INVITE" "$PEERS" "$DIR/peers.txt"
echo "heartbeat: wrk -t$THREADS -c$CONNS -d$DURATION"
HB=$(PEERS_FILE=$DIR/peers.txt wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s bench/coordinator/heartbeat.lua "$URL" | tee /dev/stderr | grep '^HB ')
echo "making $REGS proven register bodies..."
"$SETUP" --bodies "$URL" "$INVITE" "$REGS" "$DIR/bodies.txt"
echo "register: wrk -t$THREADS -c$CONNS -d$DURATION ($REGS bodies)"
REG=$(BODIES_FILE=$DIR/bodies.txt THREADS=$THREADS wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s bench/coordinator/register.lua "$URL" | tee /dev/stderr | grep '^REG ')
HB_NON2XX=$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$HB")
REG_NON2XX=$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$REG")
if [[ $HB_NON2XX != 0 || $REG_NON2XX != 0 ]]; then echo "non-2xx replies: heartbeat $HB_NON2XX register $REG_NON2XX"; exit 1; fi
echo "COORD engine=$ENGINE replicas=$REPLICAS peers=$PEERS heartbeat_rps=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$HB") heartbeat_p99_ms=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$HB") register_rps=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$REG")"
