package io.nbdcrypt.cli;

import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.luks.LuksVolumes;
import io.nbdcrypt.luks.common.VolumeInfo;
import java.io.IOException;
import java.util.Optional;

/**
 * Unlocks a LUKS2 (or LUKS1) volume with a key file and returns the plaintext view of its
 * data segment: the export's size is the segment's size.
 *
 * <p>The header is read, validated (cipher allow-list, bounds) and only then used; the
 * volume key lives only in the returned device's cipher, which closing the device wipes. The
 * passphrase stays the caller's to wipe.
 */
public final class LuksVolumeOpener implements VolumeOpener {
    @Override
    public OpenedVolume open(VolumeSource source, Passphrase passphrase) throws IOException {
        if (passphrase == null) {
            throw new IOException("a LUKS volume needs a passphrase");
        }
        LuksVolumes.Opened opened = LuksVolumes.open(source.device(), Optional.ofNullable(source.header()),
                passphrase, source.readOnly(), source.lock());
        return new OpenedVolume(opened.device(), describe(opened.info()));
    }

    /** NBD_INFO_DESCRIPTION text: what the volume is, never anything secret. */
    static String describe(VolumeInfo i) {
        return "LUKS" + i.luksVersion() + " " + i.cipher() + " " + i.keyBits() + "-bit, " + i.sectorSize()
                + "-byte sectors, uuid " + i.uuid();
    }
}
