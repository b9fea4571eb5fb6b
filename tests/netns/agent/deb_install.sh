#!/bin/bash
# The .deb installs into a clean Debian 12 root and runs there: build it with `cpack -G DEB`,
# debootstrap a minimal bookworm root (cached under the build directory, keyed by the package's
# Depends), `dpkg -i` it in a chroot, then run `wirelink --version` and check the unit files,
# docs and example landed. The first run downloads ~50 MB from the Debian mirror (a few
# minutes); later runs reuse the cached root (a copy per run keeps the cache clean).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in debootstrap cpack dpkg-deb chroot; do command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }; done
: "${WL_BINARY_DIR:?}"
MIRROR=${WL_DEBIAN_MIRROR:-http://deb.debian.org/debian}

cd "$WL_BINARY_DIR"
rm -f wirelink_*.deb
cpack -G DEB >cpack.log 2>&1 || { cat cpack.log; echo "FAIL: cpack"; exit 1; }
deb=$(ls wirelink_*_amd64.deb)
echo "built $deb"
# Runtime dependencies as package names.
. "$(dirname "$0")/deb_deps.sh"
deps=$(deb_runtime_packages "$deb")
echo "Depends: $deps"
key=$(echo "$deps" | sha256sum | cut -c1-12)
cache="$WL_BINARY_DIR/debootstrap-cache/bookworm-$key"
if [ ! -x "$cache/bin/sh" ]; then
  echo "debootstrap bookworm (minbase + $deps) into $cache"
  rm -rf "$cache.tmp"; mkdir -p "$(dirname "$cache")"
  debootstrap --variant=minbase --include="$deps" bookworm "$cache.tmp" "$MIRROR" >debootstrap.log 2>&1 ||
    { tail -20 debootstrap.log; echo "FAIL: debootstrap (mirror $MIRROR)"; exit 1; }
  rm -rf "$cache.tmp"/var/cache/apt/archives/*.deb
  mv "$cache.tmp" "$cache"
fi
root=$(mktemp -d /tmp/wlag-debroot.XXXXXX)
trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$root"' EXIT
cp -a "$cache/." "$root/"
cp "$deb" "$root/tmp/"
mount -t proc proc "$root/proc"
chroot "$root" dpkg -i "/tmp/$deb" || { echo "FAIL: dpkg -i in a clean bookworm root"; exit 1; }
out=$(chroot "$root" /usr/bin/wirelink --version)
echo "$out"
[[ "$out" == "wirelink "* ]] || { echo "FAIL: unexpected --version output"; exit 1; }
for f in /usr/lib/systemd/system/wirelink@.service /usr/lib/systemd/system/wl-quick@.service \
         /usr/share/doc/wirelink/PROTOCOL.md /usr/share/doc/wirelink/examples/wirelink.wg0.json.example; do
  [ -f "$root$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
# The coordinator module is loaded at run time, so the package's Depends must cover its
# libraries too (libcurl and its chain), not only the agent's.
mod=/usr/lib/wirelink/coordinator-link.so
[ -f "$root$mod" ] || { echo "FAIL: $mod not installed"; exit 1; }
if chroot "$root" ldd "$mod" | grep -q 'not found'; then
  chroot "$root" ldd "$mod"; echo "FAIL: $mod has unmet libraries in a clean root"; exit 1
fi
chroot "$root" dpkg -s wirelink | grep -q '^Status: install ok installed' || { echo "FAIL: dpkg status"; exit 1; }
chroot "$root" dpkg -r wirelink >/dev/null || { echo "FAIL: dpkg -r"; exit 1; }
[ ! -e "$root/usr/bin/wirelink" ] || { echo "FAIL: binary left after removal"; exit 1; }
echo "PASS: $deb installs, runs and removes cleanly in a debootstrapped bookworm root"
