#!/bin/bash
# Builds the test guest's boot files from the host's Debian packages:
#   OUT/kernel          the kernel, unpacked to an ELF vmlinux when possible (skips XZ under TCG)
#   OUT/initramfs.cpio  uncompressed: static busybox, kernel modules, cryptsetup, dmsetup,
#                       nbd-client, mke2fs with their libraries, and vm/init as /init
# Usage: build-initramfs.sh OUT            build into OUT (must not exist; appears atomically)
#        build-initramfs.sh --inputs       list the host files the build reads (cache key)
# env:   KVER  kernel version (default: newest non-cloud kernel with /boot/vmlinuz-KVER)
# Packages: linux-image-amd64 and those of vm/host-tools (the guest's tools are the lines
#           marked "guest" there)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

# The generic kernel: the cloud flavour lacks 9p and some block drivers.
KVER=${KVER:-$(for v in $(ls /lib/modules 2>/dev/null | grep -v cloud | sort -V); do
  [ -f "/boot/vmlinuz-$v" ] && echo "$v"; done | tail -1)}
[ -n "$KVER" ] || { echo "build-initramfs: no kernel under /boot with modules in /lib/modules (apt-get install linux-image-amd64)" >&2; exit 3; }

MODULES="virtio_pci virtio_blk virtio_net nbd dm-mod dm-crypt ext4 xts aesni_intel
         af_alg algif_skcipher algif_hash 9p 9pnet_virtio overlay"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
GUEST_TOOLS=$(awk '$1 !~ /^#/ && $3 == "guest" { print $1 }' "$HERE/host-tools")
TOOLS=$(for t in $GUEST_TOOLS; do command -v "$t" || echo "/usr/sbin/$t"; done)

libs_of() { ldd "$1" | grep -o '/[^ ]*' | sort -u; }
module_files() {
  for m in $MODULES; do
    modprobe -S "$KVER" --show-depends "$m" 2>/dev/null || echo "build-initramfs: kernel $KVER has no module $m" >&2
  done | awk '$1 == "insmod" { print $2 }' | sort -u
}

# Everything must be there before anything is read: a missing package is exit 3, not a half build.
for t in $TOOLS /bin/busybox "/boot/vmlinuz-$KVER"; do
  [ -r "$t" ] || { echo "build-initramfs: missing $t (packages: see the top of $0)" >&2; exit 3; }
done
if ldd /bin/busybox >/dev/null 2>&1; then   # ldd fails on static binaries
  echo "build-initramfs: /bin/busybox is dynamically linked; the initramfs needs busybox-static" >&2; exit 3
fi

if [ "${1:-}" = --inputs ]; then
  echo "$HERE/build-initramfs.sh"; echo "$HERE/init"; echo "$HERE/host-tools"; echo /bin/busybox; echo "/boot/vmlinuz-$KVER"
  echo "/lib/modules/$KVER/modules.dep"
  for t in $TOOLS; do echo "$t"; libs_of "$t"; done | sort -u
  exit 0
fi
[ $# -eq 1 ] || { echo "usage: build-initramfs.sh OUT | --inputs" >&2; exit 64; }
OUT=$1

# Build beside OUT, then rename: concurrent builds never see a half-written directory.
mkdir -p "$(dirname "$OUT")"
TMP=$(mktemp -d "$OUT.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
ST=$TMP/stage
mkdir -p "$ST"/{bin,sbin,etc,proc,sys,dev,run,tmp,mnt,lib/modules/$KVER}

cp /bin/busybox "$ST/bin/busybox"   # applet links are made by /init at boot
ln -s busybox "$ST/bin/sh"

for ko in $(module_files); do
  mkdir -p "$ST$(dirname "$ko")"; cp "$ko" "$ST$ko"
done
cp /lib/modules/"$KVER"/modules.{order,builtin,builtin.modinfo} "$ST/lib/modules/$KVER/"
depmod -b "$ST" "$KVER"

for t in $TOOLS; do
  cp "$t" "$ST/sbin/"
  for lib in $(libs_of "$t"); do
    mkdir -p "$ST$(dirname "$lib")"; cp -L "$lib" "$ST$lib"
  done
done
# glibc dlopen()s libgcc_s for thread cancellation (cryptsetup's argon2 threads); ldd misses it.
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$ST/lib/x86_64-linux-gnu/"
ln -s mke2fs "$ST/sbin/mkfs.ext4"
cp /etc/mke2fs.conf "$ST/etc/"
cp "$HERE/init" "$ST/init"; chmod 755 "$ST/init"

# Uncompressed: gunzip inside a TCG guest costs about a second per boot.
(cd "$ST" && find . -print0 | cpio --null -o -H newc --quiet) > "$TMP/initramfs.cpio"

# The bzImage's XZ payload unpacked to an ELF vmlinux, which QEMU boots directly (PVH):
# saves ~4 s of decompression per TCG boot. Falls back to the bzImage.
img=/boot/vmlinuz-$KVER
off=$(LC_ALL=C grep -aobUP '\xfd7zXZ\x00' "$img" | head -1 | cut -d: -f1 || true)
if [ -n "$off" ]; then
  tail -c +$((off + 1)) "$img" | xz -dc > "$TMP/kernel" 2>/dev/null || true   # trailing data after the stream is expected
fi
head -c 4 "$TMP/kernel" 2>/dev/null | grep -q ELF || cp "$img" "$TMP/kernel"
echo "$KVER" > "$TMP/kver"
rm -rf "$ST"

# Never replace an existing OUT: a guest may be booting from it. Losing the race to an
# identical build is fine; its result is as good as ours.
if ! mv -T "$TMP" "$OUT" 2>/dev/null; then
  [ -f "$OUT/initramfs.cpio" ] || { echo "build-initramfs: cannot create $OUT" >&2; exit 1; }
fi
echo "build-initramfs: $OUT (kernel $KVER, initramfs $(du -h "$OUT/initramfs.cpio" | cut -f1))" >&2
