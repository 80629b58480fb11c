# The guest side of DmCryptBackendIT: nbdcrypt's dm-crypt backend against cryptsetup, dmsetup and
# the kernel NBD client, in one boot. The host prepends JAVA, JAVA_FLAGS (the program's @argfiles
# from scripts/jvm), JAR, TEST_CLASSES (host paths: the
# host's / is /host here, and `chroot /host` runs them), HOST_DIR (holds the passphrase),
# FILE_KIB, FS_MIB, FIO_MIB, FIO_SECONDS and MARKER.
# Disks: /dev/disk/v4k (LUKS2 by cryptsetup, 4096-byte sectors, header on the disk) and
# /dev/disk/v512 (LUKS2, 512-byte sectors, 256-bit key) with its detached header on
# /dev/disk/v512hdr, and /dev/disk/tweakhdr, the same header with the segment's iv_tweak set to 24.
# /dev/disk/prov, prov3: blank scratch disks for provision.
set -eu
# C1 only and the serial collector: fewer threads competing for the guest's two emulated CPUs.
JOPTS="$JAVA_FLAGS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
KEY=$HOST_DIR/passphrase   # as the chroot (our program) sees it
CSKEY=/host$KEY             # as cryptsetup here sees it
HDR=/dev/disk/v512hdr
mkdir -p /mnt/cs /mnt/nbd /host/mnt/ours

nbdcrypt() { chroot /host "$JAVA" $JOPTS -jar "$JAR" "$@"; }
b64() { base64 | tr -d '\n'; }
# put NAME TEXT: a text result (base64, so spaces and lines survive the RESULT line)
put() { echo "RESULT $1 $(printf '%s' "$2" | b64)"; printf '%s\n' "$2" | sed "s/^/  [$1] /"; }
# report NAME FILE: the file's sha256, once its size is FILE_KIB KiB
report() {
  test "$(stat -c %s "$2")" = $((FILE_KIB * 1024))
  echo "RESULT $1 $(sha256sum "$2" | cut -d' ' -f1)"
}
# table NAME: the live table with the key reference's description replaced (it names the key, not the layout)
table() { dmsetup table --showkeys "$1" | sed -E 's/:([0-9]+):logon:[^ ]+/:\1:logon:KEYREF/'; }
gone() { if [ -e "/dev/mapper/$1" ] || dmsetup info "$1" >/dev/null 2>&1; then echo left; else echo gone; fi; }
write_files() {   # DIR NAME: a random file and a marker file the host looks for on the raw disk
  dd if=/dev/urandom of="$1/$2" bs=1024 count="$FILE_KIB" 2>/dev/null
  yes "$MARKER" | head -c $((FILE_KIB * 1024)) > "$1/marker-$2"
}
# fio_run NAME DEVICE: the same job on both paths, on the region after the file system; KiB/s
fio_run() {
  for rw in write read; do
    out=$(chroot /host fio --minimal --name="$1" --filename="$2" --offset="${FS_MIB}M" --size="${FIO_MIB}M" \
      --bs=1M --rw=$rw --direct=1 --ioengine=libaio --iodepth=16 --time_based --runtime="$FIO_SECONDS")
    field=7; [ $rw = write ] && field=48
    echo "RESULT fio.$1.$rw $(echo "$out" | cut -d';' -f$field)"
  done
}

# Scenario v4k: cryptsetup's mapping read and closed by nbdcrypt; then nbdcrypt's own mapping,
# whose table and cryptsetup status must match cryptsetup's.
v4k_tables() {
  cryptsetup open --key-file "$CSKEY" /dev/disk/v4k theirs
  put table.v4k.theirs "$(table theirs)"
  put status.v4k.theirs.cryptsetup "$(cryptsetup status theirs)"
  put status.v4k.theirs.nbdcrypt "$(nbdcrypt status theirs)"
  nbdcrypt close theirs
  echo "RESULT close.theirs.by-nbdcrypt $(gone theirs)"
  put open.v4k.stdout "$(nbdcrypt open --backend dm-crypt /dev/disk/v4k ours --key-file "$KEY")"
  put table.v4k.ours "$(table ours)"
  put status.v4k.ours.cryptsetup "$(cryptsetup status ours)"
}

# Scenario ours_writes: an ext4 through our mapping, files in it; fio on the rest; cryptsetup closes ours.
ours_writes() {
  mkfs.ext4 -q -F /dev/mapper/ours "$((FS_MIB * 1024))k"
  mount /dev/mapper/ours /host/mnt/ours
  write_files /host/mnt/ours f1
  report ours.f1.written /host/mnt/ours/f1
  umount /host/mnt/ours
  fio_run dm /dev/mapper/ours
  cryptsetup close ours
  echo "RESULT close.ours.by-cryptsetup $(gone ours)"
}

