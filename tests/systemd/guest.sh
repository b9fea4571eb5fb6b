#!/bin/bash
# Inside the systemd VM (tests/systemd/systemd_vm.sh): install the .deb, run wirelink@ on a
# userspace interface it creates (wgsu0, wirelink-wg@wgsu0), wl-quick@ on a wg-quick kernel
# interface (wgsk0) and the coordinator, then check what issue 14 item 8 lists. Exit 0 = pass.
set -u
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
# wait_for <seconds> <condition>: polls every 0.5 s (a bound, not a timed assertion).
wait_for() { local n=$(($1 * 2)); while ((n-- > 0)); do eval "$2" && return 0; sleep 0.5; done; return 1; }
mainpid() { systemctl show -p MainPID --value "$1"; }
ifindex() { cat "/sys/class/net/$1/ifindex" 2>/dev/null; }
# The running agent's fact port. `show` reads the configuration file first (and refuses a broken
# one), so it is pointed at an empty directory: what it prints comes from the agent.
fact_port() {
  WIRELINK_CONFIG_PATH=/nonexistent wirelink show wgsu0 --json 2>/dev/null | grep -o '"fact_port":[0-9]*' | cut -d: -f2
}
dump() { systemctl --no-pager status "$@" 2>&1 | tail -20; journalctl --no-pager -n 40 -u "$1" 2>&1; }

t0=$(date +%s)
dpkg -i /root/wirelink.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; echo "FAIL dpkg -i"; exit 1; }
check "tmpfiles made /run/wireguard" '[ -d /run/wireguard ]'

# Keys and configurations (the agent creates wgsu0; wg-quick creates wgsk0).
umask 077
mkdir -p /etc/wireguard
wirelink genkey >/etc/wireguard/wgsu0.key
peer=$(wirelink genkey | wirelink pubkey)
cat >/etc/wireguard/wirelink.wgsu0.json <<EOF
{"PrivateKeyFile": "/etc/wireguard/wgsu0.key", "Userspace": true, "Port": 51901,
 "Peers": [{"PublicKey": "$peer", "Name": "p", "Basic": true, "AllowedIPs": ["10.77.0.20/32"]}]}
EOF
printf '[Interface]\nPrivateKey = %s\nListenPort = 51830\n' "$(wirelink genkey)" >/etc/wireguard/wgsk0.conf

systemctl start wirelink-coordinator.service
systemctl start wirelink@wgsu0.service
systemctl start wl-quick@wgsk0.service
check "coordinator active" 'systemctl is-active -q wirelink-coordinator.service || { dump wirelink-coordinator.service; false; }'
check "wirelink@wgsu0 active" 'systemctl is-active -q wirelink@wgsu0.service || { dump wirelink@wgsu0.service; false; }'
check "wl-quick@wgsk0 active" 'systemctl is-active -q wl-quick@wgsk0.service || { dump wl-quick@wgsk0.service; false; }'
check "wirelink-wg@wgsu0 runs the device as its own unit" 'systemctl is-active -q wirelink-wg@wgsu0.service || { dump wirelink-wg@wgsu0.service; false; }'
check "the peer is on the device" 'wait_for 20 "wg show wgsu0 peers | grep -qx \"$peer\""'
wgpid=$(mainpid wirelink-wg@wgsu0.service)
idx=$(ifindex wgsu0)
echo "wirelink-wg pid $wgpid, wgsu0 ifindex $idx"
check "wirelink-wg is not in the agent's cgroup" '! grep -q "wirelink@" /proc/$wgpid/cgroup'
same_device() {  # what every agent stop/restart must keep
  check "$1: wirelink-wg kept (pid $wgpid)" '[ "$(mainpid wirelink-wg@wgsu0.service)" = "$wgpid" ] && kill -0 "$wgpid"'
  check "$1: wgsu0 kept (ifindex $idx)" '[ "$(ifindex wgsu0)" = "$idx" ]'
  check "$1: its peer kept" 'wg show wgsu0 peers | grep -qx "$peer"'
}

# Reload: a valid change applies; a broken file makes `systemctl reload` fail, the old stays.
check "fact port from the file" 'wait_for 10 "[ \"\$(fact_port)\" = 51901 ]"'
sed -i 's/"Port": 51901/"Port": 51902/' /etc/wireguard/wirelink.wgsu0.json
check "reload with a valid config succeeds" 'systemctl reload wirelink@wgsu0.service'
check "reload applied the new port" '[ "$(fact_port)" = 51902 ]'
cp /etc/wireguard/wirelink.wgsu0.json /tmp/good.json
echo '{"Port": ' >/etc/wireguard/wirelink.wgsu0.json
check "reload with a broken config fails" '! systemctl reload wirelink@wgsu0.service'
check "the old config stays" '[ "$(fact_port)" = 51902 ] && systemctl is-active -q wirelink@wgsu0.service || { echo "port $(fact_port), $(systemctl is-active wirelink@wgsu0.service)"; false; }'
check "the reason is in the journal" 'journalctl --no-pager -u wirelink@wgsu0.service | grep -q "not valid JSON"'
cp /tmp/good.json /etc/wireguard/wirelink.wgsu0.json

# Stop, start, restart of the agent keep the device.
systemctl stop wirelink@wgsu0.service
same_device "stop"
systemctl start wirelink@wgsu0.service
check "started again" 'systemctl is-active -q wirelink@wgsu0.service'
old=$(mainpid wirelink@wgsu0.service)
systemctl restart wirelink@wgsu0.service
check "restart gave a new agent" '[ "$(mainpid wirelink@wgsu0.service)" != "$old" ]'
same_device "restart"

# Watchdog: a stopped agent misses WatchdogSec=30 and is killed and restarted (RestartSec=5).
old=$(mainpid wirelink@wgsu0.service)
kill -STOP "$old"
check "watchdog restarted the agent" 'wait_for 90 "p=\$(mainpid wirelink@wgsu0.service); [ \"\$p\" != 0 ] && [ \"\$p\" != $old ] && systemctl is-active -q wirelink@wgsu0.service"'
check "the journal says watchdog" 'journalctl --no-pager -u wirelink@wgsu0.service | grep -qi watchdog'
same_device "watchdog restart"

# Upgrade: postinst try-restarts the agents; the device stays.
old=$(mainpid wirelink@wgsu0.service)
dpkg -i /root/wirelink.deb >/tmp/dpkg2.log 2>&1 || { cat /tmp/dpkg2.log; fail=1; }
check "upgrade restarted the agent" 'wait_for 20 "p=\$(mainpid wirelink@wgsu0.service); [ \"\$p\" != 0 ] && [ \"\$p\" != $old ]"'
check "agent active after upgrade" 'wait_for 20 "systemctl is-active -q wirelink@wgsu0.service"'
same_device "dpkg -i upgrade"

# Exposure scores of the installed units (README "systemd units"): agents 1.9 as shipped.
for u in wirelink@wgsu0 wl-quick@wgsk0; do
  systemd-analyze security --no-pager "$u.service" 2>&1 | tail -1
  check "$u exposure <= 1.9" 'systemd-analyze security --threshold=19 "$u.service" >/dev/null 2>&1'
done
echo "scenario took $(($(date +%s) - t0)) s"
exit $fail
