#!/bin/bash
# Boots the test guest (Debian kernel under QEMU TCG, busybox initramfs) and runs one shell
# script inside it as root, with the kernel's dm-crypt, device-mapper and NBD client.
#
# Usage: run-guest.sh [options] SCRIPT
#   SCRIPT             sh script run in the guest (see vm/init for what it can rely on)
#   --disks DIR        attach every DIR/NAME.img (raw, read-write, sorted by name) as a virtio
#                      disk; the guest sees it as /dev/disk/NAME (NAME: 1-20 of [A-Za-z0-9_-])
#   --file PATH        copy PATH into the guest as /vmtest/BASENAME (repeatable)
#   --nbd-socket PATH  the host's NBD server (a unix socket); the guest reaches it at
#                      $NBD_HOST:$NBD_PORT (QEMU guestfwd + socat, restricted user network)
#   --hostroot         the host's / read-only at /host in the guest (9p), e.g. to run the JDK
#   --log FILE         console log (default WORK/console.log)
#   --work DIR         scratch directory (default: a new one under $TMPDIR, removed at exit)
#   --timeout SECS     whole run, per attempt (default 300)
#   --boot-timeout S   until the guest's init starts (default 90); then one retry
#   --mem MIB, --smp N guest size (default 1024, 2)
# Exit: 0 the script passed; 1 it failed; 2 no VMTEST-RESULT (timeout, crash, no boot);
#       3 missing host packages; 64 usage. The console log goes to stdout on 0, stderr on 1, 2.
# env:  NBDCRYPT_VM_CACHE  where boot files are cached by input (default /tmp/nbdcrypt-vm-cache)
# Packages: qemu-system-x86 socat + those of build-initramfs.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

usage() { echo "run-guest.sh: $*" >&2; sed -n '5,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
DISKS="" FILES=() NBD_SOCKET="" HOSTROOT=0 LOG="" WORK="" TIMEOUT=300 BOOT_TIMEOUT=90 MEM=1024 SMP=2
while [ $# -gt 0 ]; do
  case $1 in
    --disks) DISKS=${2:?}; shift 2 ;;
    --file) FILES+=("${2:?}"); shift 2 ;;
    --nbd-socket) NBD_SOCKET=${2:?}; shift 2 ;;
    --hostroot) HOSTROOT=1; shift ;;
    --log) LOG=${2:?}; shift 2 ;;
    --work) WORK=${2:?}; shift 2 ;;
    --timeout) TIMEOUT=${2:?}; shift 2 ;;
    --boot-timeout) BOOT_TIMEOUT=${2:?}; shift 2 ;;
    --mem) MEM=${2:?}; shift 2 ;;
    --smp) SMP=${2:?}; shift 2 ;;
    -h|--help) usage "help" ;;
    -*) usage "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || usage "expected one SCRIPT, got $#"
SCRIPT=$1
[ -f "$SCRIPT" ] || usage "script $SCRIPT not found"
for f in "${FILES[@]}"; do
  [ -f "$f" ] || usage "--file $f not found"
  [ "$(basename "$f")" != script.sh ] || usage "--file $f would replace the script (/vmtest/script.sh)"
done
for n in "$TIMEOUT" "$BOOT_TIMEOUT" "$MEM" "$SMP"; do [[ $n =~ ^[1-9][0-9]*$ ]] || usage "'$n' is not a positive number"; done
[ -z "$DISKS" ] || [ -d "$DISKS" ] || usage "--disks $DISKS is not a directory"
# QEMU's option syntax treats ',' specially and socat's ':'; keep paths plain.
plain_path='^[A-Za-z0-9_./+-]+$'
[ -z "$NBD_SOCKET" ] || [[ $NBD_SOCKET =~ $plain_path ]] || usage "--nbd-socket path must match $plain_path"
for t in qemu-system-x86_64 timeout cpio; do
  command -v "$t" >/dev/null || { echo "run-guest.sh: $t not installed (apt-get install qemu-system-x86)" >&2; exit 3; }
done
[ -z "$NBD_SOCKET" ] || command -v socat >/dev/null || { echo "run-guest.sh: socat not installed" >&2; exit 3; }

# Boot files, cached under a key of everything the build reads (scripts, kernel, tools, libs).
CACHE=${NBDCRYPT_VM_CACHE:-/tmp/nbdcrypt-vm-cache}
inputs=$("$HERE/build-initramfs.sh" --inputs) || exit 3
key=$( { uname -m; cat "$HERE/build-initramfs.sh" "$HERE/init"; stat -L -c '%n %s %Y' $inputs; } | sha256sum | cut -c1-16)
BOOT=$CACHE/$key
if [ ! -f "$BOOT/initramfs.cpio" ]; then
  "$HERE/build-initramfs.sh" "$BOOT" || exit 3
  find "$CACHE" -mindepth 1 -maxdepth 1 -mtime +2 -exec rm -rf {} + 2>/dev/null || true   # stale keys
