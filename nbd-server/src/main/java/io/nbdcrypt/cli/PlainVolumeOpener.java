package io.nbdcrypt.cli;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import java.io.IOException;

/** Serves the device as it is, without encryption (for comparisons and tests). */
public final class PlainVolumeOpener implements VolumeOpener {
    @Override
    public OpenedVolume open(VolumeSource source, Passphrase passphrase) throws IOException {
        if (passphrase != null || source.header() != null) {
            throw new IOException("--plain serves the raw device: --key-file and --header do not apply");
        }
        FileBlockDevice d = FileBlockDevice.open(source.device(), source.readOnly(), source.lock());
        return new OpenedVolume(d, "plain " + source.device().getFileName());
    }
}
