package io.nbdcrypt.luks2.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.WrongPassphraseException;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Volumes made by cryptsetup open with nbdcrypt to the very key cryptsetup reports. */
class CryptsetupToNbdcryptTest {
    @TempDir
    Path dir;

    Path keyFile(String name, String content) throws Exception {
        return Files.write(dir.resolve(name), content.getBytes());
    }

    static Stream<Arguments> formats() {
        return Stream.of(
                Arguments.of("pbkdf2-sha1", List.of("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--hash", "sha1")),
                Arguments.of("pbkdf2-sha256", List.of("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--hash", "sha256")),
                Arguments.of("pbkdf2-sha512", List.of("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--hash", "sha512")),
                Arguments.of("argon2i", List.of("--pbkdf", "argon2i", "--pbkdf-force-iterations", "4", "--pbkdf-memory", "8192")),
                Arguments.of("argon2id", List.of("--pbkdf", "argon2id", "--pbkdf-force-iterations", "4", "--pbkdf-memory", "8192",
                        "--pbkdf-parallel", "2")),
                Arguments.of("256-bit key, 512-byte sectors", List.of("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
                        "--key-size", "256", "--sector-size", "512")),
                Arguments.of("aes-xts-plain, 2048-byte sectors, 64 KiB metadata", List.of("--pbkdf", "pbkdf2",
                        "--pbkdf-force-iterations", "1000", "--cipher", "aes-xts-plain", "--sector-size", "2048",
                        "--luks2-metadata-size", "64k", "--luks2-keyslots-size", "1m")),
                // Keyslot areas as cryptsetup before 1.6 encrypted them: read (never written) by nbdcrypt.
                Arguments.of("keyslot area aes-cbc-essiv:sha256, 128-bit", keyslotCbc("128")),
                Arguments.of("keyslot area aes-cbc-essiv:sha256, 192-bit", keyslotCbc("192")),
                Arguments.of("keyslot area aes-cbc-essiv:sha256, 256-bit", keyslotCbc("256")));
    }

