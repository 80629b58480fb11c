package io.nbdcrypt.cli;

import java.io.IOException;

/**
 * Unlocks a LUKS2 (or LUKS1) volume with a key file and returns the plaintext view of its
 * data segment: the export's size is the segment's size.
 *
 * <p>Integration point: {@link #open} is the one method to wire to the luks2-format library
 * (read the header from {@code source.header()} or {@code source.device()}, derive the volume
 * key from {@code source.keyFile()}, build an {@code EncryptedVolume} over the device with the
 * segment's offset, size, sector size and IV tweak, and list the key holders in
 * {@link OpenedVolume#secrets()} so they are wiped on shutdown).
 */
public final class LuksVolumeOpener implements VolumeOpener {
    @Override
    public OpenedVolume open(VolumeSource source) throws IOException {
        throw new IOException("LUKS support not merged yet in this build: cannot open " + source.device()
                + " as a LUKS volume (use --plain to serve the raw device)");
    }
}
