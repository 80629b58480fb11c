package io.nbdcrypt.kernel.dm;

import io.nbdcrypt.linux.DeviceMapper;
import io.nbdcrypt.linux.DmIoctl;
import io.nbdcrypt.linux.Errno;
import io.nbdcrypt.linux.NativeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one place that turns device-mapper's errno values into what a user of the dm-crypt
 * backend needs to hear ({@link DmCryptException} with a reason): no device-mapper here, no
 * dm-crypt, no CAP_SYS_ADMIN, a name taken, a device in use.
 */
final class DmErrors {
    private final Path control;

    DmErrors(Path control) {
        this.control = control;
    }

    /** A device-mapper call that may fail with errno. */
    interface Call<T> {
        T run() throws IOException;
    }

    /** Opens the control node: missing means no device-mapper in this kernel. */
    DeviceMapper openControl() throws DmCryptException {
        try {
            return DeviceMapper.open(control);
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENODEV || e.errno() == Errno.ENXIO) {
                throw new DmCryptException(DmCryptException.Reason.UNAVAILABLE, "device-mapper is not available: "
                        + e.getMessage() + " (this kernel has no dm_mod loaded or built in; load it with"
                        + " 'modprobe dm_crypt', or use the NBD backend)", e);
            }
            throw permissionOr(e, "cannot open " + control + ": " + e.getMessage());
        }
    }

    /** Runs {@code call}; EACCES/EPERM become PERMISSION, anything else FAILED naming the ioctl. */
    <T> T call(String what, Object target, Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (NativeException e) {
            throw permissionOr(e, "device-mapper " + what + " on " + target + " failed: " + e.getMessage());
        }
    }

    /** DM_DEV_CREATE: EBUSY means the name (or the DM UUID, which holds it) is taken. */
    DmCryptException create(MappingName name, IOException e) {
        if (e instanceof NativeException n && n.errno() == Errno.EBUSY) {
            return new DmCryptException(DmCryptException.Reason.NAME_TAKEN, "a mapping named " + name
                    + " (or with its DM UUID) already exists", e);
        }
        return e instanceof NativeException n ? permissionOr(n, "device-mapper could not create " + name + ": "
                + e.getMessage()) : new DmCryptException(DmCryptException.Reason.FAILED, e.getMessage(), e);
    }

    /**
     * DM_TABLE_LOAD: EINVAL with no {@code crypt} target registered (the kernel's attempt to
     * load dm_crypt failed) is a missing dm-crypt; EBUSY is a data device someone else claimed
     * after our check; ENOKEY a key dm-crypt could not find.
     */
    DmCryptException load(DeviceMapper dm, MappingName name, CryptTable table, IOException e) {
        if (!(e instanceof NativeException n)) {
            return new DmCryptException(DmCryptException.Reason.FAILED, e.getMessage(), e);
        }
        return switch (n.errno()) {
            case Errno.EINVAL -> cryptTarget(dm).isEmpty()
                    ? noDmCrypt(e)
                    : new DmCryptException(DmCryptException.Reason.FAILED, "the kernel refused the crypt table for " + name
                            + " (" + table.cipher() + ", " + table.sectorSize() + "-byte sectors; dmesg says why): "
                            + e.getMessage(), e);
            case Errno.EBUSY -> new DmCryptException(DmCryptException.Reason.DEVICE_IN_USE, "data device " + table.device()
                    + " is in use (mounted, mapped or opened exclusively by another program): " + e.getMessage(), e);
            case Errno.ENOKEY, Errno.EKEYREVOKED, Errno.EKEYEXPIRED -> new DmCryptException(
                    DmCryptException.Reason.FAILED, "dm-crypt could not take the volume key from the kernel keyring: "
                            + e.getMessage(), e);
            default -> permissionOr(n, "device-mapper could not load the table of " + name + ": " + e.getMessage());
        };
    }

    DmCryptException failed(String what, MappingName name, IOException e) {
        return e instanceof NativeException n ? permissionOr(n, "device-mapper " + what + " of " + name + " failed: "
                + e.getMessage()) : new DmCryptException(DmCryptException.Reason.FAILED, e.getMessage(), e);
    }

    /**
     * Fails when dm-crypt is registered but too old for keyring keys. An absent {@code crypt}
     * target is not yet a failure: the kernel loads the dm_crypt module itself when a table
     * names it (and {@link #load} tells when that failed).
     */
    void requireCryptTarget(DeviceMapper dm, int[] minimum) throws IOException {
        Optional<DmIoctl.TargetVersion> crypt = call("DM_LIST_VERSIONS", control,
                () -> dm.targetVersions().stream().filter(v -> v.name().equals("crypt")).findFirst());
        if (crypt.isPresent() && !crypt.get().atLeast(minimum[0], minimum[1], minimum[2])) {
            throw new DmCryptException(DmCryptException.Reason.UNAVAILABLE, "dm-crypt " + crypt.get()
                    + " cannot take keys from the kernel keyring (needs " + minimum[0] + "." + minimum[1] + "."
                    + minimum[2] + ", Linux 4.10 or later)");
        }
    }

    private static Optional<DmIoctl.TargetVersion> cryptTarget(DeviceMapper dm) {
        try {
            return dm.targetVersions().stream().filter(v -> v.name().equals("crypt")).findFirst();
        } catch (NativeException e) {
            return Optional.empty();
        }
    }

    private static DmCryptException noDmCrypt(IOException e) {
        return new DmCryptException(DmCryptException.Reason.UNAVAILABLE, "this kernel has no dm-crypt target: the dm_crypt"
                + " module is not loaded and could not be loaded (CONFIG_DM_CRYPT); use the NBD backend", e);
    }

    private static DmCryptException permissionOr(NativeException e, String message) {
        if (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM) {
            return new DmCryptException(DmCryptException.Reason.PERMISSION, message
                    + " (device-mapper needs CAP_SYS_ADMIN: run as root)", e);
        }
        return new DmCryptException(DmCryptException.Reason.FAILED, message, e);
    }
}