    private static List<String> keyslotCbc(String bits) {
        return List.of("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--keyslot-cipher", "aes-cbc-essiv:sha256",
                "--keyslot-key-size", bits);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void unlock_cryptsetupImage_givesCryptsetupVolumeKey(String name, List<String> options) throws Exception {
        Path img = TestFiles.sparse(dir.resolve("v.img"), 24L << 20);
        Path key = keyFile("key", "correct horse " + name);
        List<String> args = new ArrayList<>(List.of("--type", "luks2"));
        args.addAll(options);
        Cryptsetup.format(img, key, args);
        byte[] expected = Cryptsetup.volumeKey(img, key, List.of());
        try (BlockDevice dev = FileBlockDevice.open(img, true);
                Passphrase pass = Passphrase.copyOf(Files.readAllBytes(key))) {
            Luks2Volume v = Luks2Volume.open(dev, HeaderLocation.ON_DATA_DEVICE);
            Luks2Volume.Unlocked u = v.unlock(pass, OptionalInt.empty());
            try (VolumeKey k = u.volumeKey()) {
                assertArrayEquals(expected, k.copyBytes(KeyAccess.get()));
            }
        }
    }

    @Test
    void unlock_severalKeyslots_eachOpensAndWrongOneIsRefused() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("v.img"), 24L << 20);
        Path k0 = keyFile("k0", "zero");
        Path k1 = keyFile("k1", "one");
        Path k2 = keyFile("k2", "two");
        Cryptsetup.format(img, k0, Cryptsetup.FAST_PBKDF2);
        Cryptsetup.addKey(img, k0, k1, List.of());
        Cryptsetup.addKey(img, k0, k2, List.of("--key-slot", "5"));
        byte[] expected = Cryptsetup.volumeKey(img, k2, List.of());
        try (BlockDevice dev = FileBlockDevice.open(img, true)) {
            Luks2Volume v = Luks2Volume.open(dev, HeaderLocation.ON_DATA_DEVICE);
            int[] slots = {0, 1, 5};
            Path[] keys = {k0, k1, k2};
            for (int i = 0; i < 3; i++) {
                try (Passphrase pass = Passphrase.copyOf(Files.readAllBytes(keys[i]))) {
                    Luks2Volume.Unlocked u = v.unlock(pass, OptionalInt.empty());
                    assertEquals(slots[i], u.keyslot());
                    try (VolumeKey k = u.volumeKey()) {
                        assertArrayEquals(expected, k.copyBytes(KeyAccess.get()));
                    }
                    int other = slots[(i + 1) % 3];
                    assertThrows(WrongPassphraseException.class, () -> v.unlock(pass, OptionalInt.of(other)));
                }
            }
            try (Passphrase wrong = Passphrase.copyOf("three".getBytes())) {
                assertThrows(WrongPassphraseException.class, () -> v.unlock(wrong, OptionalInt.empty()));
            }
        }
    }

    @Test
    void unlock_prioritiesSetByCryptsetup_preferFirstIgnoreSkippedUnlessChosen() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("v.img"), 24L << 20);
        Path k = keyFile("k", "same passphrase in two slots");
        Cryptsetup.format(img, k, Cryptsetup.FAST_PBKDF2);
        Cryptsetup.addKey(img, k, k, List.of("--key-slot", "4"));
        Cryptsetup.run(List.of("config", "--priority", "prefer", "--key-slot", "4", img.toString())).assertSuccess();
        try (BlockDevice dev = FileBlockDevice.open(img, true);
                Passphrase pass = Passphrase.copyOf(Files.readAllBytes(k))) {
            Luks2Volume.Unlocked u = Luks2Volume.open(dev, HeaderLocation.ON_DATA_DEVICE).unlock(pass, OptionalInt.empty());
            u.volumeKey().close();
            assertEquals(4, u.keyslot(), "the preferred slot is tried first");
        }
        Cryptsetup.run(List.of("config", "--priority", "ignore", "--key-slot", "4", img.toString())).assertSuccess();
        Cryptsetup.run(List.of("config", "--priority", "ignore", "--key-slot", "0", img.toString())).assertSuccess();
        try (BlockDevice dev = FileBlockDevice.open(img, true);
                Passphrase pass = Passphrase.copyOf(Files.readAllBytes(k))) {
            Luks2Volume v = Luks2Volume.open(dev, HeaderLocation.ON_DATA_DEVICE);
            assertThrows(WrongPassphraseException.class, () -> v.unlock(pass, OptionalInt.empty()));
            Luks2Volume.Unlocked u = v.unlock(pass, OptionalInt.of(0));
            u.volumeKey().close();
            assertEquals(0, u.keyslot());
        }
        // cryptsetup agrees: ignored slots open only when named.
        assertEquals(0, Cryptsetup.testPassphrase(img, k, List.of("--key-slot", "0")));
        org.junit.jupiter.api.Assertions.assertNotEquals(0, Cryptsetup.testPassphrase(img, k, List.of()));
    }

    @Test
    void dataVolume_detachedHeader_readsWhatPythonWroteWithCryptsetupKey() throws Exception {
        Path hdr = dir.resolve("hdr.img");
        Path data = TestFiles.sparse(dir.resolve("data.img"), 8L << 20);
        Path key = keyFile("key", "detached");
        Cryptsetup.format(data, key, concat(Cryptsetup.FAST_PBKDF2, List.of("--header", hdr.toString(), "--sector-size", "4096")));
        byte[] vk = Cryptsetup.volumeKey(hdr, key, List.of());
        byte[] plain = new byte[3 * 4096];
        new SecureRandom().nextBytes(plain);
        PythonXts.encrypt(data, vk, 0, 4096, 0, 4096, plain, "plain64");
        try (BlockDevice header = FileBlockDevice.open(hdr, true);
                Passphrase pass = Passphrase.copyOf(Files.readAllBytes(key))) {
            Luks2Volume v = Luks2Volume.open(header, HeaderLocation.DETACHED);
            assertEquals(0, v.header().dataSegment().offset());
            try (VolumeKey k = v.unlock(pass, OptionalInt.empty()).volumeKey();
                    EncryptedVolume ev = v.dataVolume(FileBlockDevice.open(data, true), k)) {
                assertEquals(8L << 20, ev.size());
                ByteBuffer got = ByteBuffer.allocate(plain.length);
                ev.read(4096, got);
                assertArrayEquals(plain, got.array());
            }
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }
}
