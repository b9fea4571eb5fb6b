#!/usr/bin/env bash
# run-vm.sh: boot Debian's kernel in qemu (TCG) with a small initramfs and run one guest script.
#
# Usage:
#   tests/kernel/lib/run-vm.sh --guest-script <script.sh> [options]
#
# Options (all repeatable ones may be given many times):
#   --guest-script <file>   bash script run as root inside the VM (required). Its exit status is
#                           the exit status of run-vm.sh.
#   --bin <path>            a host binary to copy into the VM as /usr/local/bin/<name>, with every
#                           shared library ldd lists (loader included).
#   --file <src>:<dst>      a host file (or directory) to copy to <dst> inside the VM.
#   --env <NAME=VALUE>      exported to the guest script.
#   --module <name>         an extra kernel module (dependencies from modules.dep are added).
#                           Always present: wireguard, veth, tun, dummy.
#   --no-load-modules       copy the modules but do not insmod them at boot; the guest calls
#                           `wl-load-modules` itself (there is no /sbin/modprobe, so until then
#                           `ip link add type wireguard` fails with "Unknown device type").
#   --wireguard-go          also copy /usr/bin/wireguard-go.
#   --iperf3                also copy /usr/bin/iperf3.
#   --timeout <s>           kill the VM after s seconds (default 300); exit status 124.
#   --mem <MB>              guest memory (default 512).
#   --smp <n>               guest CPUs (default 1).
#   --log <file>            also save the console output here.
#   --kernel <vmlinuz>      default: the newest /boot/vmlinuz-*.
#   --cache-dir <dir>       where the base initramfs is cached (default
#                           $WL_BINARY_DIR/kernel-cache, else ./build/kernel-cache).
#   --systemd-root <dir>    boot this Debian root (debootstrap'd with systemd) with systemd as
#                           PID 1 instead of the busybox init: the harness modules go to
#                           /lib/modules/<kver> (depmod'd, loaded by systemd-modules-load), and
#                           the guest script runs as wl-guest.service once the system is up;
#                           --bin, --wireguard-go and --iperf3 do not apply (install into the
#                           root, or pass files with --file). Give --mem 1024.
#
# Exit status: the guest script's status; 124 on timeout; 125 when the VM died without reporting
# (kernel panic, init failure); 77 when a required host tool (qemu, busybox, a kernel image) is
# missing or we are not root.
#
# What the guest sees:
#   * bash (the guest script's interpreter, and /bin/sh), iproute2 `ip` (also `ip netns`),
#     iputils `ping`, `wg`, busybox applets for everything else (in /bbin, which comes LAST in
#     PATH, so `ip` and `ping` are the real tools, not busybox's applets; never run
#     `busybox sh`, whose built-in applets win over PATH).
#   * /proc, /sys, /dev (devtmpfs), /run and /tmp (tmpfs), /var/run -> /run; lo is up.
#   * wireguard (+ udp_tunnel, ip6_udp_tunnel, curve25519/chacha/poly1305 libs), veth, tun and
#     dummy are loaded (unless --no-load-modules).
#   * your --bin binaries in /usr/local/bin (on PATH), your --file copies, and your --env vars.
#   * the guest script's stdout/stderr go to the serial console, which run-vm.sh prints.
#
# How a test uses it (a ctest script test, label kernel):
#   wl_script_test(kernel_mything COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/mything.sh LABELS kernel
#                  TIMEOUT 300)
#   # mything.sh:
#   exec "$WL_SOURCE_DIR/tests/kernel/lib/run-vm.sh" --bin "$WL_BIN/wirelink" \
#        --file "$WL_SOURCE_DIR/tests/kernel/mine/conf:/etc/mine.conf" \
#        --guest-script "$WL_SOURCE_DIR/tests/kernel/mine/guest.sh" --timeout 240
#   # guest.sh: plain bash; `set -e`, `ip link add wg0 type wireguard`, `wg show`, exit 0 = pass.
# Batch scenarios into one guest script: each boot costs ~5-10 s of TCG time.
#
# The base initramfs (busybox, bash, ip, ping, wg, modules) is cached under --cache-dir keyed by
# the sha256 of this script, the kernel version and the tool binaries; the per-run part (your
# binaries, files, script) is a second gzip'd cpio appended to it, which the kernel unpacks over
# the first.
set -euo pipefail

die() { echo "run-vm: $*" >&2; exit 2; }
skip() { echo "run-vm: SKIP: $*" >&2; exit 77; }

