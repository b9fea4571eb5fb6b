#!/bin/bash
# Commit-confirm (`wirelink apply --confirm`) against a running agent on wireguard-go:
#   no confirm: a configuration that drops the peer is applied with --confirm 5s and goes back
#     by itself (the agent logs the restore, the file and the peer's name come back, the
#     pending files are gone);
#   confirm: the applied file stays and `confirm` a second time says nothing is pending;
#   agent stopped inside the window: the agent started after the deadline restores at once;
#   a file that does not validate changes nothing (exit 2).
set -euo pipefail
NETNS_PREFIX=wlapc
. "$(dirname "$0")/lib.sh"
need python3

add_ns wlapc-1; add_ns wlapc-2
veth wlapc-1 wlapcv1 172.31.19.1/24 wlapc-2 wlapcv2 172.31.19.2/24
genkey one; genkey two
wggo wlapc-1 wlapc1 "$WORK/one.key" 51820 10.77.19.1/24
wggo wlapc-2 wlapc2 "$WORK/two.key" 51820 10.77.19.2/24
ip netns exec wlapc-1 wg set wlapc1 peer "$(pub two)" allowed-ips 10.77.19.2/32 endpoint 172.31.19.2:51820
ip netns exec wlapc-2 wg set wlapc2 peer "$(pub one)" allowed-ips 10.77.19.1/32 endpoint 172.31.19.1:51820
CFG="$WORK/wirelink.wlapc1.json"
echo "{\"Peers\": [{\"PublicKey\": \"$(pub two)\", \"Name\": \"two\", \"Basic\": true, \"AllowedIPs\": [\"10.77.19.2/32\"]}]}" > "$CFG"
cp "$CFG" "$WORK/good.json"
echo '{"Peers": []}' > "$WORK/drop.json"

wl() { ip netns exec wlapc-1 env RUNTIME_DIRECTORY="$WORK/run" WIRELINK_CONFIG_PATH="$WORK" "$WIRELINK" "$@"; }
named_two() { show wlapc-1 wlapc1 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if any(p["name"] == "two" for p in d["peers"]) else 1)'; }
restores() { grep -c "apply not confirmed in time" "$WORK/agent-wlapc1.log" || true; }

start_agent wlapc-1 wlapc1
wait_for 15 "agent answers show" show wlapc-1 wlapc1
wait_for 15 "peer two named" named_two

say "a file that does not validate changes nothing"
echo '{"Peers": [{"PublicKey": "nope"}]}' > "$WORK/bad.json"
rc=0; wl apply --iface wlapc1 "$WORK/bad.json" || rc=$?
[ "$rc" = 2 ] || fail "bad file: exit $rc, want 2"
cmp -s "$CFG" "$WORK/good.json" || fail "bad file changed the configuration"

say "apply --confirm 5s without confirm: the agent goes back by itself"
T=$SECONDS
wl apply --confirm 5s --iface wlapc1 "$WORK/drop.json" || fail "apply"
cmp -s "$CFG" "$WORK/drop.json" || fail "apply did not install the file"
[ -e "$CFG.pending" ] && [ -e "$CFG.last-good" ] || fail "no pending record"
[ "$(restores)" = 0 ] || fail "restored before the window passed"
wait_for 20 "the agent restores by itself" grep -q "apply not confirmed in time" "$WORK/agent-wlapc1.log"
wait_for 10 "peer two named after the restore" named_two
echo "   restored $((SECONDS - T)) s after apply --confirm 5s"
cmp -s "$CFG" "$WORK/good.json" || fail "the previous file is not back"
[ ! -e "$CFG.pending" ] && [ ! -e "$CFG.last-good" ] || fail "pending files left behind"
rc=0; wl confirm wlapc1 || rc=$?
[ "$rc" = 1 ] || fail "confirm after the window: exit $rc, want 1"

say "apply --confirm 5s and confirm: the new file stays"
wl apply --confirm 5s --iface wlapc1 "$WORK/drop.json" || fail "apply"
wl confirm wlapc1 || fail "confirm"
sleep 7  # past the window: nothing may go back now
cmp -s "$CFG" "$WORK/drop.json" || fail "a confirmed apply was undone"
[ "$(restores)" = 1 ] || fail "a confirmed apply was restored"

say "agent stopped inside the window: restored when it starts again"
cp "$WORK/good.json" "$CFG"
wl reload wlapc1 >/dev/null || fail "reload good"
wait_for 10 "peer two named again" named_two
wl apply --confirm 5s --iface wlapc1 "$WORK/drop.json" || fail "apply"
kill -KILL "$AGENT_PID_wlapc1"; wait "$AGENT_PID_wlapc1" 2>/dev/null || true
sleep 6
cmp -s "$CFG" "$WORK/drop.json" || fail "the file changed with no agent running"
start_agent wlapc-1 wlapc1
wait_for 20 "the restarted agent restores the previous configuration" named_two
cmp -s "$CFG" "$WORK/good.json" || fail "the previous file is not back after the restart"
kill -TERM "$AGENT_PID_wlapc1"; wait "$AGENT_PID_wlapc1" || fail "agent exit status on TERM"
echo "PASS: commit-confirm"
