package io.nbdcrypt.luks2.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.luks.LuksVolumes;
import io.nbdcrypt.luks.common.LuksException;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.WrongPassphraseException;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Legacy LUKS1 {@code aes-cbc-essiv:sha256} volumes made by the real cryptsetup: the key we
 * unlock is cryptsetup's, data written by Python {@code cryptography} reads back through us,
 * and only read-only opens are allowed.
 */
class Luks1CbcEssivTest {
    private static final long SIZE = 8L << 20;

    @TempDir
    Path dir;

    private Path format(Path img, Path key, int bits, List<String> extra) throws Exception {
        TestFiles.sparse(img, SIZE);
        Cryptsetup.format(img, key, CryptsetupToNbdcryptTest.concat(List.of("--type", "luks1", "--cipher",
                "aes-cbc-essiv:sha256", "--key-size", Integer.toString(bits), "--hash", "sha256",
                "--pbkdf-force-iterations", "1000"), extra));
        return img;
    }

    private static long payloadOffset(Path headerImage) {
        String dump = Cryptsetup.dump(headerImage, List.of());
        assertTrue(dump.contains("cbc-essiv:sha256"), dump);
        return 512 * Long.parseLong(dump.lines().filter(l -> l.startsWith("Payload offset:")).findFirst().orElseThrow()
                .replaceAll("\\D", ""));
    }

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 192, 256})
    void open_cbcEssivFromCryptsetup_keyMatchesAndPythonDataReads(int bits) throws Exception {
        Path k0 = Files.write(dir.resolve("k0"), "legacy cbc".getBytes());
        Path k1 = Files.write(dir.resolve("k1"), "second slot".getBytes());
        Path img = format(dir.resolve("cbc.img"), k0, bits, List.of());
        Cryptsetup.run(List.of("luksAddKey", "--batch-mode", "--key-file", k0.toString(), "--pbkdf-force-iterations",
                "1000", "--key-slot", "5", img.toString(), k1.toString())).assertSuccess();
        byte[] vk = Cryptsetup.volumeKey(img, k0, List.of());
        assertEquals(bits / 8, vk.length);
        long payload = payloadOffset(img);
        byte[] plain = new byte[4096];
        new SecureRandom().nextBytes(plain);
        byte[] tail = new byte[1024];
        new SecureRandom().nextBytes(tail);
        long tailAt = SIZE - payload - tail.length;
        PythonCbcEssiv.encrypt(img, vk, payload, 8192, plain);
        PythonCbcEssiv.encrypt(img, vk, payload, tailAt, tail);

        try (BlockDevice dev = FileBlockDevice.open(img, true);
                Passphrase pass = Passphrase.copyOf(Files.readAllBytes(k0));
                LuksVolumes.UnlockedKey u = LuksVolumes.unlockKey(dev, Optional.empty(), pass, OptionalInt.empty())) {
            assertArrayEquals(vk, u.volumeKey().copyBytes(KeyAccess.get()));
            assertEquals(0, u.info().keyslot());
        }
        try (Passphrase pass = Passphrase.copyOf(Files.readAllBytes(k1));
                LuksVolumes.Opened o = LuksVolumes.open(img, Optional.empty(), pass, true)) {
            assertEquals(1, o.info().luksVersion());
            assertEquals("aes-cbc-essiv:sha256", o.info().cipher());
            assertEquals(bits, o.info().keyBits());
            assertEquals(5, o.info().keyslot());
            assertEquals(payload, o.info().dataOffset());
            assertEquals(SIZE - payload, o.device().size());
            assertTrue(o.device().isReadOnly());
            ByteBuffer got = ByteBuffer.allocate(plain.length);
            o.device().read(8192, got);
            assertArrayEquals(plain, got.array());
            ByteBuffer gotTail = ByteBuffer.allocateDirect(tail.length);
            o.device().read(tailAt, gotTail);
            byte[] t = new byte[tail.length];
            gotTail.get(0, t);
            assertArrayEquals(tail, t);
        }
    }

    @Test
    void open_cbcEssivReadWrite_refusedSayingReadOnlyAndFileUntouched() throws Exception {
        Path k = Files.write(dir.resolve("k"), "legacy cbc".getBytes());
        Path img = format(dir.resolve("cbc.img"), k, 256, List.of());
        byte[] before = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(img));
        try (Passphrase pass = Passphrase.copyOf(Files.readAllBytes(k))) {
            LuksException e = assertThrows(LuksException.class, () -> LuksVolumes.open(img, Optional.empty(), pass, false));
            assertFalse(e instanceof LuksFormatException, e::toString);
            assertFalse(e instanceof WrongPassphraseException, e::toString);
            assertTrue(e.getMessage().contains("aes-cbc-essiv:sha256"), e.getMessage());
            assertTrue(e.getMessage().contains("--read-only"), e.getMessage());
        }
        assertArrayEquals(before, MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(img)));
    }

    @Test
    void open_cbcEssivWrongPassphrase_throwsWrongPassphrase() throws Exception {
        Path k = Files.write(dir.resolve("k"), "legacy cbc".getBytes());
        Path img = format(dir.resolve("cbc.img"), k, 256, List.of());
        try (Passphrase wrong = Passphrase.copyOf("legacy cbd".getBytes())) {
            assertThrows(WrongPassphraseException.class, () -> LuksVolumes.open(img, Optional.empty(), wrong, true));
        }
    }

    @Test
    void open_cbcEssivDetachedHeader_readsPythonData() throws Exception {
        Path k = Files.write(dir.resolve("k"), "detached cbc".getBytes());
        Path hdr = TestFiles.sparse(dir.resolve("hdr.img"), 4L << 20);
        Path data = format(dir.resolve("data.img"), k, 256, List.of("--header", hdr.toString()));
        byte[] vk = Cryptsetup.volumeKey(hdr, k, List.of());
        long payload = payloadOffset(hdr);
        byte[] plain = new byte[2048];
        new SecureRandom().nextBytes(plain);
        PythonCbcEssiv.encrypt(data, vk, payload, 512, plain);
        try (Passphrase pass = Passphrase.copyOf(Files.readAllBytes(k));
                LuksVolumes.Opened o = LuksVolumes.open(data, Optional.of(hdr), pass, true)) {
            assertEquals("aes-cbc-essiv:sha256", o.info().cipher());
            ByteBuffer got = ByteBuffer.allocate(plain.length);
            o.device().read(512, got);
            assertArrayEquals(plain, got.array());
        }
        try (Passphrase pass = Passphrase.copyOf(Files.readAllBytes(k))) {
            LuksException e = assertThrows(LuksException.class, () -> LuksVolumes.open(data, Optional.of(hdr), pass, false));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        }
    }
}
