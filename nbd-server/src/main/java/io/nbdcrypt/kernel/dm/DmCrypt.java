package io.nbdcrypt.kernel.dm;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.DeviceInUseException;
import io.nbdcrypt.block.DeviceLock;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.linux.BlockDevices;
import io.nbdcrypt.linux.DeviceMapper;
import io.nbdcrypt.linux.DeviceNumber;
import io.nbdcrypt.linux.DmDevice;
import io.nbdcrypt.linux.DmIoctl;
import io.nbdcrypt.linux.DmTarget;
import io.nbdcrypt.linux.Errno;
import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.NativeException;
import io.nbdcrypt.luks.LuksVolumes;
import io.nbdcrypt.luks.common.VolumeInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The dm-crypt backend: a LUKS2 volume opened in Java (header validated, key derived here),
 * handed to the kernel's dm-crypt, which then carries the data path at
 * {@code /dev/mapper/NAME}. No cryptsetup, libcryptsetup or dmsetup at run time.
 *
 * <p>{@link #open}: the checks that cost nothing come first (name, device-mapper and dm-crypt
 * present, name free, data device a block device nobody holds), then the KDF, then the
 * table: {@code DM_DEV_CREATE} with cryptsetup's DM UUID, {@code DM_TABLE_LOAD} of the
 * {@link CryptTable} cryptsetup would build (the key as a keyring reference, see
 * {@link KernelKey}), {@code DM_DEV_SUSPEND} to resume it, the {@code /dev/mapper} node. The
 * key leaves the keyring once the table is live, and on every failure; a failure removes the
 * half-made mapping too, so a {@link DmCryptException} from here means nothing was left
 * behind. {@link #close} and {@link #status} work on cryptsetup's mappings as on ours.
 *
 * <p>Each method is a library call a Java agent can make; the {@code open}, {@code close} and
 * {@code status} commands are thin wrappers. Thread-safe (no state besides paths).
 */
public final class DmCrypt {
    /** dm-crypt 1.18.1 (Linux 4.10) first takes keys from the kernel keyring. */
    private static final int[] KEYRING_CRYPT_VERSION = {1, 18, 1};
    private static final int REMOVE_ATTEMPTS = 5;

    private final Path mapperDir;
    private final DmErrors errors;

    private DmCrypt(Path control, Path mapperDir) {
        this.mapperDir = mapperDir;
        this.errors = new DmErrors(control);
    }

    /** The machine's device-mapper ({@code /dev/mapper/control}, nodes in {@code /dev/mapper}). */
    public static DmCrypt system() {
        return at(DeviceMapper.CONTROL, DeviceMapper.CONTROL.getParent());
    }

    /** Device-mapper through {@code control}, nodes in {@code mapperDir} (a chroot's /dev, or a test's missing one). */
    public static DmCrypt at(Path control, Path mapperDir) {
        return new DmCrypt(control, mapperDir);
    }

    /** Where the nodes are, {@code /dev/mapper}. */
    public Path mapperDir() {
        return mapperDir;
    }

    /**
     * Opens the LUKS2 volume on {@code device} (header there, or in {@code header}) with
     * {@code passphrase} and maps it as {@code name}.
     *
     * @throws DmCryptException with the reason it could not (nothing is left behind)
     * @throws io.nbdcrypt.luks.common.WrongPassphraseException if no keyslot opens
     * @throws io.nbdcrypt.luks.common.LuksFormatException      if the header is malformed or refused
     */
    public ActiveMapping open(Path device, Optional<Path> header, Passphrase passphrase, MappingName name,
            DmCryptOptions options) throws IOException {
        requireBlockDevice(device);
        try (DeviceMapper dm = errors.openControl()) {
            preflight(dm, name);
            LuksVolumes.UnlockedKey unlocked;
            try (FileBlockDevice data = openExclusive(device);
                    BlockDevice hdr = header.isPresent() ? FileBlockDevice.open(header.get(), true) : null) {
                if (LuksVolumes.version(hdr != null ? hdr : data) != 2) {
                    throw new DmCryptException(DmCryptException.Reason.UNSUPPORTED, device
                            + " holds a LUKS1 volume; the dm-crypt backend maps LUKS2 volumes (serve opens LUKS1)");
                }
                unlocked = LuksVolumes.unlockKey(data, Optional.ofNullable(hdr), passphrase, OptionalInt.empty());
            }
            try (unlocked) {
                DmUuid uuid = uuidFor(unlocked.info(), name);
                return activate(dm, device, unlocked.info(), unlocked.volumeKey(), uuid, name, options);
            }
        }
    }

    /**
     * Maps {@code volume} (its segment: cipher, sector size, offsets, size) on {@code device}
     * with {@code volumeKey} as {@code name}, under the DM UUID {@code uuid}: the call for a
     * volume whose key did not come from a keyslot (an ephemeral one). The caller keeps and
     * wipes {@code volumeKey}.
     *
     * @throws DmCryptException with the reason it could not (nothing is left behind)
     */
    public ActiveMapping activate(Path device, VolumeInfo volume, VolumeKey volumeKey, DmUuid uuid, MappingName name,
            DmCryptOptions options) throws IOException {
        requireBlockDevice(device);
        try (DeviceMapper dm = errors.openControl()) {
            preflight(dm, name);
            return activate(dm, device, volume, volumeKey, uuid, name, options);
        }
    }

    private ActiveMapping activate(DeviceMapper dm, Path device, VolumeInfo volume, VolumeKey volumeKey, DmUuid uuid,
            MappingName name, DmCryptOptions options) throws IOException {
        DeviceNumber number = requireBlockDevice(device);
        long deviceSize = unclaimedSize(device);
        if (volume.dataOffset() + volume.size() > deviceSize) {
            throw new DmCryptException(DmCryptException.Reason.UNSUPPORTED, "the volume's data [" + volume.dataOffset()
                    + ", +" + volume.size() + ") runs past the end of " + device + " (" + deviceSize + " bytes)");
        }
        // The table first: a volume it refuses never has its key in the kernel.
        String description = "nbdcrypt:" + uuid;
        CryptTable table;
        try {
            table = CryptTable.forVolume(volume, number, new KeyReference.Keyring(volumeKey.length(), "logon", description),
                    options.options());
        } catch (IllegalArgumentException e) {
            throw new DmCryptException(DmCryptException.Reason.UNSUPPORTED, device + ": " + e.getMessage(), e);
        }
        try (KernelKey key = KernelKey.add(description, volumeKey)) {
            return load(dm, name, uuid, table, volume.size(), options.readOnly());
        }
    }

    /** Create, load, resume, node; on any failure the device is removed again. */
    private ActiveMapping load(DeviceMapper dm, MappingName name, DmUuid uuid, CryptTable table, long size,
            boolean readOnly) throws IOException {
        try {
            dm.create(name.value(), uuid.toString());
        } catch (IOException e) {
            throw errors.create(name, e);
        }
        try {
            try {
                dm.load(name.value(), List.of(table.target(size / 512)), readOnly);
            } catch (IOException e) {
                throw errors.load(dm, name, table, e);
            }
            DmDevice live;
            try {
                live = dm.resume(name.value());
            } catch (IOException e) {
                throw errors.failed("resume", name, e);
            }
            Path node = new MapperNodes(mapperDir).create(name, live.device());
            return new ActiveMapping(name, node, live.device(), uuid, table, size);
        } catch (IOException | RuntimeException e) {
            try {
                removeWithRetries(dm, name);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Removes the mapping {@code name} (ours or cryptsetup's) and its node. Refused while it
     * is open (mounted, or held by a program).
     *
     * @throws DmCryptException NO_SUCH_MAPPING, MAPPING_BUSY, UNSUPPORTED (not a dm-crypt
     *                          mapping), or why device-mapper could not be used
     */
    public void close(MappingName name) throws IOException {
        try (DeviceMapper dm = errors.openControl()) {
            DmDevice d = existing(dm, name);
            List<DmTarget> table = errors.call("DM_TABLE_STATUS", name, () -> dm.table(name.value()));
            if (table.isEmpty() || !table.stream().allMatch(t -> t.type().equals("crypt"))) {
                throw new DmCryptException(DmCryptException.Reason.UNSUPPORTED, "mapping " + name
                        + " is not a dm-crypt mapping (targets: " + table.stream().map(DmTarget::type).toList() + ")");
            }
            if (d.openCount() > 0) {
                throw busy(name, d.openCount());
            }
            removeWithRetries(dm, name);
            new MapperNodes(mapperDir).remove(name);
        }
    }

    /**
     * Takes the mapping {@code name} and its key out of the kernel even while something still
     * has it open (a lazily unmounted file system, a program holding the node): removes it if
     * it can; otherwise replaces its table by an {@code error} target of the same length (the
     * crypt target, and the key dm-crypt zeroes when it drops it, are gone at once; further I/O
     * fails) and asks for its removal when the last opener closes it. Returns what it did.
     *
     * @throws DmCryptException NO_SUCH_MAPPING, UNSUPPORTED (not a dm-crypt mapping), or why device-mapper failed
     */
    public String destroy(MappingName name) throws IOException {
        try {
            close(name);
            return "removed " + mapperDir.resolve(name.value());
        } catch (DmCryptException e) {
            if (e.reason() != DmCryptException.Reason.MAPPING_BUSY) {
                throw e;
            }
        }
        try (DeviceMapper dm = errors.openControl()) {
            long sectors = errors.call("DM_TABLE_STATUS", name, () -> dm.table(name.value())).stream()
                    .mapToLong(DmTarget::length).sum();
            errors.call("DM_TABLE_LOAD", name, () -> {
                dm.load(name.value(), List.of(new DmTarget(0, sectors, "error", "")), true);
                return null;
            });
            errors.call("DM_DEV_SUSPEND", name, () -> dm.resume(name.value(), DmIoctl.SKIP_LOCKFS_FLAG));
            errors.call("DM_DEV_REMOVE", name, () -> {
                dm.removeDeferred(name.value());
                return null;
            });
            new MapperNodes(mapperDir).remove(name);
            return "key dropped from the kernel (table replaced by an error target) while " + mapperDir.resolve(name.value())
                    + " was still open; removal deferred to its last close";
        }
    }

    /** What the kernel says about {@code name}; empty when there is no such mapping. */
    public Optional<MappingStatus> status(MappingName name) throws IOException {
        try (DeviceMapper dm = errors.openControl()) {
            Optional<DmDevice> d = errors.call("DM_DEV_STATUS", name, () -> dm.device(name.value()));
            if (d.isEmpty()) {
                return Optional.empty();
            }
            List<DmTarget> table = errors.call("DM_TABLE_STATUS", name, () -> dm.table(name.value()));
            long sectors = table.stream().mapToLong(DmTarget::length).sum();
            Optional<CryptTable> crypt = Optional.empty();
            if (table.size() == 1 && table.get(0).type().equals("crypt")) {
                crypt = Optional.of(CryptTable.parse(table.get(0).params()));
            }
            String data = crypt.map(t -> devicePath(t.device())).orElse("");
            Optional<DmUuid> uuid = DmUuid.parse(d.get().uuid());
            boolean header = uuid.isPresent() && headerOnDevice(Path.of(data), uuid.get());
            return Optional.of(new MappingStatus(name, d.get(), uuid, crypt, sectors, data, header));
        }
    }

    /** Name free, dm-crypt usable with keyring keys: checked before the KDF runs. */
    private void preflight(DeviceMapper dm, MappingName name) throws IOException {
        if (errors.call("DM_DEV_STATUS", name, () -> dm.device(name.value())).isPresent()) {
            throw new DmCryptException(DmCryptException.Reason.NAME_TAKEN, "a mapping named " + name
                    + " already exists (" + mapperDir.resolve(name.value()) + ")");
        }
        errors.requireCryptTarget(dm, KEYRING_CRYPT_VERSION);
    }

    private DmDevice existing(DeviceMapper dm, MappingName name) throws IOException {
        return errors.call("DM_DEV_STATUS", name, () -> dm.device(name.value())).orElseThrow(
                () -> new DmCryptException(DmCryptException.Reason.NO_SUCH_MAPPING, "no mapping named " + name
                        + " (" + mapperDir.resolve(name.value()) + " is inactive)"));
    }

    /**
     * DM_DEV_REMOVE, asked again a few times while it answers EBUSY with nobody holding the
     * device open (a udev or blkid probe that will let go); busy with openers is final.
     */
    private void removeWithRetries(DeviceMapper dm, MappingName name) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                dm.remove(name.value());
                return;
            } catch (NativeException e) {
                int openers = dm.device(name.value()).map(DmDevice::openCount).orElse(0);
                if (e.errno() != Errno.EBUSY || openers > 0 || attempt == REMOVE_ATTEMPTS) {
                    throw e.errno() == Errno.EBUSY ? busy(name, openers) : errors.failed("remove", name, e);
                }
                sleep(100L * attempt);
            }
        }
    }

    /**
     * The size of {@code device}, checked free of kernel claims with an {@code O_EXCL} open
     * (a mount, a mapping, another exclusive opener make it EBUSY), closed again at once: the
     * table load claims it next, and our own claim would make that fail. No flock here: the
     * caller (provisioning) may hold one of its own on the device.
     */
    private static long unclaimedSize(Path device) throws IOException {
        int fd;
        try {
            fd = Libc.open(device, Libc.O_RDONLY | Libc.O_EXCL);
        } catch (NativeException e) {
            if (e.errno() == Errno.EBUSY) {
                throw new DmCryptException(DmCryptException.Reason.DEVICE_IN_USE, device
                        + " is in use: mounted, mapped, or opened exclusively by another program", e);
            }
            throw e;
        }
        try {
            return BlockDevices.size(fd, device.toString());
        } finally {
            Libc.close(fd);
        }
    }

    /** The data device, read-only and exclusively: refused (DEVICE_IN_USE) while mounted, mapped or held. */
    private static FileBlockDevice openExclusive(Path device) throws IOException {
        try {
            return FileBlockDevice.open(device, true, DeviceLock.EXCLUSIVE);
        } catch (DeviceInUseException e) {
            throw new DmCryptException(DmCryptException.Reason.DEVICE_IN_USE, e.getMessage(), e);
        }
    }

    private DmCryptException busy(MappingName name, int openers) {
        return new DmCryptException(DmCryptException.Reason.MAPPING_BUSY, mapperDir.resolve(name.value())
                + " is in use (open count " + openers + ": mounted, or held open by a program); unmount it first");
    }

    private static DmUuid uuidFor(VolumeInfo info, MappingName name) throws DmCryptException {
        try {
            return DmUuid.luks2(info.uuid(), name);
        } catch (IllegalArgumentException e) {
            throw new DmCryptException(DmCryptException.Reason.UNSUPPORTED, "header refused: " + e.getMessage(), e);
        }
    }

    /** The device number of a block device; anything else is refused (dm-crypt maps block devices, not files). */
    private static DeviceNumber requireBlockDevice(Path device) throws IOException {
        if (!Files.exists(device)) {
            throw new NoSuchFileException(device.toString());
        }
        return MapperNodes.deviceOf(device).orElseThrow(() -> new DmCryptException(DmCryptException.Reason.UNSUPPORTED,
                device + " is not a block device; dm-crypt maps block devices (attach an image file with losetup first,"
                        + " or serve it over NBD)"));
    }

    /**
     * Whether {@code device} starts with the LUKS header {@code uuid} names (magic, version,
     * uuid): cryptsetup status shows the type only then, "n/a" for a detached header.
     */
    static boolean headerOnDevice(Path device, DmUuid uuid) {
        if (!uuid.type().startsWith("LUKS") || uuid.volumeUuid().isEmpty() || !device.isAbsolute()) {
            return false;
        }
        byte[] b = new byte[208];
        try (FileBlockDevice dev = FileBlockDevice.open(device, true)) {
            if (dev.size() < b.length) {
                return false;
            }
            dev.read(0, ByteBuffer.wrap(b));
        } catch (IOException | RuntimeException e) {
            return false;
        }
        int version = ((b[6] & 0xff) << 8) | (b[7] & 0xff);
        int end = 168;
        while (end < 208 && b[end] != 0) {
            end++;
        }
        String onDisk = new String(b, 168, end - 168, StandardCharsets.US_ASCII);
        return b[0] == 'L' && b[1] == 'U' && b[2] == 'K' && b[3] == 'S' && b[4] == (byte) 0xba && b[5] == (byte) 0xbe
                && uuid.type().equals("LUKS" + version) && onDisk.equals(uuid.volumeUuid().get());
    }

    /** {@code /dev/<kernel name>} for {@code 254:16}, through {@code /sys/dev/block}; the number itself when unknown. */
    static String devicePath(String tableDevice) {
        try {
            Path sys = Path.of("/sys/dev/block", tableDevice).toRealPath();
            return "/dev/" + sys.getFileName();
        } catch (IOException | RuntimeException e) {
            return tableDevice;
        }
    }

    private static void sleep(long millis) throws DmCryptException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DmCryptException(DmCryptException.Reason.FAILED, "interrupted", e);
        }
    }
}