script=""
bins=()
files=()
envs=()
modules=(wireguard veth tun dummy)
load_modules=1
want_wggo=0
want_iperf=0
timeout_s=300
mem=512
smp=1
log=""
kernel=""
cache_dir=""
sysroot=""

while (($#)); do
  case "$1" in
    --guest-script) script="$2"; shift 2 ;;
    --bin) bins+=("$2"); shift 2 ;;
    --file) files+=("$2"); shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --module) modules+=("$2"); shift 2 ;;
    --no-load-modules) load_modules=0; shift ;;
    --wireguard-go) want_wggo=1; shift ;;
    --iperf3) want_iperf=1; shift ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --mem) mem="$2"; shift 2 ;;
    --smp) smp="$2"; shift 2 ;;
    --log) log="$2"; shift 2 ;;
    --kernel) kernel="$2"; shift 2 ;;
    --cache-dir) cache_dir="$2"; shift 2 ;;
    --systemd-root) sysroot="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
[[ -n "$script" ]] || die "--guest-script is required"
[[ -f "$script" ]] || die "guest script $script not found"

[[ $(id -u) == 0 ]] || skip "needs root (to build device nodes and read /boot)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing"
command -v cpio >/dev/null || skip "cpio missing"
busybox=/bin/busybox
[[ -x $busybox ]] || busybox=$(command -v busybox || true)
# A static busybox (busybox-static) is what /init runs before any library is in place.
[[ -n "$busybox" ]] && ! ldd "$busybox" >/dev/null 2>&1 || skip "busybox-static missing"
if [[ -z "$kernel" ]]; then
  kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1 || true)
