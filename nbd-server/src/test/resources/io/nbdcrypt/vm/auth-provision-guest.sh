# The guest side of AuthenticatedProvisionIT: nbdcrypt provision --authenticated inside the guest
# (the host's JDK and jar over 9p, in a chroot of the host's /), on the virtio scratch disk
# /dev/disk/auth. The host prepends NBDCRYPT. /dev/disk/signal is a small disk both sides
# watch: the guest writes "READY <fs blocks>" there once its files are on the disk, the host
# damages those blocks of the scratch image (underneath the running server, as a hostile host
# would) and answers "DONE". Lines "RESULT name value" go to the host.
set -eu
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /run/cryptsetup /run/lock
# nbdcrypt(), nbdcrypt_daemon(): guest-jvm.sh, sourced before this script
mnt=/run/kata-containers/image

# No journal, so the directory's block is in its place (not only in the journal) once synced.
nbdcrypt_daemon /tmp/prov.out provision --json --authenticated --metadata-cache 8M --device /dev/disk/auth \
  --mount "$mnt" --header /tmp/auth.luks --mkfs-options "-O ^has_journal" 2> /tmp/prov.err &
pid=$!
i=0
while ! grep -q '"provisioned"' /tmp/prov.out 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then cat /tmp/prov.err; exit 1; fi
  i=$((i + 1)); [ $i -lt 3000 ] || { echo "provision: no line in 300 s"; exit 1; }
  sleep 0.1
done
cat /tmp/prov.out
dev=$(sed -n 's/.*"device":"\([^"]*\)".*/\1/p' /tmp/prov.out | head -1)
echo "RESULT device $dev"
echo "RESULT mode $(sed -n 's/.*"mode":"\([^"]*\)".*/\1/p' /tmp/prov.out | head -1)"

dd if=/dev/urandom of="$mnt/victim" bs=1M count=2 2>/dev/null
mkdir "$mnt/dir"
echo hello > "$mnt/dir/entry"
dd if=/dev/urandom of="$mnt/control" bs=1M count=2 2>/dev/null
echo "RESULT control.written $(sha256sum "$mnt/control" | cut -d' ' -f1)"
sync
blocks="$(debugfs -R 'blocks /victim' "$dev" 2>/dev/null) $(debugfs -R 'blocks /dir' "$dev" 2>/dev/null)"
echo "RESULT victim.blocks $(echo $blocks | wc -w)"
printf 'READY %s\n' "$blocks" > /tmp/signal
truncate -s 65536 /tmp/signal
dd if=/tmp/signal of=/dev/disk/signal bs=65536 count=1 oflag=direct conv=notrunc 2>/dev/null
i=0
until dd if=/dev/disk/signal bs=4096 count=1 iflag=direct 2>/dev/null | grep -q DONE; do
  i=$((i + 1)); [ $i -lt 1200 ] || { echo "the host did not answer in 120 s"; exit 1; }
  sleep 0.1
done
echo "RESULT host.tampered yes"

# Forget every cached block, then read again through the authenticated volume.
echo 3 > /proc/sys/vm/drop_caches
blockdev --flushbufs "$dev"
if cat "$mnt/victim" > /dev/null 2> /tmp/victim.err; then echo "RESULT victim.read ok"; else echo "RESULT victim.read failed"; fi
echo "RESULT victim.error $(head -c 160 /tmp/victim.err | tr ' ' '_')"
if ls "$mnt/dir" 2> /tmp/dir.err | grep -q entry; then echo "RESULT dir.list ok"; else echo "RESULT dir.list failed"; fi
echo "RESULT control.read $(sha256sum "$mnt/control" | cut -d' ' -f1)"
echo "RESULT kernel.io_errors $(dmesg | grep -c 'I/O error')"
echo "RESULT kernel.ext4_errors $(dmesg | grep -cE 'EXT4-fs (error|warning)')"
dmesg | grep -e 'I/O error' -e 'EXT4-fs' | tail -6
echo "RESULT server.logged $(grep -c 'failed authentication' /tmp/prov.err || true)"

nbdcrypt destroy --mount "$mnt" --json > /tmp/destroy.out
cat /tmp/destroy.out
rc=0; wait "$pid" || rc=$?
echo "RESULT provision.exit $rc"

# The header file: cryptsetup shows the mode and refuses to map the volume.
echo "RESULT luksdump.requirements $(cryptsetup luksDump /tmp/auth.luks | sed -n 's/^Requirements:\t*//p' | tr -d ' ')"
rc=0; cryptsetup open --header /tmp/auth.luks --key-file /tmp/auth.luks.key /dev/disk/auth authx 2> /tmp/open.err || rc=$?
echo "RESULT cryptsetup.open.rc $rc"
echo "RESULT cryptsetup.open.error $(head -c 160 /tmp/open.err | tr ' ' '_')"
if [ -e /dev/mapper/authx ]; then echo "RESULT cryptsetup.mapped yes"; cryptsetup close authx; else echo "RESULT cryptsetup.mapped no"; fi
echo "RESULT done yes"
report_jvm_crashes