fi
touch "$BOOT"

QPID="" OWN_WORK=0
cleanup() {   # a harness stopped early takes its guest with it
  [ -z "$QPID" ] || kill "$QPID" 2>/dev/null || true
  [ "$OWN_WORK" = 0 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "$WORK" ]; then WORK=$(mktemp -d "${TMPDIR:-/tmp}/nbdcrypt-vm.XXXXXX"); OWN_WORK=1; fi
mkdir -p "$WORK"; LOG=${LOG:-$WORK/console.log}

# The script and files ride in a second cpio archive appended to the cached one (the kernel
# unpacks concatenated archives in order).
P=$WORK/payload; rm -rf "$P"; mkdir -p "$P/vmtest"
cp "$SCRIPT" "$P/vmtest/script.sh"
for f in "${FILES[@]}"; do cp "$f" "$P/vmtest/"; done
(cd "$P" && find . -print0 | cpio --null -o -H newc --quiet) | cat "$BOOT/initramfs.cpio" - > "$WORK/initrd"
rm -rf "$P"

A=(-nodefaults -no-user-config -display none -serial "file:$LOG" -no-reboot
   -accel tcg -cpu max -m "$MEM" -smp "$SMP" -kernel "$BOOT/kernel" -initrd "$WORK/initrd")
APPEND="console=ttyS0 panic=-1 loglevel=3"   # quiet kernel: its lines would split RESULT lines
if [ -n "$DISKS" ]; then
  n=0
  for img in "$DISKS"/*.img; do
    [ -f "$img" ] || continue
    name=$(basename "$img" .img)
    [[ $name =~ ^[A-Za-z0-9_-]{1,20}$ ]] || usage "disk name '$name' must be 1-20 of [A-Za-z0-9_-] (virtio serial)"
    [[ $img =~ $plain_path ]] || usage "disk path $img must match $plain_path"
    A+=(-drive "file=$img,format=raw,if=none,id=d$n,cache=writeback" -device "virtio-blk-pci,drive=d$n,serial=$name")
    n=$((n + 1))
  done
fi
if [ -n "$NBD_SOCKET" ]; then   # restrict=on: the guest reaches nothing but the guestfwd target
  A+=(-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:10809-cmd:socat STDIO UNIX-CONNECT:$NBD_SOCKET"
      -device virtio-net-pci,netdev=n0,romfile=)   # no PXE ROM: not booting from the network
  APPEND+=" vmnet=1"
fi
if [ "$HOSTROOT" = 1 ]; then   # multidevs=remap: the host / spans several filesystems
  A+=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
  APPEND+=" vmhostroot=1"
fi

# One boot. Returns 0 when the guest's init started (the log says how it ended), 4 when it
# printed nothing within BOOT_TIMEOUT (QEMU is stopped then).
boot() {
  : > "$LOG"
  timeout -k 5 "$TIMEOUT" qemu-system-x86_64 "${A[@]}" -append "$APPEND" </dev/null >>"$WORK/qemu.out" 2>&1 &
  local pid=$! waited=0
  QPID=$pid
  while ! grep -q VMTEST-BOOTED "$LOG"; do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if [ "$waited" -ge $((BOOT_TIMEOUT * 10)) ]; then
      kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; QPID=""; return 4
    fi
    sleep 0.1; waited=$((waited + 1))
  done
  local rc=0; wait "$pid" || rc=$?; QPID=""
  [ "$rc" = 124 ] && echo "run-guest.sh: guest still running after ${TIMEOUT}s, stopped" >&2
  [ "$rc" = 0 ] || [ "$rc" = 124 ] || echo "run-guest.sh: qemu exited with $rc: $(cat "$WORK/qemu.out")" >&2
  return 0
}

start=$(date +%s%N)
if ! boot; then
  echo "run-guest.sh: no output from the guest within ${BOOT_TIMEOUT}s; booting once more" >&2
  cp "$LOG" "$LOG.noboot" 2>/dev/null || true
  boot || true
fi
echo "run-guest.sh: guest ran $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2

# The last VMTEST-RESULT line decides (tr: the serial console ends lines with \r\n).
verdict=$(tr -d '\r' < "$LOG" | sed -n 's/^VMTEST-RESULT \([A-Z]*\).*/\1/p' | tail -1)
case $verdict in
  PASS) tr -d '\r' < "$LOG"; exit 0 ;;
  FAIL) echo "run-guest.sh: the guest script failed; console log:" >&2; tr -d '\r' < "$LOG" >&2; exit 1 ;;
  *) echo "run-guest.sh: no VMTEST-RESULT from the guest; console log:" >&2; tr -d '\r' < "$LOG" >&2; exit 2 ;;
esac