fi
[[ -n "$kernel" && -r "$kernel" ]] || skip "no readable /boot/vmlinuz-* (install linux-image-amd64)"
kver=${kernel##*/vmlinuz-}
moddir=/lib/modules/$kver
[[ -f $moddir/modules.dep ]] || skip "$moddir/modules.dep missing"
for t in /usr/bin/wg /bin/bash; do [[ -x $t ]] || skip "$t missing"; done
ip_bin=$(command -v ip || true); ping_bin=$(command -v ping || true)
[[ -n $ip_bin ]] && [[ -n $ping_bin ]] || skip "iproute2 ip / iputils ping missing"
ip_bin=$(readlink -f "$ip_bin"); ping_bin=$(readlink -f "$ping_bin")
((want_wggo)) && { [[ -x /usr/bin/wireguard-go ]] || skip "wireguard-go missing"; }
((want_iperf)) && { [[ -x /usr/bin/iperf3 ]] || skip "iperf3 missing"; }

here=$(cd "$(dirname "$0")" && pwd)
if [[ -z "$cache_dir" ]]; then
  if [[ -n "${WL_BINARY_DIR:-}" ]]; then cache_dir=$WL_BINARY_DIR/kernel-cache
  else cache_dir=$(cd "$here/../../.." && pwd)/build/kernel-cache; fi
fi
mkdir -p "$cache_dir"

work=$(mktemp -d "${TMPDIR:-/tmp}/wl-run-vm.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# copy_with_libs <root> <binary> <dst-inside-root>: the binary plus its ldd closure.
copy_with_libs() {
  local root=$1 src=$2 dst=$3 lib
  install -D -m 0755 "$(readlink -f "$src")" "$root$dst"
  while read -r lib; do
    [[ -n "$lib" && -e "$lib" ]] || continue
    [[ -e "$root$lib" ]] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done < <(ldd "$src" 2>/dev/null | awk '/=> \//{print $3} /^[[:space:]]*\//{print $1}')
}

# Modules in load order: each module after its dependencies (post-order over modules.dep).
declare -A seen=()
ordered=()
visit() {
  local rel=$1 dep
  [[ -n "${seen[$rel]:-}" ]] && return 0
  seen[$rel]=1
  local line
  line=$(grep -E "^${rel//./\\.}:" "$moddir/modules.dep" | head -n1 || true)
  for dep in ${line#*:}; do visit "$dep"; done
  ordered+=("$rel")
}
for m in "${modules[@]}"; do
  rel=$(grep -E "/${m//_/[_-]}\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -n1 | cut -d: -f1 || true)
  if [[ -z "$rel" ]]; then
    # Built into the kernel: nothing to load.
    grep -qE "/${m//_/[_-]}\.ko" "$moddir/modules.builtin" 2>/dev/null && continue
    die "module $m not found in $moddir"
  fi
  visit "$rel"
done

# ---- a Debian root with systemd as PID 1 (cached per root and kernel) ----
build_sysroot() {
  local r=$work/sysroot rel
  cp -a "$sysroot" "$r"
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/* "$r"/usr/share/{doc,man,locale,info}/*
  for rel in "${ordered[@]}"; do install -D -m 0644 "$moddir/$rel" "$r/lib/modules/$kver/$rel"; done
  cp "$moddir"/modules.{order,builtin,builtin.modinfo} "$r/lib/modules/$kver/" 2>/dev/null || true
  depmod -b "$r" "$kver"
  if ((load_modules)); then printf '%s\n' "${modules[@]}" >"$r/etc/modules-load.d/wl-vm.conf"; fi
  echo wl-vm >"$r/etc/hostname"
  # No login prompt on the console: the guest script owns the serial line.
  ln -sf /dev/null "$r/etc/systemd/system/serial-getty@ttyS0.service"
  ln -sf /dev/null "$r/etc/systemd/system/getty@tty1.service"
  ln -sf /lib/systemd/systemd "$r/init"
  printf '%s\n' '[Unit]' 'Description=wirelink VM guest script' 'After=multi-user.target' \
    '[Service]' 'Type=oneshot' 'StandardOutput=tty' 'StandardError=tty' 'TTYPath=/dev/ttyS0' \
    'Environment=PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin HOME=/root TERM=dumb WG_COLOR_MODE=never' \
    "ExecStart=/bin/bash -c '[ -f /guest/env ] && . /guest/env; cd /root; echo WL-VM-GUEST-START; /bin/bash /guest/run.sh; echo WL-VM-EXIT-STATUS=\$\$?; sync; systemctl poweroff -f'" \
    '[Install]' 'WantedBy=multi-user.target' >"$r/etc/systemd/system/wl-guest.service"
  mkdir -p "$r/etc/systemd/system/multi-user.target.wants"
  ln -sf ../wl-guest.service "$r/etc/systemd/system/multi-user.target.wants/wl-guest.service"
  (cd "$r" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$base.tmp.$$"
  mv "$base.tmp.$$" "$base"
}
if [[ -n "$sysroot" ]]; then
  [[ -x "$sysroot/lib/systemd/systemd" ]] || die "--systemd-root $sysroot has no systemd"
  key=$( { sha256sum "$0"; echo "$kver ${ordered[*]} load=$load_modules"; stat -c '%n %Y' "$sysroot/var/lib/dpkg/status"; } |
    sha256sum | cut -c1-16)
  base=$cache_dir/sysroot-$key.cpio.gz
  [[ -s $base ]] || build_sysroot
fi

# ---- base initramfs (cached) ----
if [[ -z "$sysroot" ]]; then
key=$( {
  sha256sum "$0"
  echo "$kver ${ordered[*]} load=$load_modules wggo=$want_wggo iperf=$want_iperf"
  stat -c '%n %s %Y' "$kernel" "$busybox" /bin/bash "$ip_bin" "$ping_bin" /usr/bin/wg
  ((want_wggo)) && stat -c '%n %s %Y' /usr/bin/wireguard-go
  ((want_iperf)) && stat -c '%n %s %Y' /usr/bin/iperf3
  true
} | sha256sum | cut -c1-16)
base=$cache_dir/base-$key.cpio.gz
if [[ ! -s $base ]]; then
  r=$work/base
  mkdir -p "$r"/{bin,sbin,bbin,usr/bin,usr/sbin,usr/local/bin,proc,sys,dev,run,tmp,etc,guest,root}
  mkdir -p "$r/var"; ln -s /run "$r/var/run"
  install -m 0755 "$busybox" "$r/bin/busybox"
  copy_with_libs "$r" /bin/bash /bin/bash
  # /bin/sh is bash: busybox's shell runs its own ip/ping applets even when PATH has the real ones.
  ln -s bash "$r/bin/sh"
  copy_with_libs "$r" "$ip_bin" /bin/ip
  copy_with_libs "$r" "$ping_bin" /bin/ping
  copy_with_libs "$r" /usr/bin/wg /usr/bin/wg
  ((want_wggo)) && copy_with_libs "$r" /usr/bin/wireguard-go /usr/bin/wireguard-go
  ((want_iperf)) && copy_with_libs "$r" /usr/bin/iperf3 /usr/bin/iperf3
  mknod -m 600 "$r/dev/console" c 5 1 2>/dev/null || true
  mknod -m 666 "$r/dev/null" c 1 3 2>/dev/null || true
  : >"$r/etc/wl-modules"
  for rel in "${ordered[@]}"; do
    f=$moddir/$rel
    case "$f" in
      *.ko) install -D -m 0644 "$f" "$r/lib/modules/$rel" ;;
      *.ko.xz) install -d "$r/lib/modules/$(dirname "$rel")"; xz -dc "$f" >"$r/lib/modules/${rel%.xz}"; rel=${rel%.xz} ;;
      *.ko.zst) install -d "$r/lib/modules/$(dirname "$rel")"; zstd -qdc "$f" >"$r/lib/modules/${rel%.zst}"; rel=${rel%.zst} ;;
      *.ko.gz) install -d "$r/lib/modules/$(dirname "$rel")"; gzip -dc "$f" >"$r/lib/modules/${rel%.gz}"; rel=${rel%.gz} ;;
    esac
    echo "/lib/modules/$rel" >>"$r/etc/wl-modules"
  done
  cat >"$r/bin/wl-load-modules" <<'EOF'
#!/bin/sh
# Loads the harness's modules in dependency order (already-loaded ones are skipped).
rc=0
while read -r m; do
  n=$(basename "$m" .ko | tr - _)
  grep -q "^$n " /proc/modules && continue
  /bbin/insmod "$m" || rc=1
done </etc/wl-modules
exit $rc
EOF
  chmod 0755 "$r/bin/wl-load-modules"
  cat >"$r/init" <<EOF
#!/bin/busybox sh
# PID 1 of the wirelink test VM (generated by tests/kernel/lib/run-vm.sh).
/bin/busybox mkdir -p /proc /sys /dev /run /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox mount -t tmpfs tmpfs /run
/bin/busybox mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bbin
export PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:/bbin
export HOME=/root TERM=dumb WG_COLOR_MODE=never
echo 1 > /proc/sys/kernel/printk_ratelimit 2>/dev/null
if [ $load_modules = 1 ]; then wl-load-modules || echo "run-vm: module load failed"; fi
ip link set lo up
[ -f /guest/env ] && . /guest/env
cd /root
echo "WL-VM-GUEST-START"
/bin/bash /guest/run.sh
rc=\$?
echo "WL-VM-EXIT-STATUS=\$rc"
sync
/bbin/poweroff -f
EOF
  chmod 0755 "$r/init"
  (cd "$r" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$base.tmp.$$"
  mv "$base.tmp.$$" "$base"
fi
fi

# ---- per-run overlay ----
o=$work/overlay
mkdir -p "$o/guest" "$o/usr/local/bin"
install -m 0755 "$script" "$o/guest/run.sh"
: >"$o/guest/env"
for e in "${envs[@]}"; do
  [[ "$e" == *=* ]] || die "--env wants NAME=VALUE, got $e"
  printf 'export %s=%q\n' "${e%%=*}" "${e#*=}" >>"$o/guest/env"
done
for b in "${bins[@]}"; do
  [[ -x "$b" ]] || die "--bin $b is not an executable file"
  copy_with_libs "$o" "$b" "/usr/local/bin/$(basename "$b")"
done
for f in "${files[@]}"; do
  src=${f%%:*}; dst=${f#*:}
  [[ "$f" == *:* && -e "$src" ]] || die "--file wants <existing src>:<dst>, got $f"
  mkdir -p "$o$(dirname "$dst")"
  cp -a "$src" "$o$dst"
done
(cd "$o" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$work/overlay.cpio.gz"
cat "$base" "$work/overlay.cpio.gz" >"$work/initrd.img"

# ---- boot ----
console=$work/console.log
set +e
timeout --foreground -k 5 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp "$smp" \
  -nographic -no-reboot -nodefaults -serial stdio -display none \
  -kernel "$kernel" -initrd "$work/initrd.img" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init${sysroot:+ systemd.show_status=0}" </dev/null 2>&1 |
  sed -u 's/\r$//' | tee "$console"
qrc=${PIPESTATUS[0]}
set -e
[[ -n "$log" ]] && cp "$console" "$log"
if ((qrc == 124)); then
  echo "run-vm: TIMEOUT after ${timeout_s}s" >&2
  exit 124
fi
status=$(grep -a -o 'WL-VM-EXIT-STATUS=[0-9]*' "$console" | tail -n1 | cut -d= -f2 || true)
if [[ -z "$status" ]]; then
  echo "run-vm: the VM exited (qemu status $qrc) without reporting a guest status" >&2
  exit 125
fi
exit "$status"
