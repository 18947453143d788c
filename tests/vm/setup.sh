#!/bin/bash
# Prepares the host for tests/vm/run.sh, idempotently:
#   - Debian packages: QEMU (TCG is enough), busybox-static (the guest's
#     userland and its containers' rootfs), cpio (the initramfs format);
#   - a Debian kernel, fetched with `apt-get download` and unpacked with
#     `dpkg -x` into the cache.  Nothing is installed into /boot and the
#     host's boot configuration is never touched.
#
#   BERTH_VM_CACHE  where kernels and debs are kept (default /var/cache/berth-vm)
#   BERTH_VM_KPKG   the kernel package (default: whatever linux-image-amd64
#                   depends on today; Debian moves it, so it is never pinned)
#
# Prints the unpacked kernel's directory on its last line, or fails with one
# line saying why (run.sh turns that into a SKIP).
set -uo pipefail
cache=${BERTH_VM_CACHE:-/var/cache/berth-vm}

die() { echo "vm setup: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (apt-get, dpkg -x)"
mkdir -p "$cache/debs" || die "cannot create $cache"

# ---- host packages -------------------------------------------------------------
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v cpio >/dev/null || need+=(cpio)
command -v xz >/dev/null || need+=(xz-utils)
# The guest runs busybox as its init and its containers' only binary: it
# must be the static build (the dynamic "busybox" package would need libc).
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
  need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  echo "vm setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    die "apt-get install ${need[*]} failed"
fi

# ---- kernel ------------------------------------------------------------------------
# The metapackage's current dependency names the versioned image package.
kpkg=${BERTH_VM_KPKG:-}
resolve() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'; }
if [ -z "$kpkg" ]; then
  kpkg=$(resolve)
  if [ -z "$kpkg" ]; then apt-get update -qq >/dev/null 2>&1; kpkg=$(resolve); fi
  [ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 to a kernel package (apt sources?)"
fi
kver=${kpkg#linux-image-}
kdir=$cache/kernel-$kver
if [ ! -f "$kdir/boot/vmlinuz-$kver" ]; then
  # apt-get download writes into the current directory; as root it warns
  # that it cannot drop privileges to _apt for a root-owned directory.
  ( cd "$cache/debs" && apt-get download "$kpkg" >/dev/null 2>&1 ) ||
    die "apt-get download $kpkg failed"
  deb=$(ls -t "$cache/debs/${kpkg}"_*.deb 2>/dev/null | head -1)
  [ -n "$deb" ] || die "no .deb for $kpkg in $cache/debs"
  rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp" && dpkg -x "$deb" "$kdir.tmp" ||
    die "dpkg -x $deb failed"
  [ -f "$kdir.tmp/boot/vmlinuz-$kver" ] || die "$deb has no boot/vmlinuz-$kver"
  rm -rf "$kdir" && mv "$kdir.tmp" "$kdir"
  # Older kernels' debs are not needed again.
  find "$cache/debs" -name 'linux-image-*.deb' ! -name "${kpkg}_*" -delete
fi
echo "$kver" > "$kdir/KVER"

# Debian's amd64 bzImage carries an xz-compressed kernel that, under TCG,
# takes seconds to unpack inside the guest.  QEMU can boot the plain ELF
# directly through its PVH entry note (CONFIG_PVH=y), so unpack it once
# here: the xz stream starts at its magic bytes inside the bzImage, and
# --single-stream stops before the trailing setup data.  Optional: run.sh
# boots the bzImage when this is absent.
if [ ! -f "$kdir/vmlinux" ] && grep -q '^CONFIG_PVH=y' "$kdir/boot/config-$kver" 2>/dev/null; then
  off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kdir/boot/vmlinuz-$kver" 2>/dev/null | head -1 | cut -d: -f1)
  # tail dies of SIGPIPE when xz stops early: judge the result, not the pipe.
  [ -n "$off" ] &&
    tail -c +"$((off + 1))" "$kdir/boot/vmlinuz-$kver" | xz -dc --single-stream > "$kdir/vmlinux.tmp" 2>/dev/null
  if [ "${PIPESTATUS[1]:-1}" = 0 ] && [ "$(head -c 4 "$kdir/vmlinux.tmp" | od -An -c | tr -d ' ')" = 177ELF ]; then
    mv "$kdir/vmlinux.tmp" "$kdir/vmlinux"
  else
    rm -f "$kdir/vmlinux.tmp"
  fi
fi
ln -sfn "kernel-$kver" "$cache/kernel"
echo "$kdir"
