#!/usr/bin/env bash
# kernel_netlink: boots the qemu VM once and runs every netlink scenario in guest.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
probe=${WL_BIN:-$here/../../../build/bin}/wl-netlink-probe
[[ -x $probe ]] || { echo "SKIP: $probe not built"; exit 77; }
exec "$here/../lib/run-vm.sh" --no-load-modules --bin "$probe" --guest-script "$here/guest.sh" --timeout 420
