#!/usr/bin/env bash
# kernel_harness_smoke: proves run-vm.sh boots and `ip link add wg0 type wireguard` works there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/run-vm.sh" --guest-script "$here/smoke-guest.sh" --timeout 180