# Scenario nbd: nbdcrypt serve, in this guest, exports the same volume on a unix socket; the
# kernel NBD client (4096-byte blocks, the volume's sector size) reads f1 and writes f2.
nbd_reads_and_writes() {
  blockdev --flushbufs /dev/disk/v4k; echo 3 > /proc/sys/vm/drop_caches   # nothing stale under the server
  chroot /host "$JAVA" $JOPTS -jar "$JAR" serve /dev/disk/v4k \
    --key-file "$KEY" --socket /tmp/nbd.sock > /tmp/serve.out 2> /tmp/serve.log &
  serve=$!
  i=0; while [ ! -S /host/tmp/nbd.sock ]; do
    i=$((i + 1)); [ $i -le 600 ] && kill -0 $serve || { cat /tmp/serve.log; return 1; }; sleep 1
  done
  nbd-client -unix /host/tmp/nbd.sock /dev/nbd0 -b 4096
  mount /dev/nbd0 /mnt/nbd
  report nbd.f1.read /mnt/nbd/f1
  write_files /mnt/nbd f2
  report nbd.f2.written /mnt/nbd/f2
  umount /mnt/nbd
  fio_run nbd /dev/nbd0
  nbd-client -d /dev/nbd0
  kill -TERM $serve; wait $serve || true
  cat /tmp/serve.log
}

# Scenario cryptsetup_reads: cryptsetup's own mapping reads the file each path wrote.
cryptsetup_reads() {
  blockdev --flushbufs /dev/disk/v4k
  cryptsetup open --readonly --key-file "$CSKEY" /dev/disk/v4k cs
  mount -o ro /dev/mapper/cs /mnt/cs
  report cs.f1 /mnt/cs/f1
  report cs.f2 /mnt/cs/f2
  umount /mnt/cs
  cryptsetup close cs
}

# Scenario v512: a detached header, 512-byte sectors, a 256-bit key and every flag
# the commands offer, opened by both; cryptsetup also reads our status and closes ours.
v512_tables() {
  flags="--allow-discards --perf-no_read_workqueue --perf-no_write_workqueue"
  cryptsetup open --header "$HDR" --key-file "$CSKEY" $flags /dev/disk/v512 theirs512
  put table.v512.theirs "$(table theirs512)"
  put status.v512.theirs.cryptsetup "$(cryptsetup status theirs512)"
  cryptsetup close theirs512
  nbdcrypt open --header "$HDR" --key-file "$KEY" $flags /dev/disk/v512 ours512 > /dev/null
  put table.v512.ours "$(table ours512)"
  put status.v512.ours.cryptsetup "$(cryptsetup status ours512)"
  put status.v512.ours.nbdcrypt "$(nbdcrypt status ours512)"
  cryptsetup close ours512
  echo "RESULT close.ours512.by-cryptsetup $(gone ours512)"
}

# Scenario tweak: what cryptsetup makes of a one-segment header whose iv_tweak is not 0 (the probe
# shows nbdcrypt refuses it).
tweak() {
  cryptsetup open --readonly --header /dev/disk/tweakhdr --key-file "$CSKEY" /dev/disk/v512 tweak
  put table.tweak.theirs "$(table tweak)"
  cryptsetup close tweak
}

# Scenario probe: our mapping reads f2 (the NBD path wrote it), stays mounted, and the probe (one
# JVM calling the library) tries what must be refused, checks the keyring, closes it, and tries
# again without dm-crypt.
probe() {
  nbdcrypt open /dev/disk/v4k ours --key-file "$KEY" > /dev/null
  mount /dev/mapper/ours /host/mnt/ours
  report ours.f2.read /host/mnt/ours/f2
  chroot /host "$JAVA" $JOPTS -cp "$JAR:$TEST_CLASSES" io.nbdcrypt.vm.DmCryptGuestProbe \
    /dev/disk/v4k /dev/disk/v512 "$HDR" /dev/disk/tweakhdr "$KEY" /mnt/ours
}

# Scenario nocap: root without CAP_SYS_ADMIN (bounding set) cannot use device-mapper. (A full
# path: busybox's chroot would run its own setpriv applet.)
nocap() {
  rc=0
  out=$(chroot /host /usr/bin/setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin "$JAVA" $JOPTS -jar "$JAR" \
    open /dev/disk/v4k nocap --key-file "$KEY" 2>&1) || rc=$?
  echo "RESULT nocap.exit $rc"
  put nocap.message "$out"
  echo "RESULT nocap.mapping $(gone nocap)"
}

