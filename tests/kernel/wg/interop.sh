#!/usr/bin/env bash
# kernel_wg_interop: boots the VM once and runs guest.sh: wirelink-wg in one namespace, the
# kernel module in the other; handshake and traffic both ways.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${WL_SOURCE_DIR:-$(cd "$here/../../.." && pwd)}
bin=${WL_BIN:-$src/build/bin}
[ -x "$bin/wirelink-wg" ] || { echo "wirelink-wg not built in $bin"; exit 1; }
exec "$src/tests/kernel/lib/run-vm.sh" --bin "$bin/wirelink-wg" --iperf3 \
  --guest-script "$here/guest.sh" --timeout 240
