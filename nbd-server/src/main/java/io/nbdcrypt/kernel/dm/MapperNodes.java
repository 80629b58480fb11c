package io.nbdcrypt.kernel.dm;

import io.nbdcrypt.linux.BlockDevices;

import io.nbdcrypt.linux.DeviceNodes;
import io.nbdcrypt.linux.DeviceNumber;
import io.nbdcrypt.linux.NativeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code /dev/mapper/<name>} nodes. Device-mapper itself makes only {@code /dev/dm-N};
 * with udev, udev adds the {@code /dev/mapper} link, without it (the test guest, many
 * confidential guests) the program that made the mapping makes the node, as libdevmapper
 * does: a block node, mode 0600.
 */
final class MapperNodes {
    private final Path dir;

    MapperNodes(Path dir) {
        this.dir = dir;
    }

    Path path(MappingName name) {
        return dir.resolve(name.value());
    }

    /**
     * Makes {@code /dev/mapper/<name>} lead to {@code device}: kept when it already does (udev
     * was quicker), replaced when it is a stale node of an earlier mapping.
     */
    Path create(MappingName name, DeviceNumber device) throws IOException {
        Path node = path(name);
        if (Files.exists(node, LinkOption.NOFOLLOW_LINKS)) {
            if (device.equals(deviceOf(node).orElse(null))) {
                return node;
            }
            removeNode(node);
        }
        try {
            DeviceNodes.createBlockNode(node, device, 0600);
        } catch (NativeException e) {
            throw new DmCryptException(DmCryptException.Reason.FAILED, "cannot create the device node: " + e.getMessage(), e);
        }
        return node;
    }

    /** Removes {@code /dev/mapper/<name>} if it is a block node or a link (never a directory or a file). */
    void remove(MappingName name) throws IOException {
        Path node = path(name);
        if (Files.isSymbolicLink(node) || deviceOf(node).isPresent()) {
            removeNode(node);
        }
    }

    private static void removeNode(Path node) throws IOException {
        if (Files.isDirectory(node, LinkOption.NOFOLLOW_LINKS)) {
            throw new DmCryptException(DmCryptException.Reason.FAILED, node + " is a directory, not a device node");
        }
        Files.deleteIfExists(node);
    }

    /** The block device number {@code path} is (or links to), if it is a block device. */
    static Optional<DeviceNumber> deviceOf(Path path) {
        return BlockDevices.numberOf(path);
    }
}
