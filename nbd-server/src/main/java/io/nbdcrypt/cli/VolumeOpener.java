package io.nbdcrypt.cli;

import io.nbdcrypt.crypto.Passphrase;
import java.io.IOException;

/**
 * Turns a {@link VolumeSource} into an {@link OpenedVolume}: the seam between the NBD server
 * and the on-disk formats. {@link PlainVolumeOpener} serves the raw device;
 * {@link LuksVolumeOpener} unlocks a LUKS2/LUKS1 volume.
 *
 * <p>Failures are {@link IOException}s whose message names the file or field at fault and
 * never contains key material.
 */
public interface VolumeOpener {
    /** @param passphrase unlocks the volume (the caller keeps and wipes it), or {@code null} for none */
    OpenedVolume open(VolumeSource source, Passphrase passphrase) throws IOException;
}
