#!/usr/bin/env bash
# wirelink-coordinator out of file descriptors: started with RLIMIT_NOFILE 64 and flooded with
# 200 idle connections, it must not spin on accept (it used to burn a whole core, log nothing
# and stop answering /healthz), must log the condition once, must keep serving a connection
# it already had, and must answer /healthz again once the idle clients go away.
set -u
BIN=${WL_BIN:-${WL_BINARY_DIR:-build}/bin}/wirelink-coordinator
[ -x "$BIN" ] || { echo "FAIL: $BIN not built"; exit 1; }
# A sanitizer runtime cannot work without descriptors (UBSan reads /proc/self/maps for its
# checks and aborts), so this test needs a build without sanitizers: the release build.
if grep -q __ubsan_handle "$BIN"; then
  BIN=${WL_SOURCE_DIR:-.}/build/bin/wirelink-coordinator
  [ -x "$BIN" ] || { echo "SKIP: needs the release build (build/bin/wirelink-coordinator)"; exit 77; }
fi
dir=$(mktemp -d /tmp/wl-adv-emfile.XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "${KEEP:-}" ] && cp "$dir/serve.log" /tmp/wl-emfile-serve.log
  rm -rf "$dir"
}
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

timeout 10 "$BIN" keygen --db "$dir/c.db" >/dev/null || { echo "FAIL: keygen"; exit 1; }
# ulimit -n sets the soft and the hard limit: the server cannot raise it again.
(ulimit -n 64 && exec "$BIN" serve --listen 127.0.0.1:0 --port-file "$dir/port" \
  --db "$dir/c.db" --log-level info >"$dir/serve.log" 2>&1) &
pid=$!
for _ in $(seq 200); do [ -s "$dir/port" ] && break; sleep 0.05; done
[ -s "$dir/port" ] || { echo "FAIL: no port: $(cat "$dir/serve.log")"; exit 1; }
port=$(cat "$dir/port")

# One GET /healthz on file descriptor $1; prints the status line.
ask() {
  printf 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n' >&"$1" || return 1
  local line
  IFS= read -r -t 10 line <&"$1" || return 1
  printf '%s\n' "${line%$'\r'}"
}
exec {kept}<>"/dev/tcp/127.0.0.1/$port" || { echo "FAIL: connect"; exit 1; }
[ "$(ask "$kept")" = "HTTP/1.1 200 OK" ] || bad "first /healthz"
# Drain the rest of that answer (headers and "ok").
while IFS= read -r -t 2 line <&"$kept"; do [ "$line" = "ok" ] && break; done

# 200 idle connections: more than the server has descriptors. The kernel completes them
# into the listen backlog even when the server cannot accept.
clients=()
for _ in $(seq 200); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" || break
  clients+=("$fd")
done
[ "${#clients[@]}" -ge 150 ] || bad "only ${#clients[@]} client connections opened"
sleep 0.5

kill -0 "$pid" 2>/dev/null || { echo "FAIL: the coordinator died: $(tail -5 "$dir/serve.log")"; exit 1; }
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(cpu)
sleep 3
t1=$(cpu)
used=$(( (t1 - t0) * 1000 / hz ))
echo "coordinator CPU over 3 s out of descriptors: ${used} ms"
# A spinning accept loop uses ~3000 ms here (one core); backing off uses a few ms. 500 ms leaves
# room for a loaded machine and a sanitizer build.
[ "$used" -lt 500 ] || bad "the coordinator used ${used} ms of CPU in 3 s (spinning on accept?)"

# The connection it already had is still served.
[ "$(ask "$kept")" = "HTTP/1.1 200 OK" ] || bad "/healthz on an existing connection while out of descriptors"

n=$(grep -c "accept failed" "$dir/serve.log")
[ "$n" = 1 ] || bad "descriptor exhaustion logged $n times, want once: $(tail -5 "$dir/serve.log")"

for fd in "${clients[@]}"; do exec {fd}>&-; done
ok=0
for _ in $(seq 50); do
  if exec {probe}<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
    st=$(ask "$probe")
    exec {probe}>&-
    [ "$st" = "HTTP/1.1 200 OK" ] && { ok=1; break; }
  fi
  sleep 0.2
done
[ "$ok" = 1 ] || bad "/healthz did not answer after the idle clients closed"
kill -0 "$pid" 2>/dev/null || bad "the coordinator died"

[ "$fail" = 0 ] && echo "PASS: coordinator under descriptor exhaustion"
exit "$fail"
