package io.nbdcrypt.luks2.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.luks.LuksVolumes;
import io.nbdcrypt.luks.common.WrongPassphraseException;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The server-facing API over cryptsetup-made LUKS1 and LUKS2 volumes. */
class LuksVolumesTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "LUKS1 {0} {1}-bit")
    @CsvSource({"sha1, 256", "sha256, 512", "sha512, 512"})
    void open_luks1FromCryptsetup_keyMatchesAndDataReads(String hash, int bits) throws Exception {
        Path img = TestFiles.sparse(dir.resolve("l1.img"), 8L << 20);
        Path k0 = Files.write(dir.resolve("k0"), "legacy".getBytes());
        Path k1 = Files.write(dir.resolve("k1"), "legacy two".getBytes());
        Cryptsetup.format(img, k0, List.of("--type", "luks1", "--hash", hash, "--key-size", Integer.toString(bits),
                "--pbkdf-force-iterations", "1000"));
        Cryptsetup.run(List.of("luksAddKey", "--batch-mode", "--key-file", k0.toString(), "--pbkdf-force-iterations",
                "1000", "--key-slot", "3", img.toString(), k1.toString())).assertSuccess();
        byte[] vk = Cryptsetup.volumeKey(img, k0, List.of());
        String dump = Cryptsetup.dump(img, List.of());
        long payload = 512 * Long.parseLong(dump.lines().filter(l -> l.startsWith("Payload offset:"))
                .findFirst().orElseThrow().replaceAll("\\D", ""));
        byte[] plain = new byte[4096];
        new SecureRandom().nextBytes(plain);
        PythonXts.encrypt(img, vk, payload, 512, 0, 8192, plain, "plain64");

        try (Passphrase pass = Passphrase.copyOf(Files.readAllBytes(k1));
                LuksVolumes.Opened o = LuksVolumes.open(img, Optional.empty(), pass, true)) {
            assertEquals(1, o.info().luksVersion());
            assertEquals(3, o.info().keyslot());
            assertEquals(payload, o.info().dataOffset());
            assertEquals((8L << 20) - payload, o.device().size());
            ByteBuffer got = ByteBuffer.allocate(plain.length);
            o.device().read(8192, got);
            assertArrayEquals(plain, got.array());
        }
        try (BlockDevice dev = FileBlockDevice.open(img, true);
                Passphrase pass = Passphrase.copyOf(Files.readAllBytes(k0));
                LuksVolumes.UnlockedKey u = LuksVolumes.unlockKey(dev, Optional.empty(), pass, OptionalInt.empty())) {
            assertArrayEquals(vk, u.volumeKey().copyBytes(KeyAccess.get()));
            assertEquals(bits, u.info().keyBits());
        }
        try (Passphrase wrong = Passphrase.copyOf("nope".getBytes())) {
            assertThrows(WrongPassphraseException.class, () -> LuksVolumes.open(img, Optional.empty(), wrong, true));
        }
    }

    @Test
    void open_luks2DetachedFromCryptsetup_readsAndWritesThroughApi() throws Exception {
        Path hdr = dir.resolve("hdr.img");
        Path data = TestFiles.sparse(dir.resolve("data.img"), 4L << 20);
        Path k = Files.write(dir.resolve("k"), "detached api".getBytes());
        Cryptsetup.format(data, k, CryptsetupToNbdcryptTest.concat(Cryptsetup.FAST_PBKDF2, List.of("--type", "luks2",
                "--header", hdr.toString())));
        byte[] vk = Cryptsetup.volumeKey(hdr, k, List.of());
        byte[] plain = new byte[8192];
        new SecureRandom().nextBytes(plain);
        try (Passphrase pass = Passphrase.copyOf(Files.readAllBytes(k));
                LuksVolumes.Opened o = LuksVolumes.open(data, Optional.of(hdr), pass, false)) {
            assertEquals(2, o.info().luksVersion());
            assertEquals("aes-xts-plain64", o.info().cipher());
            assertEquals(4L << 20, o.device().size());
            o.device().write(4096, ByteBuffer.wrap(plain));
            o.device().flush();
        }
        assertArrayEquals(plain, PythonXts.decrypt(data, vk, 0, 4096, 0, 4096, plain.length, "plain64"));
    }
}
