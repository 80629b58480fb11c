package io.nbdcrypt.luks2.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks2.FormatOptions;
import io.nbdcrypt.luks2.Luks2Formatter;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ephemeral volume's header (no keyslot, only the digest of a random volume key) as
 * cryptsetup reads it: a valid LUKS2 header with no keyslot, whose volume key cryptsetup
 * accepts (it adds a keyslot with {@code --volume-key-file}, which checks the key against the
 * digest; with no keyslot it cannot infer the key size, so {@code --key-size 512} is given)
 * and the new passphrase then opens the volume.
 */
class KeyslotlessHeaderTest {
    @TempDir
    Path dir;

    @Test
    void formatWithoutKeyslot_cryptsetupDumpsItWithNoKeyslotAndAcceptsTheKey() throws Exception {
        Path header = dir.resolve("hdr");
        FormatOptions o = FormatOptions.defaults(new KdfParameters.Pbkdf2(HashAlgorithm.SHA256, 1000));
        try (RandomAccessFile f = new RandomAccessFile(header.toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        Path keyFile = dir.resolve("vk");
        try (FileBlockDevice dev = FileBlockDevice.open(header, false);
                var formatted = Luks2Formatter.formatWithoutKeyslot(dev, HeaderLocation.DETACHED, o, new SecureRandom()).volumeKey()) {
            Files.write(keyFile, formatted.copyBytes(KeyAccess.get()));
        }

        String dump = Cryptsetup.dump(header, List.of());
        assertTrue(dump.contains("Keyslots:"), dump);
        assertFalse(dump.matches("(?s).*\\n\\s+0: luks2.*"), "no keyslot expected:\n" + dump);

        Path pass = Files.writeString(dir.resolve("pass"), "new passphrase");
        Cryptsetup.run(List.of("luksAddKey", "--batch-mode", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
                "--key-size", "512", "--volume-key-file", keyFile.toString(), header.toString(), pass.toString())).assertSuccess();
        assertEquals(0, Cryptsetup.testPassphrase(header, pass, List.of()));
    }
}
