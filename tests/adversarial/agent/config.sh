#!/bin/bash
# The agent's own configuration as hostile input (issue 14, items 3 and 9): a value nested
# 100,000 levels deep under any key is a located exit-2 error at start, never a crash; invalid
# UTF-8 in an environment variable or a flag, a 100,000-character endpoint host and a control
# character in an interface name are located exit-2 errors; a running agent sent SIGHUP with a
# deep file keeps its old configuration and logs why; `wirelink show` still shows the running
# agent while the file is broken, with a warning.
set -euo pipefail
NETNS_PREFIX=wladvc
. "$(dirname "$0")/../../netns/agent/lib.sh"

IFC=wladvc0
CFG="$WORK/wirelink.$IFC.json"
mkdir -p "$WORK/run"
# wl <args...>: the agent binary with this test's directories, bounded; output in $WORK/out.
wl() { timeout 20 env RUNTIME_DIRECTORY="$WORK/run" WIRELINK_CONFIG_PATH="$WORK" "$WIRELINK" "$@" >"$WORK/out" 2>&1; }
# expect_usage_error <what> <text in the message> <args...>
expect_usage_error() {
  local what=$1 text=$2 rc=0; shift 2
  wl "$@" || rc=$?
  [ "$rc" = 2 ] || { cat "$WORK/out"; fail "$what: exit $rc, want 2"; }
  grep -qF -- "$text" "$WORK/out" || { cat "$WORK/out"; fail "$what: no \"$text\" in the message"; }
}
deep() { python3 -c 'import sys; d = 100000; sys.stdout.write("{\"%s\": " % sys.argv[1] + "[" * d + "]" * d + "}")' "$1"; }

say "a deeply nested value under any key: exit 2 with its location, at start and for --dump-config"
for key in Port Peers Colour; do
  deep "$key" > "$CFG"
  expect_usage_error "deep $key" "$CFG: line 1, column" --iface "$IFC"
  expect_usage_error "deep $key" "nested deeper than 32 levels" --iface "$IFC" --dump-config
done
rm -f "$CFG"

say "invalid UTF-8 in the environment or a flag: exit 2 naming it"
WIRELINK_PRIVATEKEYFILE=$'\xff' expect_usage_error "env" \
  "environment WIRELINK_PRIVATEKEYFILE: not valid UTF-8" --iface "$IFC" --dump-config
expect_usage_error "flag" "flag --coordinator-endpoint: not valid UTF-8" \
  --iface "$IFC" --dump-config --coordinator-endpoint=$'\xc0\xaf'

say "names: a 100,000-character endpoint host, a control character in an interface name"
genkey two
python3 -c 'import sys; print("{\"Peers\": [{\"PublicKey\": \"%s\", \"Endpoints\": [\"%s:51820\"]}]}" % (sys.argv[1], "a" * 100000))' "$(pub two)" > "$CFG"
expect_usage_error "long host" "/Peers/0/Endpoints/0" --iface "$IFC" --dump-config
grep -q "at most 253 characters" "$WORK/out" || fail "long host: no limit in the message"
[ "$(wc -c < "$WORK/out")" -lt 1000 ] || fail "long host: the message repeats the whole value"
expect_usage_error "control character" "control characters" --iface $'wl\x01x' --dump-config

say "a running agent: SIGHUP with a deep file keeps the old configuration"
add_ns wladvc-a
genkey one
wggo wladvc-a "$IFC" "$WORK/one.key" 51820 10.79.1.1/24
ip netns exec wladvc-a wg set "$IFC" peer "$(pub two)" allowed-ips 10.79.1.2/32
cat > "$CFG" <<JSON
{"Peers": [{"PublicKey": "$(pub two)", "Name": "two", "Basic": true, "AllowedIPs": ["10.79.1.2/32"]}]}
JSON
start_agent wladvc-a "$IFC"
# show_here: `wirelink show` as an operator would run it, reading the same config directory.
show_here() { ip netns exec wladvc-a env RUNTIME_DIRECTORY="$WORK/run" WIRELINK_CONFIG_PATH="$WORK" timeout 20 "$WIRELINK" show "$IFC" "$@"; }
wait_for 15 "agent control socket" show_here
deep Peers > "$CFG"
kill -HUP "$AGENT_PID_wladvc0"
wait_for 10 "reload failure logged" grep -q "reload failed, keeping the old configuration.*nested deeper than 32 levels" "$WORK/agent-$IFC.log"
sleep 1
kill -0 "$AGENT_PID_wladvc0" || fail "the agent died on SIGHUP with a deep file"

say "show with the broken file: the running agent's state and a warning"
rc=0
show_here --json >"$WORK/show.json" 2>"$WORK/show.err" || rc=$?
cat "$WORK/show.err"
[ "$rc" = 0 ] || fail "wirelink show exits $rc while the file is broken"
grep -q "warning: the configuration does not load" "$WORK/show.err" || fail "no warning about the file"
json_field "[p[\"name\"] for p in d[\"peers\"]]" < "$WORK/show.json" | grep -q "two" || { cat "$WORK/show.json"; fail "the old configuration is gone"; }
echo "PASS"