# provision_bg NAME ARGS...: `nbdcrypt provision --json ARGS` in the background until its
# "provisioned" line; sets PID_NAME. Mount points are the chroot's (/mnt/X is /host/mnt/X here).
provision_bg() {
  name=$1; shift
  # exec: $! must be the JVM itself, so that SIGTERM reaches it (not a subshell around it)
  (exec chroot /host "$JAVA" $JOPTS -jar "$JAR" provision --json "$@") > "/tmp/$name.out" 2> "/tmp/$name.err" &
  eval "PID_$name=$!"
  i=0
  while ! grep -q '"provisioned"' "/tmp/$name.out" 2>/dev/null; do
    kill -0 "$(eval echo \$PID_$name)" 2>/dev/null || { cat "/tmp/$name.err"; return 1; }
    i=$((i + 1)); [ $i -lt 6000 ] || { echo "provision $name: no line in 600 s"; return 1; }
    sleep 0.1
  done
}
# stop_provision NAME: SIGTERM (destroy), wait, report the exit and the destroyed line
stop_provision() {
  kill -TERM "$(eval echo \$PID_$1)"
  rc=0; wait "$(eval echo \$PID_$1)" || rc=$?
  echo "RESULT $1.exit $rc"
  put "$1.destroyed" "$(grep '"destroyed"' "/tmp/$1.out")"
  put "$1.stderr" "$(cat "/tmp/$1.err")"
}
field() { sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" "/tmp/$1.out" | head -1; }
# usable nbdcrypt keys in /proc/keys (not revoked, not dead), as root sees them
live_keys() { grep ' nbdcrypt:' /proc/keys | awk '$2 !~ /[RD]/' | wc -l; }

# Scenario prov_dm: provision --backend dm-crypt: the ephemeral volume mapped by the kernel;
# while it runs no usable key is in the keyring; SIGTERM destroys it.
prov_dm() {
  provision_bg pdm --backend dm-crypt --device /dev/disk/prov --mount /mnt/prov
  put pdm.line "$(grep '"provisioned"' /tmp/pdm.out)"
  dev=$(field pdm device); name=${dev#/dev/mapper/}
  put pdm.table "$(table "$name")"
  put pdm.status "$(cryptsetup status "$name")"
  echo "RESULT pdm.keys $(live_keys)"
  grep -q ' /host/mnt/prov ext4 rw,nosuid,nodev' /proc/mounts && echo "RESULT pdm.mounted nosuid,nodev"
  write_files /host/mnt/prov p; sync
  report pdm.p.written /host/mnt/prov/p
  stop_provision pdm
  echo "RESULT pdm.mapping $(gone "$name")"
  if grep -q ' /host/mnt/prov ' /proc/mounts; then echo "RESULT pdm.unmounted no"; else echo "RESULT pdm.unmounted yes"; fi
}

# Scenario prov_auto_dm (the probe showed auto takes nbd while the NBD client is there): the NBD client taken away (module unloaded, its file hidden, the kernel's
# module loader pointed at /bin/false): auto takes dm-crypt and says why.
prov_auto_dm() {
  rmmod nbd
  rm -f /host/lib/modules/"$(uname -r)"/kernel/drivers/block/nbd.ko*
  loader=$(cat /proc/sys/kernel/modprobe); echo /bin/false > /proc/sys/kernel/modprobe
  rc=0; (set -e
    provision_bg pad --device /dev/disk/prov3 --mount /mnt/prov3
    put pad.line "$(grep '"provisioned"' /tmp/pad.out)"
    write_files /host/mnt/prov3 p; sync
    stop_provision pad) || rc=$?
  echo "$loader" > /proc/sys/kernel/modprobe
  return $rc
}

run_scenario() {
  name=$1; shift
  echo "vmtest: scenario $name at $(cut -d' ' -f1 /proc/uptime) s"
  set +e
  (set -e; "$@")
  rc=$?
  set -e
  if [ "$rc" = 0 ]; then echo "RESULT scenario.$name pass"; else echo "RESULT scenario.$name exit=$rc"; fi
}

run_scenario v4k v4k_tables
run_scenario ours_writes ours_writes
run_scenario nbd nbd_reads_and_writes
run_scenario cryptsetup_reads cryptsetup_reads
run_scenario v512 v512_tables
run_scenario tweak tweak
run_scenario probe probe
run_scenario nocap nocap
run_scenario prov_dm prov_dm
run_scenario prov_auto_dm prov_auto_dm
echo "vmtest: scenarios done at $(cut -d' ' -f1 /proc/uptime) s"
