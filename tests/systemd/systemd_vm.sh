#!/bin/bash
# The .deb under a real systemd: a debootstrapped bookworm root (systemd, dbus, iproute2,
# wireguard-tools and the package's Depends; cached under the build directory, keyed by that
# list) boots in qemu (tests/kernel/lib/run-vm.sh --systemd-root) with systemd as PID 1; the
# guest installs the .deb and runs guest.sh (units active, reload, watchdog, the userspace
# device surviving agent stops/restarts/upgrades, security scores). Cold cache: debootstrap
# ~3 min plus the boot; warm: the boot and the scenario only.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in debootstrap cpack dpkg-deb qemu-system-x86_64 depmod; do
  command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
: "${WL_BINARY_DIR:?}" "${WL_SOURCE_DIR:?}"
MIRROR=${WL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)

cd "$WL_BINARY_DIR"
work=$(mktemp -d /tmp/wlsd-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
# A separate directory so the package test's own cpack run cannot race with ours.
mkdir -p "$work/cpack"
cpack -G DEB -B "$work/cpack" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; echo "FAIL: cpack"; exit 1; }
deb=$(ls "$work"/cpack/wirelink_*_amd64.deb)
. "$WL_SOURCE_DIR/tests/netns/agent/deb_deps.sh"
pkgs="systemd,systemd-sysv,dbus,iproute2,wireguard-tools,$(deb_runtime_packages "$deb")"
echo "root packages: $pkgs"
key=$(echo "$pkgs" | sha256sum | cut -c1-12)
root="$WL_BINARY_DIR/debootstrap-cache/bookworm-systemd-$key"
if [ ! -x "$root/lib/systemd/systemd" ]; then
  echo "debootstrap bookworm (minbase + $pkgs) into $root"
  start=$(date +%s)
  rm -rf "$root.tmp"; mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase --include="$pkgs" bookworm "$root.tmp" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; echo "FAIL: debootstrap (mirror $MIRROR)"; exit 1; }
  rm -rf "$root.tmp"/var/cache/apt/archives/*.deb
  mv "$root.tmp" "$root"
  echo "debootstrap took $(($(date +%s) - start)) s"
fi
exec "$WL_SOURCE_DIR/tests/kernel/lib/run-vm.sh" --systemd-root "$root" --mem 1024 --timeout 420 \
  --cache-dir "$WL_BINARY_DIR/kernel-cache" \
  --file "$deb:/root/wirelink.deb" --guest-script "$here/guest.sh"
