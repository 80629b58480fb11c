package io.nbdcrypt.cli;

import io.nbdcrypt.linux.BlockDevices;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The first check of a device argument, before any passphrase or KDF: it must name a disk
 * image (regular file) or a block device. Anything else is cryptsetup's "wrong device
 * specified" (exit 4), said in words that name the path and what it is instead.
 */
final class DevicePaths {
    private DevicePaths() {}

    /**
     * @param role what the path is for, e.g. "device" or "header"
     * @throws ExitStatus.WrongDeviceException if {@code path} is missing, unreadable, a directory
     *     or another kind of file
     */
    static void check(Path path, String role) throws ExitStatus.WrongDeviceException {
        if (!Files.exists(path)) {
            throw new ExitStatus.WrongDeviceException(role + " " + path + " does not exist"
                    + (path.getParent() != null && !Files.isDirectory(path.getParent())
                            ? " (no directory " + path.getParent() + ")" : ""));
        }
        if (Files.isDirectory(path)) {
            throw new ExitStatus.WrongDeviceException(role + " " + path + " is a directory, not a disk image or block device");
        }
        if (!Files.isRegularFile(path) && BlockDevices.numberOf(path).isEmpty()) {
            throw new ExitStatus.WrongDeviceException(role + " " + path + " is neither a disk image nor a block device");
        }
        if (!Files.isReadable(path)) {
            throw new ExitStatus.WrongDeviceException(role + " " + path + ": permission denied");
        }
    }
}
