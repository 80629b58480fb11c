package io.nbdcrypt.luks2.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.block.auth.AuthenticatedLayout;
import io.nbdcrypt.block.auth.AuthenticatedVolume;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks2.FormatOptions;
import io.nbdcrypt.luks2.Luks2Formatter;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksException;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An authenticated volume's detached header as cryptsetup sees it: luksDump shows the mode
 * (the requirement, aes-256-gcm, integrity nbdcrypt-tree-v1), and cryptsetup refuses to change
 * it; our XTS path refuses it too, and it opens only as an authenticated volume. (Mapping is
 * refused in the guest, where device-mapper exists: AuthenticatedGuestIT.)
 */
class AuthenticatedHeaderTest {
    @TempDir
    Path dir;

    @Test
    void authenticatedHeader_cryptsetupDumpsTheModeAndRefusesToAddAKey() throws Exception {
        Path header = TestFiles.sparse(dir.resolve("hdr"), 16L << 20);
        Path data = TestFiles.sparse(dir.resolve("data"), 256L << 20);
        FormatOptions o = FormatOptions.defaults(new KdfParameters.Pbkdf2(HashAlgorithm.SHA256, 1000));
        AuthenticatedLayout layout = AuthenticatedLayout.fit(0, 256L << 20, 4096);
        Path pass = Files.writeString(dir.resolve("pass"), "a passphrase");
        Path vk = dir.resolve("vk");
        try (FileBlockDevice dev = FileBlockDevice.open(header, false)) {
            var f = Luks2Formatter.formatAuthenticatedWithoutKeyslot(dev, o, layout, new SecureRandom());
            try (VolumeKey key = f.volumeKey(); Passphrase p = Passphrase.copyOf(Files.readAllBytes(pass))) {
                Files.write(vk, key.copyBytes(KeyAccess.get()));
                f.volume().addKeyslot(key, p, o.kdf(), OptionalInt.empty(), o.hash()); // through our library: fine
            }
        }
        String dump = Cryptsetup.dump(header, List.of());
        assertTrue(dump.contains("Requirements:\tnbdcrypt-authenticated-v1"), dump);
        assertTrue(dump.contains("cipher: aes-256-gcm"), dump);
        assertTrue(dump.contains("integrity: nbdcrypt-tree-v1"), dump);
        assertTrue(dump.contains("length: " + layout.dataBytes() + " [bytes]"), dump);

        Path other = Files.writeString(dir.resolve("other"), "another passphrase");
        var add = Cryptsetup.run(List.of("luksAddKey", "--batch-mode", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations",
                "1000", "--key-file", pass.toString(), header.toString(), other.toString()));
        assertNotEquals(0, add.exitCode(), "cryptsetup must not change a volume whose requirement it does not know");
        assertTrue(add.stderr().contains("Unmet LUKS2 requirements"), add.stderr());

        try (FileBlockDevice hdr = FileBlockDevice.open(header, false); FileBlockDevice raw = FileBlockDevice.open(data, false);
                VolumeKey key = VolumeKey.copyOf(Files.readAllBytes(vk))) {
            Luks2Volume v = Luks2Volume.open(hdr, HeaderLocation.DETACHED);
            LuksException e = assertThrows(LuksException.class, () -> v.dataVolume(raw, key));
            assertTrue(e.getMessage().contains("authenticated"), e.getMessage());
            try (AuthenticatedVolume a = v.authenticatedVolume(raw, key, AuthenticatedVolume.MIN_CACHE_BYTES, new SecureRandom())) {
                assertEquals(layout, a.layout());
                a.write(4096, ByteBuffer.wrap(new byte[] {1, 2, 3}));
                ByteBuffer back = ByteBuffer.allocate(3);
                a.read(4096, back);
                assertEquals(2, back.get(1));
            }
        }
    }
}
