package io.nbdcrypt.cli;

import io.nbdcrypt.block.BlockDevice;
import java.util.List;

/**
 * A volume ready to export: the plaintext {@link BlockDevice}, a one-line description for
 * NBD_INFO_DESCRIPTION (no secrets), and the key holders to wipe when the server stops.
 */
public record OpenedVolume(BlockDevice device, String description, List<AutoCloseable> secrets) {
    public OpenedVolume {
        secrets = List.copyOf(secrets);
    }
}
