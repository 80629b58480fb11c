# The guest side of AuthenticatedGuestIT. $NBD_HOST:$NBD_PORT is an authenticated volume
# served on the host (in the test JVM). The guest makes an ext4 on it, writes a victim file
# (every 4 KiB block starts with NBDCRYPT-VICTIM-BLOCK), a directory holding a file named
# NBDCRYPT-DIR-ENTRY, and a control file; syncs; then rings the host's doorbell (a write of
# "tamper" into the last 4 KiB of the device, outside the file system), upon which the host
# damages the blocks that held those markers in the backing file, underneath the running
# server. With its caches dropped the guest reads everything again: the victim and the
# directory must fail with I/O errors, the control file must read as written.
set -u
mnt=/mnt/auth
nbd-client -b 4096 "$NBD_HOST" "$NBD_PORT" /dev/nbd0
size=$(blockdev --getsize64 /dev/nbd0)
echo "RESULT nbd.size $size"
# No journal, so the directory block is in its place (not only in the journal) once synced.
# The last MiB stays outside the file system, for the doorbell.
mkfs.ext4 -q -F -b 4096 -O ^has_journal /dev/nbd0 "$(( size / 1024 - 1024 ))k"
mkdir -p "$mnt"
mount /dev/nbd0 "$mnt"
i=0
while [ "$i" -lt 256 ]; do
  { printf 'NBDCRYPT-VICTIM-BLOCK-%06d' "$i"; head -c 4068 /dev/urandom; }
  i=$((i + 1))
done > "$mnt/victim"
mkdir "$mnt/dir"
echo hello > "$mnt/dir/NBDCRYPT-DIR-ENTRY"
head -c 1048576 /dev/urandom > "$mnt/control"
echo "RESULT control.written $(sha256sum < "$mnt/control" | cut -d' ' -f1)"
sync
echo 3 > /proc/sys/vm/drop_caches
echo "RESULT victim.before $(sha256sum < "$mnt/victim" | cut -d' ' -f1)"
# The doorbell: one direct 4 KiB write into the last block of the device.
printf 'tamper' > /tmp/bell
truncate -s 4096 /tmp/bell 2>/dev/null || dd if=/dev/zero bs=1 count=$((4096 - 6)) >> /tmp/bell 2>/dev/null
dd if=/tmp/bell of=/dev/nbd0 bs=4096 seek=$(( size / 4096 - 1 )) count=1 conv=notrunc oflag=direct 2>/dev/null
# Forget every cached block: the page cache, and the buffer cache ext4 keeps directory blocks in.
echo 3 > /proc/sys/vm/drop_caches
blockdev --flushbufs /dev/nbd0
if cat "$mnt/victim" > /dev/null 2> /tmp/victim.err; then
  echo "RESULT victim.read ok"
else
  echo "RESULT victim.read failed"
  echo "RESULT victim.error $(tr ' ' '_' < /tmp/victim.err | head -c 160)"
fi
# busybox ls reports a failed readdir on stderr but may still exit 0: judge by what it printed.
ls "$mnt/dir" > /tmp/dir.out 2> /tmp/dir.err
if [ -s /tmp/dir.err ] || ! grep -q NBDCRYPT-DIR-ENTRY /tmp/dir.out; then
  echo "RESULT dir.list failed"
  echo "RESULT dir.error $(tr ' ' '_' < /tmp/dir.err | head -c 160)"
else
  echo "RESULT dir.list ok"
fi
echo "RESULT control.read $(sha256sum < "$mnt/control" | cut -d' ' -f1)"
echo "RESULT kernel.io_errors $(dmesg | grep -ci 'I/O error')"
echo "RESULT kernel.ext4_errors $(dmesg | grep -cE 'EXT4-fs (error|warning)')"
dmesg | grep -i -e 'I/O error' -e 'EXT4-fs' | tail -8
umount "$mnt" 2>/dev/null || umount -l "$mnt"
nbd-client -d /dev/nbd0
echo "RESULT done yes"
