package io.nbdcrypt.cli;

import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.luks2.LuksVolumes;
import io.nbdcrypt.luks2.VolumeInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;

/**
 * Unlocks a LUKS2 (or LUKS1) volume with a key file and returns the plaintext view of its
 * data segment: the export's size is the segment's size.
 *
 * <p>The header is read, validated (cipher allow-list, bounds) and only then used; the
 * passphrase is wiped as soon as the volume key is derived, and the volume key lives only in
 * the returned device's cipher, which closing the device wipes.
 */
public final class LuksVolumeOpener implements VolumeOpener {
    @Override
    public OpenedVolume open(VolumeSource source) throws IOException {
        if (source.keyFile() == null) {
            throw new IOException("a LUKS volume needs --key-file");
        }
        byte[] raw = Files.readAllBytes(source.keyFile());
        if (raw.length == 0) {
            SecretBytes.wipe(raw);
            throw new IOException("key file " + source.keyFile() + " is empty");
        }
        try (SecretBytes passphrase = SecretBytes.takeOwnership(raw)) {
            LuksVolumes.Opened opened = LuksVolumes.open(source.device(), Optional.ofNullable(source.header()),
                    passphrase, source.readOnly());
            return new OpenedVolume(opened.device(), describe(opened.info()));
        }
    }

    /** NBD_INFO_DESCRIPTION text: what the volume is, never anything secret. */
    static String describe(VolumeInfo i) {
        return "LUKS" + i.luksVersion() + " " + i.cipher() + " " + i.keyBits() + "-bit, " + i.sectorSize()
                + "-byte sectors, uuid " + i.uuid();
    }
}
