# The guest side of LuksGuestBoot (one boot, three kinds of scenario). The host prepends FILE_KIB
# and TAIL_MIB (the served volume's last TAIL_MIB MiB hold the 1 KiB-block ext4, the rest the
# 4 KiB one). /vmtest/passphrase unlocks every volume; /vmtest/fromhost is FILE_KIB KiB of host data;
# /dev/disk/served is the LUKS2 image nbdcrypt serves at $NBD_HOST:$NBD_PORT (the same file);
# /dev/disk/host512 a LUKS2 volume nbdcrypt formatted and the host wrote through nbdcrypt serve;
# /dev/disk/cs4096 and /dev/disk/cs512 are blank disks for cryptsetup's own volumes.
set -eu

# report NAME FILE: the file's sha256, once its size is FILE_KIB KiB
report() {
  test "$(stat -c %s "$2")" = $((FILE_KIB * 1024))
  echo "RESULT $1 $(sha256sum "$2" | cut -d' ' -f1)"
}

# Scenario tail: the kernel NBD client writes an ext4 with 1 KiB blocks into the served volume's
# tail, through a 512-byte /dev/nbd1 and a linear map: most metadata blocks are partial 4096-byte
# sectors, so the server reads, patches and re-encrypts sectors while the kernel writes
# neighbouring blocks at the same time.
tail_map() {
  tail_sectors=$((TAIL_MIB * 2048))
  dmsetup create tail --table "0 $tail_sectors linear /dev/nbd1 $(( $(blockdev --getsz /dev/nbd1) - tail_sectors ))"
}
nbd_client_writes_partial_sectors() {
  nbd-client -b 512 "$NBD_HOST" "$NBD_PORT" /dev/nbd1
  tail_map
  mkfs.ext4 -q -F -b 1024 /dev/mapper/tail
  mkdir -p /mnt/tail
  mount /dev/mapper/tail /mnt/tail
  dd if=/dev/urandom of=/mnt/tail/f1k bs=1024 count="$FILE_KIB" 2>/dev/null
  report tail.f1k.written /mnt/tail/f1k
  umount /mnt/tail
  dmsetup remove tail
  blockdev --flushbufs /dev/nbd1
  echo 3 > /proc/sys/vm/drop_caches
  tail_map
  mount -o ro /dev/mapper/tail /mnt/tail
  report tail.f1k.read /mnt/tail/f1k
  umount /mnt/tail
  dmsetup remove tail
  nbd-client -d /dev/nbd1
}

# Scenario nbd: the kernel NBD client writes an ext4 through nbdcrypt serve, on all but the tail.
# -b 4096: the volume's sector size. dm-crypt gives a 4096-byte-sector volume 4096-byte logical
# blocks, so only a file system made with blocks that large opens there too (nbd-client's
# default 512 lets mkfs pick 1 KiB blocks, which dm-crypt then refuses: "bad block size 1024").
nbd_client_writes() {
  nbd-client -b 4096 "$NBD_HOST" "$NBD_PORT" /dev/nbd0
  mkdir -p /mnt/nbd
  echo "RESULT nbd.size $(blockdev --getsize64 /dev/nbd0)"
  mkfs.ext4 -q -F /dev/nbd0 "$(( $(blockdev --getsize64 /dev/nbd0) / 1024 - TAIL_MIB * 1024 ))k"
  mount /dev/nbd0 /mnt/nbd
  cp /vmtest/fromhost /mnt/nbd/fromhost
  dd if=/dev/urandom of=/mnt/nbd/fromguest bs=1024 count="$FILE_KIB" 2>/dev/null
  report nbd.fromguest.written /mnt/nbd/fromguest
  umount /mnt/nbd
  # Forget every cached block, so the reads below come from the server.
  blockdev --flushbufs /dev/nbd0
  echo 3 > /proc/sys/vm/drop_caches
  mount -o ro /dev/nbd0 /mnt/nbd
  report nbd.fromhost.read /mnt/nbd/fromhost
  report nbd.fromguest.read /mnt/nbd/fromguest
  umount /mnt/nbd
  nbd-client -d /dev/nbd0
}

# Scenario served: dm-crypt opens the image nbdcrypt wrote (read-only: the server still has it open).
# The server's writes reached the file when the unmount above flushed them; dm-crypt's reads go
# to the virtio disk, not through the guest's page cache of /dev/disk/served.
dm_crypt_reads_served() {
  cryptsetup open --readonly --key-file /vmtest/passphrase /dev/disk/served served
  mkdir -p /mnt/served
  echo "RESULT served.size $(blockdev --getsize64 /dev/mapper/served)"
  mount -o ro /dev/mapper/served /mnt/served
  report served.fromhost /mnt/served/fromhost
  report served.fromguest /mnt/served/fromguest
  umount /mnt/served
  cryptsetup close served
}

# Scenario host512: dm-crypt opens the volume nbdcrypt formatted with 512-byte sectors and a
# 256-bit key, into which the host copied an ext4 (with /f) through nbdcrypt serve before the boot.
dm_crypt_reads_host_written() {
  cryptsetup open --readonly --key-file /vmtest/passphrase /dev/disk/host512 host512
  status=$(cryptsetup status host512)
  echo "RESULT host512.keysize $(echo "$status" | sed -n 's/^ *keysize: *\([0-9]*\) bits.*/\1/p')"
  echo "RESULT host512.sectorsize $(echo "$status" | sed -n 's/^ *sector size: *\([0-9]*\).*/\1/p')"
  mkdir -p /mnt/host512
  mount -o ro /dev/mapper/host512 /mnt/host512
  report host512.f /mnt/host512/f
  umount /mnt/host512
  cryptsetup close host512
}

# Scenarios cs4096, cs512: cryptsetup makes its own LUKS2 volume, dm-crypt fills it (the host serves it later).
# dm_crypt_writes NAME SECTOR_SIZE
dm_crypt_writes() {
  cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
    --sector-size "$2" --key-file /vmtest/passphrase "/dev/disk/$1"
  cryptsetup open --key-file /vmtest/passphrase "/dev/disk/$1" "$1"
  echo "RESULT $1.size $(blockdev --getsize64 "/dev/mapper/$1")"
  mkfs.ext4 -q -F "/dev/mapper/$1"
  mkdir -p "/mnt/$1"
  mount "/dev/mapper/$1" "/mnt/$1"
  dd if=/dev/urandom of="/mnt/$1/f" bs=1024 count="$FILE_KIB" 2>/dev/null
  report "$1.f" "/mnt/$1/f"
  umount "/mnt/$1"
  cryptsetup close "$1"
}

# run_scenario NAME COMMAND...: runs COMMAND in a subshell that stops at its first failing
# command and reports "RESULT scenario.NAME pass" or "exit=N". The next scenario still runs, so
# one broken direction does not hide the others; the host checks each scenario's status.
run_scenario() {
  name=$1; shift
  set +e
  (set -e; "$@")
  rc=$?
  set -e
  if [ "$rc" = 0 ]; then echo "RESULT scenario.$name pass"; else echo "RESULT scenario.$name exit=$rc"; fi
}

run_scenario tail nbd_client_writes_partial_sectors
run_scenario nbd nbd_client_writes
run_scenario served dm_crypt_reads_served
run_scenario host512 dm_crypt_reads_host_written
run_scenario cs4096 dm_crypt_writes cs4096 4096
run_scenario cs512 dm_crypt_writes cs512 512
