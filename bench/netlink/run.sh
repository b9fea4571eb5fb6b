#!/usr/bin/env bash
# bench/netlink: netlink configure/dump speed against `wg` on the same kernel, inside the qemu
# VM (tests/kernel/lib/run-vm.sh). Not run by CI. Needs a release build:
#   cmake --preset release && cmake --build --preset release -j2 --target wl-netlink-probe
#   bench/netlink/run.sh            # prints RATIO netlink-set-10k / netlink-get-10k
# Env: RUNS (default 5), PEERS (default 10000).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
probe=${WL_BIN:-$root/build/bin}/wl-netlink-probe
[[ -x $probe ]] || { echo "build $probe first (release preset)" >&2; exit 2; }
"$root/tests/kernel/lib/run-vm.sh" --bin "$probe" --guest-script "$here/guest.sh" \
  --env "RUNS=${RUNS:-5}" --env "PEERS=${PEERS:-10000}" --mem 2048 --timeout 1200 |
  grep -E '^(RATIO|set:|get:|GET)|WL-VM-EXIT'
