# The guest side of ProvisionGuestBoot: nbdcrypt provision run inside the guest (the host's JDK
# and jar over 9p, in a chroot of the host's /), on virtio scratch disks. The host prepends
# NBDCRYPT (the java command line up to the jar's arguments) and MARKER. Disks: basic, cmp
# (same size, for the cryptsetup sequence), pa, pb (two at once), busy, held, tiny, spare (bad
# input), ioc (the ioctl attach). /tmp/vmtest/payload is host-made random data. Lines "RESULT name value" go to the host.
# Runs in the chroot (/host of vm/init): the host's coreutils, util-linux, e2fsprogs, cryptsetup.
set -eu
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /run/cryptsetup /run/lock
# nbdcrypt(): guest-jvm.sh, sourced before this script
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# provision_bg NAME ARGS...: starts `nbdcrypt provision --json ARGS` in the background, waits for
# its provisioned line; sets PID_NAME (the background shell, for wait), JVM_NAME (the java process
# it runs: nbdcrypt_daemon is a shell function, so a signal for the server goes there), DEV_NAME and
# prints RESULT NAME.provision_ms.
provision_bg() {
  name=$1; shift
  t0=$(now_ms)
  nbdcrypt_daemon "/tmp/$name.out" provision --json "$@" 2> "/tmp/$name.err" &
  eval "PID_$name=$!"
  i=0
  while ! grep -q '"provisioned"' "/tmp/$name.out" 2>/dev/null; do
    if ! kill -0 "$(eval echo \$PID_$name)" 2>/dev/null; then
      cat "/tmp/$name.err" "/tmp/$name.out"; head -c 6000 /tmp/hs_err_pid*.log 2>/dev/null || true; return 1
    fi
    i=$((i + 1)); [ $i -lt 3000 ] || { echo "provision $name: no line in 300 s"; return 1; }
    sleep 0.1
  done
  echo "RESULT $name.provision_ms $(( $(now_ms) - t0 ))"
  _p=$(eval echo \$PID_$name)
  eval "JVM_$name=$(cat /proc/$_p/task/$_p/children)"
  eval "DEV_$name=$(sed -n 's/.*"device":"\([^"]*\)".*/\1/p' "/tmp/$name.out" | head -1)"
  echo "RESULT $name.device $(eval echo \$DEV_$name)"
}

fill() {   # fill DIR: the marker, a copy of the payload, and 2 MiB of guest randomness
  printf '%s\n' "$MARKER" > "$1/marker"
  cp /tmp/vmtest/payload "$1/payload"
  dd if=/dev/urandom of="$1/random" bs=1M count=2 2>/dev/null
  sync
}

# Scenario basic: provision, write, unmount + remount, verify, destroy from another shell.
basic() {
  provision_bg basic --device /dev/disk/basic --mount /run/kata-containers/image
  grep -q ' /run/kata-containers/image ext4 rw,nosuid,nodev' /proc/mounts
  echo "RESULT basic.mounted nosuid,nodev"
  fill /run/kata-containers/image
  echo "RESULT basic.random.written $(sha256sum /run/kata-containers/image/random | cut -d' ' -f1)"
  umount /run/kata-containers/image
  echo 3 > /proc/sys/vm/drop_caches
  mount "$DEV_basic" /run/kata-containers/image
  echo "RESULT basic.random.read $(sha256sum /run/kata-containers/image/random | cut -d' ' -f1)"
  echo "RESULT basic.payload.read $(sha256sum /run/kata-containers/image/payload | cut -d' ' -f1)"
  echo "RESULT basic.marker.read $(cat /run/kata-containers/image/marker)"
  nbdcrypt destroy --mount /run/kata-containers/image --json > /tmp/destroy.out
  cat /tmp/destroy.out
  rc=0; wait "$PID_basic" || rc=$?
  echo "RESULT basic.exit $rc"
  echo "RESULT basic.destroy.ok $(grep -c '"ok":true' /tmp/destroy.out)"
  echo "RESULT basic.destroy.discard $(sed -n 's/.*"discard":"\([A-Za-z]*\).*/\1/p' /tmp/destroy.out)"
  if [ -e "/sys/block/${DEV_basic#/dev/}/pid" ]; then echo "RESULT basic.detached no"; else echo "RESULT basic.detached yes"; fi
  if grep -q /run/kata-containers/image /proc/mounts; then echo "RESULT basic.unmounted no"; else echo "RESULT basic.unmounted yes"; fi
}

# Scenario cryptsetup: what Confidential Containers runs today, on a disk of the same size:
# luksFormat (random 4096-byte key on stdin, argon2id, header detached in guest memory),
# luksOpen, mkfs.ext4, mount. Timed from the first command to mounted.
cryptsetup_sequence() {
  truncate -s 16M /tmp/cmp.hdr
  head -c 4096 /dev/urandom > /tmp/cmp.key
  t0=$(now_ms)
  cryptsetup luksFormat -q --type luks2 --cipher aes-xts-plain64 --sector-size 4096 --pbkdf argon2id \
    --header /tmp/cmp.hdr --key-file - /dev/disk/cmp < /tmp/cmp.key
  cryptsetup luksOpen --header /tmp/cmp.hdr --key-file - /dev/disk/cmp cmp < /tmp/cmp.key
  mkfs.ext4 -q /dev/mapper/cmp
  mkdir -p /run/cmp
  mount -o nodev,nosuid /dev/mapper/cmp /run/cmp
  echo "RESULT cmp.provision_ms $(( $(now_ms) - t0 ))"
  umount /run/cmp
  cryptsetup close cmp
}

# Scenario pair: two volumes at once, each with a header file (so the host can compare keys).
# Then pa is unmounted, its process killed (no destroy), and cryptsetup opens it with the
# header; pb's process is killed while mounted: I/O must fail, and umount -l + detach complete.
pair() {
  # A retried attempt's leftovers (run_scenario): provision will not overwrite a header file.
  umount /mnt/pa 2> /dev/null || true; cryptsetup close pa 2> /dev/null || true
  rm -f /tmp/pa.luks /tmp/pa.luks.key /tmp/pb.luks /tmp/pb.luks.key
  provision_bg pa --device /dev/disk/pa --mount /run/pa --header /tmp/pa.luks --timeout 120 --dead-connection-timeout 2 &
  a=$!
  provision_bg pb --device /dev/disk/pb --mount /run/pb --header /tmp/pb.luks --timeout 120 --dead-connection-timeout 2 &
  b=$!
  wait "$a"; wait "$b"
  PID_pa=$(pgrep -f 'provision --json --device /dev/disk/pa')
  PID_pb=$(pgrep -f 'provision --json --device /dev/disk/pb')
  DEV_pa=$(sed -n 's/.*"device":"\([^"]*\)".*/\1/p' /tmp/pa.out); DEV_pb=$(sed -n 's/.*"device":"\([^"]*\)".*/\1/p' /tmp/pb.out)
  echo "RESULT pair.devices $DEV_pa,$DEV_pb"
  for v in pa pb; do
    echo "RESULT $v.key $(cryptsetup luksDump --dump-volume-key --batch-mode --key-file /tmp/$v.luks.key /tmp/$v.luks \
      | sed -n '/MK dump:/,$p' | tr -d ' \t\n' | sha256sum | cut -d' ' -f1)"
    fill /run/$v
    echo "RESULT $v.random.written $(sha256sum /run/$v/random | cut -d' ' -f1)"
  done
  # pa: the volume written through /dev/nbdN opens with cryptsetup and its header file.
  umount /run/pa
  kill -9 "$PID_pa"; wait "$PID_pa" 2>/dev/null || true
  i=0; while [ -e "/sys/block/${DEV_pa#/dev/}/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  cryptsetup open --header /tmp/pa.luks --key-file /tmp/pa.luks.key /dev/disk/pa pa
  mkdir -p /mnt/pa; mount -o ro /dev/mapper/pa /mnt/pa
  echo "RESULT pa.random.cryptsetup $(sha256sum /mnt/pa/random | cut -d' ' -f1)"
  echo "RESULT pa.payload.cryptsetup $(sha256sum /mnt/pa/payload | cut -d' ' -f1)"
  umount /mnt/pa; cryptsetup close pa
  # pb: kill -9 while mounted. Direct I/O must fail within timeout + dead-connection timeout.
  kill -9 "$PID_pb"; wait "$PID_pb" 2>/dev/null || true
  t0=$(now_ms)
  if dd if="$DEV_pb" of=/dev/null bs=4096 count=1 skip=100 iflag=direct 2>/dev/null; then
    echo "RESULT pb.read_after_kill ok"
  else
    echo "RESULT pb.read_after_kill failed"
  fi
  if dd if=/dev/zero of=/run/pb/after bs=4096 count=1 oflag=direct,sync 2>/dev/null; then
    echo "RESULT pb.write_after_kill ok"
  else
    echo "RESULT pb.write_after_kill failed"
  fi
  echo "RESULT pb.fail_ms $(( $(now_ms) - t0 ))"
  umount -l /run/pb
  nbdcrypt detach "$DEV_pb"
  i=0; while [ -e "/sys/block/${DEV_pb#/dev/}/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if [ -e "/sys/block/${DEV_pb#/dev/}/pid" ]; then echo "RESULT pb.detached no"; else echo "RESULT pb.detached yes"; fi
}

# bad NAME ARGS...: provision must fail (exit 4) with a message; the disk's bytes stay as they were.
bad() {
  name=$1; disk=$2; shift 2
  before=$(sha256sum "$disk" | cut -d' ' -f1)
  rc=0; nbdcrypt provision "$@" > /dev/null 2> "/tmp/bad.$name.err" || rc=$?
  after=$(sha256sum "$disk" | cut -d' ' -f1)
  echo "RESULT bad.$name.exit $rc"
  echo "RESULT bad.$name.unchanged $([ "$before" = "$after" ] && echo yes || echo no)"
  echo "bad.$name: $(cat /tmp/bad.$name.err)"
  echo "RESULT bad.$name.message $(tr ' ' '_' < /tmp/bad.$name.err | tr -d '\n' | cut -c1-400)"
}
bad_input() {   # the four run at once: each is a JVM start, slow under TCG
  pkill -f 'flock /dev/disk/held' || true; umount /mnt/busy 2> /dev/null || true   # a retried attempt's
  nbd_mounts_before=$(grep -c '^/dev/nbd' /proc/mounts || true)   # an earlier failed scenario may have left one
  mkfs.ext4 -q /dev/disk/busy; mkdir -p /mnt/busy; mount -o ro /dev/disk/busy /mnt/busy   # ro: the bytes stay put while mounted
  flock /dev/disk/held sleep 600 & holder=$!
  touch /tmp/afile
  sleep 0.5
  bad mounted /dev/disk/busy --device /dev/disk/busy --mount /run/b1 & p1=$!
  bad held /dev/disk/held --device /dev/disk/held --mount /run/b2 & p2=$!
  bad tiny /dev/disk/tiny --device /dev/disk/tiny --mount /run/b3 & p3=$!
  bad mountfile /dev/disk/spare --device /dev/disk/spare --mount /tmp/afile & p4=$!
  wait "$p1"; wait "$p2"; wait "$p3"; wait "$p4"
  kill "$holder"
  umount /mnt/busy
  if [ "$(grep -c '^/dev/nbd' /proc/mounts || true)" -gt "$nbd_mounts_before" ]; then echo "RESULT bad.leftover_mount yes"
  else echo "RESULT bad.leftover_mount no"; fi
}

# Scenario ioctl: the ioctl attach instead of netlink (--no-netlink, as nbd-client -nonetlink),
# with two connections: write, unmount + remount with caches dropped, verify; then kill -9 while
# mounted: NBD_DO_IT ran on one of the dead process's threads, and the device must still fail
# I/O, let go of the mount and detach.
ioctl_attach() {
  provision_bg ioc --device /dev/disk/ioc --mount /run/ioc --no-netlink --connections 2 --timeout 120 \
    --dead-connection-timeout 2
  echo "RESULT ioc.backend $(sed -n 's/.*"backend":"\([^"]*\)".*/\1/p' /tmp/ioc.out | head -1 | tr ' ' '_')"
  fill /run/ioc
  echo "RESULT ioc.random.written $(sha256sum /run/ioc/random | cut -d' ' -f1)"
  umount /run/ioc
  echo 3 > /proc/sys/vm/drop_caches
  mount -o nodev,nosuid "$DEV_ioc" /run/ioc
  echo "RESULT ioc.random.read $(sha256sum /run/ioc/random | cut -d' ' -f1)"
  echo "RESULT ioc.payload.read $(sha256sum /run/ioc/payload | cut -d' ' -f1)"
  kill -9 "$JVM_ioc"; wait "$PID_ioc" 2>/dev/null || true
  # When NBD_DO_IT's thread dies the kernel tears the device down to size 0: a read then ends
  # at once with no data (dd succeeds reading nothing) instead of an I/O error; either way no
  # block comes back, and the files on the mount can no longer be read.
  t0=$(now_ms)
  if dd if="$DEV_ioc" of=/tmp/ioc.after bs=4096 count=1 skip=200 iflag=direct 2>/dev/null; then
    if [ -s /tmp/ioc.after ]; then echo "RESULT ioc.read_after_kill data"; else echo "RESULT ioc.read_after_kill empty"; fi
  else
    echo "RESULT ioc.read_after_kill failed"
  fi
  echo "RESULT ioc.fail_ms $(( $(now_ms) - t0 ))"
  echo "RESULT ioc.size_after_kill $(blockdev --getsize64 "$DEV_ioc" 2>/dev/null || echo none)"
  echo 3 > /proc/sys/vm/drop_caches
  if cat /run/ioc/random > /dev/null 2>&1; then echo "RESULT ioc.file_after_kill read"; else echo "RESULT ioc.file_after_kill failed"; fi
  umount -l /run/ioc
  nbdcrypt detach "$DEV_ioc" || true
  i=0; while [ -e "/sys/block/${DEV_ioc#/dev/}/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if [ -e "/sys/block/${DEV_ioc#/dev/}/pid" ]; then echo "RESULT ioc.detached no"; else echo "RESULT ioc.detached yes"; fi
}

# Scenario multiconn: does a second NBD connection help? The same disk provisioned with one and
# then two connections; each time 48 MiB written and read back with O_DIRECT, 1 MiB requests.
# Under TCG the guest's CPU is emulated, so only the ratio between the two means anything.
multiconn() {
  head -c 48M /dev/urandom > /tmp/mc.data
  echo "RESULT mc.data $(sha256sum /tmp/mc.data | cut -d' ' -f1)"
  multiconn_round 1
  multiconn_round 2
}

multiconn_round() {   # multiconn_round C: provision with C connections, move the data, destroy
  c=$1
  provision_bg mc$c --device /dev/disk/mc --mount /run/mc --connections $c --timeout 120
  t0=$(now_ms); dd if=/tmp/mc.data of=/run/mc/big bs=1M oflag=direct 2>/dev/null; sync
  echo "RESULT mc$c.write_ms $(( $(now_ms) - t0 ))"
  t0=$(now_ms); dd if=/run/mc/big of=/dev/null bs=1M iflag=direct 2>/dev/null
  echo "RESULT mc$c.read_ms $(( $(now_ms) - t0 ))"
  # Untimed: what comes back through the device (O_DIRECT again, past the page cache).
  echo "RESULT mc$c.read_sha $(dd if=/run/mc/big bs=1M iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
  nbdcrypt destroy --mount /run/mc > /tmp/mc$c.destroy 2>&1 || { cat /tmp/mc$c.destroy /tmp/mc$c.err; return 1; }
  wait "$(eval echo \$PID_mc$c)" 2>/dev/null || true
}

# run_scenario NAME FUNCTION: runs it and prints RESULT scenario.NAME. The TCG crash
# (guest-jvm.sh) can take a daemon mid-I/O, where guest-jvm.sh's rerun of one command cannot
# help: a scenario that failed after a JVM crashed is cleaned up and run once more (the crash
# counted and printed). Its lines are held back until it ends, so each RESULT comes once.
run_scenario() {
  name=$1; shift
  before=$(jvm_crash_evidence)
  set +e; (set -e; "$@") > "/tmp/scenario.$name.out" 2>&1; rc=$?; set -e
  if [ "$rc" != 0 ] && [ "$(jvm_crash_evidence)" -gt "$before" ]; then
    sed "s/^RESULT /$name-attempt-1: /" "/tmp/scenario.$name.out"
    echo "$name: a JVM crashed (exit $rc); cleaning up, running it once more"
    record_jvm_crashes "scenario $name"
    clean_up_after_crash
    set +e; (set -e; "$@") > "/tmp/scenario.$name.out" 2>&1; rc=$?; set -e
  fi
  cat "/tmp/scenario.$name.out"
  if [ "$rc" = 0 ]; then echo "RESULT scenario.$name pass"; else echo "RESULT scenario.$name exit=$rc"; fi
}

# What a crashed scenario may have left that any scenario could: our JVMs, mounts of NBD
# devices, attached devices. A scenario with state of its own (pair, bad_input) removes an
# earlier attempt's at its start.
clean_up_after_crash() {
  pkill -9 -f -- "$NBDCRYPT_JAR" || true
  sleep 1
  grep '^/dev/nbd' /proc/mounts | cut -d' ' -f2 | while read -r m; do umount -l "$m" || true; done
  for p in /sys/block/nbd*/pid; do
    [ -e "$p" ] || continue
    d=${p#/sys/block/}; $NBDCRYPT detach "/dev/${d%/pid}" > /dev/null 2>&1 || true
  done
}

nbdcrypt --version
run_scenario basic basic
run_scenario cryptsetup cryptsetup_sequence
run_scenario pair pair
run_scenario bad bad_input
run_scenario ioctl ioctl_attach
run_scenario multiconn multiconn
report_jvm_crashes
