package io.nbdcrypt.provision;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Provisioner#provision} is asked to do. No secrets here.
 *
 * @param device        the raw scratch disk (a block device or an image file), e.g. {@code /dev/vdb}
 * @param mountPoint    where the file system goes (created if missing), e.g. {@code /run/kata-containers/image}
 * @param fsType        the file system {@code mkfs.TYPE} makes, {@code ext4} by default
 * @param mkfsOptions   extra arguments for mkfs, after ours (a later {@code -E} replaces ours)
 * @param headerFile    write a normal LUKS2 header there (with a passphrase keyslot, for
 *                      cryptsetup) instead of keeping it only in memory
 * @param allowDiscards let the file system discard (tells the host which blocks are free)
 * @param backend       who attaches the volume to the kernel
 * @param attach        how
 * @param authenticated the authenticated mode (AES-GCM sectors under a hash tree whose root
 *                      stays in memory: the host's tampering becomes EIO); NBD backend only
 * @param metadataCacheBytes the authenticated volume's tree-node cache bound
 */
public record ProvisionRequest(Path device, Path mountPoint, String fsType, List<String> mkfsOptions,
        Optional<Path> headerFile, boolean allowDiscards, Backend backend, AttachOptions attach, boolean authenticated,
        long metadataCacheBytes) {
    /** An XTS volume. */
    public ProvisionRequest(Path device, Path mountPoint, String fsType, List<String> mkfsOptions,
            Optional<Path> headerFile, boolean allowDiscards, Backend backend, AttachOptions attach) {
        this(device, mountPoint, fsType, mkfsOptions, headerFile, allowDiscards, backend, attach, false,
                io.nbdcrypt.block.auth.AuthenticatedVolume.defaultCacheBytes());
    }

    public ProvisionRequest {
        if (authenticated && !backend.name().equals("nbd")) {
            throw new IllegalArgumentException("--authenticated needs the nbd backend: dm-crypt in the kernel cannot check"
                    + " nbdcrypt's hash tree (got --backend " + backend.name() + ")");
        }
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(mountPoint, "mountPoint");
        mkfsOptions = List.copyOf(mkfsOptions);
        if (!fsType.matches("[a-z0-9]{1,16}")) {
            throw new IllegalArgumentException("--fs '" + fsType + "' is not a file system type name");
        }
    }

    /** ext4, no extra mkfs options, header in memory, no discards, the NBD backend with its defaults. */
    public static ProvisionRequest of(Path device, Path mountPoint) {
        return new ProvisionRequest(device, mountPoint, "ext4", List.of(), Optional.empty(), false, new NbdBackend(),
                AttachOptions.defaults());
    }
}
