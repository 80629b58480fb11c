#!/usr/bin/env bash
# Installs with apt (as root) every Debian package the tests, the guest and the benchmark
# scripts use, when one is missing; prints nothing and does nothing when all are there.
# Used by .ci/run and ./guest-demo.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real peers the interop tests use: cryptsetup (LUKS2/LUKS1 on plain files), libnbd's
# nbdinfo/nbdcopy and its Python module, qemu-io (qemu-utils), fio's nbd engine, Python's
# cryptography (an independent XTS), losetup (mount) for the block-device test.
PACKAGES="cryptsetup-bin libnbd-bin python3-libnbd qemu-utils fio python3-cryptography mount"
# The guest VM (vm/, ./guest-demo, the *IT tests in nbd-server): a generic Debian kernel (its
# modules give dm-crypt and nbd; the host kernel may lack both), and the packages vm/host-tools
# lists (QEMU, the tools copied into the initramfs).
PACKAGES="$PACKAGES linux-image-amd64 $(awk '$1 !~ /^#/ { print $2 }' vm/host-tools | sort -u | tr '\n' ' ')"
# Not used by the tests, but by the benchmark scripts beside them (nbdkit; openssl speed;
# qemu-storage-daemon comes with qemu-system-x86), so a CI machine can run those too.
PACKAGES="$PACKAGES nbdkit openssl"
missing=""
for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install-packages: missing:$missing; run this script as root (or: sudo $0)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
