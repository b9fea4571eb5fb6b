#!/usr/bin/env bash
# An OS failure reaches the output with its reason, not only with what was being done: each binary
# is made to fail in a way that needs no root and changes nothing outside a temporary directory.
#   os_error_test.sh agent|wg|coordinator
set -u
B="${WL_BIN:?}"
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

case "${1:?agent, wg or coordinator}" in
  agent)
    # The control socket's path is longer than a unix socket address holds.
    long="$tmp/$(printf 'd%.0s' {1..120})"
    err=$(RUNTIME_DIRECTORY="$long" "$B/wirelink" show --iface wg0 2>&1 >/dev/null)
    echo "$err"
    check "show: path too long says why" 'echo "$err" | grep -q "File name too long"'
    # No agent is listening: the socket file does not exist.
    err=$(RUNTIME_DIRECTORY="$tmp" "$B/wirelink" show --iface wg0 2>&1 >/dev/null)
    echo "$err"
    check "show: missing socket says why" 'echo "$err" | grep -q "No such file or directory"'
    check "show: the reason appears once" '[ "$(echo "$err" | grep -o "No such file or directory" | wc -l)" -eq 1 ]'
    ;;
  wg)
    # A name the kernel cannot take as an interface name.
    err=$("$B/wirelink-wg" -f "bad/name" 2>&1 >/dev/null)
    echo "$err"
    check "wg: bad interface name says why" 'echo "$err" | grep -q "invalid interface name .*: Invalid argument"'
    ;;
  coordinator)
    # The database's directory does not exist.
    err=$("$B/wirelink-coordinator" keygen --db "$tmp/missing/coordinator.db" 2>&1 >/dev/null)
    echo "$err"
    check "coordinator: missing db directory says why" 'echo "$err" | grep -q "No such file or directory"'
    # An address this host does not have (TEST-NET-1): the reason is said once.
    "$B/wirelink-coordinator" keygen --db "$tmp/coordinator.db" >/dev/null 2>&1
    err=$(timeout 20 "$B/wirelink-coordinator" serve --db "$tmp/coordinator.db" \
      --listen 192.0.2.1:8787 2>&1)  # serve logs to stdout
    echo "$err"
    check "coordinator: listen says why" 'echo "$err" | grep -q "192.0.2.1:8787: Cannot assign requested address"'
    check "coordinator: the reason appears once" '[ "$(echo "$err" | grep -o "Cannot assign requested address" | wc -l)" -eq 1 ]'
    ;;
esac
exit $fail
