#!/bin/bash
# The three-host mesh on the kernel WireGuard module, inside one qemu VM: the agent's kernel
# backend (generic netlink) and rtnetlink link control for real. See mesh_kernel_guest.sh.
set -euo pipefail
: "${WL_SOURCE_DIR:?}" "${WL_BIN:?}"
[ -x "$WL_BIN/wirelink" ] || { echo "FAIL: $WL_BIN/wirelink not built"; exit 1; }
exec "$WL_SOURCE_DIR/tests/kernel/lib/run-vm.sh" --bin "$WL_BIN/wirelink" \
  --guest-script "$WL_SOURCE_DIR/tests/kernel/agent/mesh_kernel_guest.sh" --timeout 900 --mem 512
