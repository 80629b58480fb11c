package io.nbdcrypt.luks2.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.WrongPassphraseException;
import io.nbdcrypt.luks2.FormatOptions;
import io.nbdcrypt.luks2.Luks2Formatter;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Volumes nbdcrypt formats and manages are accepted, opened and extended by cryptsetup. */
class NbdcryptToCryptsetupTest {
    private static final KdfParameters FAST_PBKDF2 = new KdfParameters.Pbkdf2(HashAlgorithm.SHA256, 1000);

    @TempDir
    Path dir;

    static Stream<Arguments> options() {
        FormatOptions base = FormatOptions.defaults(FAST_PBKDF2);
        return Stream.of(
                Arguments.of("defaults (512-bit, 4096-byte sectors)", base),
                Arguments.of("256-bit key, 512-byte sectors, sha1",
                        new FormatOptions(32, 512, 16384, OptionalLong.empty(), OptionalLong.empty(),
                                new KdfParameters.Pbkdf2(HashAlgorithm.SHA1, 1000), 1000, HashAlgorithm.SHA1,
                                "aes-xts-plain64", "", "", java.util.Optional.empty(), OptionalInt.empty())),
                Arguments.of("pbkdf2-sha512 and sha512 digest", new FormatOptions(64, 4096, 16384, OptionalLong.empty(),
                        OptionalLong.empty(), new KdfParameters.Pbkdf2(HashAlgorithm.SHA512, 1000), 1000,
                        HashAlgorithm.SHA512, "aes-xts-plain64", "", "", java.util.Optional.empty(), OptionalInt.empty())),
                Arguments.of("argon2i", FormatOptions.defaults(
                        new KdfParameters.Argon2(KdfParameters.Argon2Type.ARGON2I, 4, 8192, 1))),
                Arguments.of("argon2id, 2 lanes", FormatOptions.defaults(
                        new KdfParameters.Argon2(KdfParameters.Argon2Type.ARGON2ID, 4, 8192, 2))),
                Arguments.of("64 KiB metadata, 1 MiB keyslots, 1024-byte sectors, label",
                        base.withMetadataSize(65536, OptionalLong.of(1 << 20)).withSectorSize(1024)
                                .withLabel("scratch", "kata").withDataOffset(2L << 20)),
                Arguments.of("aes-xts-plain", base.withCipher("aes-xts-plain")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("options")
    void format_anyOptions_cryptsetupAcceptsOpensAndExtends(String name, FormatOptions o) throws Exception {
        Path img = TestFiles.sparse(dir.resolve("v.img"), 24L << 20);
        checkRoundTrip(img, img, false, o);
    }

    @Test
    void format_detachedHeader_cryptsetupOpensWithHeaderOption() throws Exception {
        Path hdr = TestFiles.sparse(dir.resolve("hdr.img"), 16L << 20);
        Path data = TestFiles.sparse(dir.resolve("data.img"), 4L << 20);
        checkRoundTrip(hdr, data, true, FormatOptions.defaults(FAST_PBKDF2));
    }

    private void checkRoundTrip(Path headerFile, Path dataFile, boolean detached, FormatOptions o) throws Exception {
        Path k0 = Files.write(dir.resolve("k0"), "first passphrase".getBytes());
        Path k1 = Files.write(dir.resolve("k1"), "added by cryptsetup".getBytes());
        Path k2 = Files.write(dir.resolve("k2"), "added by nbdcrypt".getBytes());
        List<String> hdrOpt = detached ? List.of("--header", headerFile.toString()) : List.of();
        Path target = detached ? dataFile : headerFile;
        byte[] plain = new byte[5 * o.sectorSize()];
        new SecureRandom().nextBytes(plain);
        byte[] ourKey;
        long segOffset;
        try (BlockDevice dev = FileBlockDevice.open(headerFile, false);
                Passphrase pass = Passphrase.copyOf(Files.readAllBytes(k0))) {
            Luks2Formatter.Formatted f = Luks2Formatter.format(dev, HeaderLocation.detachedIf(detached), o, pass, new SecureRandom());
            try (VolumeKey key = f.volumeKey()) {
                ourKey = key.copyBytes(KeyAccess.get());
                segOffset = f.volume().header().dataSegment().offset();
                BlockDevice data = detached ? FileBlockDevice.open(dataFile, false) : dev;
                EncryptedVolume ev = f.volume().dataVolume(data, key);
                ev.write(o.sectorSize(), ByteBuffer.wrap(plain));
                ev.flush();
                if (detached) {
                    data.close();
                }
            }
        }
        String dump = Cryptsetup.dump(headerFile, List.of());
        assertTrue(dump.contains("Version:       \t2"), dump);
        // The whole cipher line: "aes-xts-plain" is a prefix of "aes-xts-plain64".
        assertTrue(java.util.regex.Pattern.compile("(?m)^\\s*cipher:\\s*" + java.util.regex.Pattern.quote(o.cipher()) + "$")
                .matcher(dump).find(), dump);
        if (!o.label().isEmpty()) {
            assertTrue(dump.contains("Label:         \t" + o.label()), dump);
        }
        assertEquals(0, Cryptsetup.testPassphrase(target, k0, hdrOpt));
        assertNotEquals(0, Cryptsetup.testPassphrase(target, k1, hdrOpt));
        assertArrayEquals(ourKey, Cryptsetup.volumeKey(headerFile, k0, List.of()));
        String ivMode = o.cipher().endsWith("plain64") ? "plain64" : "plain";
        assertArrayEquals(plain, PythonXts.decrypt(dataFile, ourKey, segOffset, o.sectorSize(), 0, o.sectorSize(),
                plain.length, ivMode));

        // cryptsetup adds a keyslot to our header; we open with it, add our own, remove the first.
        Cryptsetup.addKey(headerFile, k0, k1, List.of());
        try (BlockDevice dev = FileBlockDevice.open(headerFile, false);
                Passphrase p0 = Passphrase.copyOf(Files.readAllBytes(k0));
                Passphrase p1 = Passphrase.copyOf(Files.readAllBytes(k1));
                Passphrase p2 = Passphrase.copyOf(Files.readAllBytes(k2))) {
            Luks2Volume v = Luks2Volume.open(dev, HeaderLocation.detachedIf(detached));
            Luks2Volume.Unlocked u = v.unlock(p1, OptionalInt.empty());
            assertEquals(1, u.keyslot());
            try (VolumeKey key = u.volumeKey()) {
                assertArrayEquals(ourKey, key.copyBytes(KeyAccess.get()));
                assertEquals(2, v.addKeyslot(key, p2, o.kdf(), OptionalInt.empty(), HashAlgorithm.SHA256));
            }
            v.removeKeyslot(0);
            assertThrows(WrongPassphraseException.class, () -> v.unlock(p0, OptionalInt.empty()));
        }
        assertEquals(0, Cryptsetup.testPassphrase(target, k2, hdrOpt));
        assertEquals(0, Cryptsetup.testPassphrase(target, k1, hdrOpt));
        assertNotEquals(0, Cryptsetup.testPassphrase(target, k0, hdrOpt), () -> Cryptsetup.dump(headerFile, List.of())
                + Cryptsetup.run(List.of("open", "--test-passphrase", "-v", "--debug", "--key-file", k0.toString(), target.toString())).stderr()
                + Cryptsetup.run(List.of("open", "--test-passphrase", "-v", "--debug", "--key-file", k0.toString(), target.toString())).stdoutText());
        Cryptsetup.run(concat(List.of("luksKillSlot", "--batch-mode", headerFile.toString(), "1"))).assertSuccess();
        try (BlockDevice dev = FileBlockDevice.open(headerFile, true);
                Passphrase p1 = Passphrase.copyOf(Files.readAllBytes(k1));
                Passphrase p2 = Passphrase.copyOf(Files.readAllBytes(k2))) {
            Luks2Volume v = Luks2Volume.open(dev, HeaderLocation.detachedIf(detached));
            assertThrows(WrongPassphraseException.class, () -> v.unlock(p1, OptionalInt.empty()));
            v.unlock(p2, OptionalInt.of(2)).volumeKey().close();
        }
    }

    @Test
    void format_defaults_sameLayoutAsCryptsetupDefaults() throws Exception {
        Path ours = TestFiles.sparse(dir.resolve("ours.img"), 20L << 20);
        Path theirs = TestFiles.sparse(dir.resolve("theirs.img"), 20L << 20);
        Path key = Files.write(dir.resolve("k"), "layout".getBytes());
        Cryptsetup.format(theirs, key, List.of("--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000"));
        try (BlockDevice dev = FileBlockDevice.open(ours, false);
                Passphrase p = Passphrase.copyOf(Files.readAllBytes(key))) {
            Luks2Formatter.format(dev, HeaderLocation.ON_DATA_DEVICE, FormatOptions.defaults(FAST_PBKDF2), p, new SecureRandom()).volumeKey().close();
        }
        List<String> expected = layout(Cryptsetup.dump(theirs, List.of()));
        assertTrue(expected.size() >= 15 && expected.contains("Area offset:32768 [bytes]"), expected::toString);
        assertEquals(expected, layout(Cryptsetup.dump(ours, List.of())));
    }

    /** The lines of a luksDump that describe sizes, offsets and algorithms (not salts, UUIDs or digests). */
    private static List<String> layout(String dump) {
        return dump.lines().map(String::strip)
                .filter(l -> l.matches("^(Version|Metadata area|Keyslots area|offset|length|cipher|sector|Key|Cipher|"
                        + "Cipher key|PBKDF|Hash|Iterations|AF stripes|AF hash|Area offset|Area length|Digest ID|Priority):.*"))
                .toList();
    }

    @Test
    void addAndRemoveKeyslot_tokenImportedByCryptsetup_survivesUntouched() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("v.img"), 20L << 20);
        Path k0 = Files.write(dir.resolve("k0"), "token".getBytes());
        Path k1 = Files.write(dir.resolve("k1"), "token two".getBytes());
        Cryptsetup.format(img, k0, CryptsetupToNbdcryptTest.concat(Cryptsetup.FAST_PBKDF2, List.of("--type", "luks2")));
        Cryptsetup.addKey(img, k0, k1, List.of());
        String token = "{\"type\":\"acme-kms\",\"keyslots\":[\"1\"],\"url\":\"https://kms/v1\",\"nested\":{\"a\":[1,2,{\"b\":null}]}}";
        ExternalTool.run(List.of(Cryptsetup.binary().toString(), "token", "import", "--token-id", "3", img.toString()),
                token.getBytes(), 60).assertSuccess();
        String before = Cryptsetup.run(List.of("token", "export", "--token-id", "3", img.toString())).assertSuccess().stdoutText();
        try (BlockDevice dev = FileBlockDevice.open(img, false);
                Passphrase p0 = Passphrase.copyOf(Files.readAllBytes(k0));
                Passphrase p2 = Passphrase.copyOf("added".getBytes())) {
            Luks2Volume v = Luks2Volume.open(dev, HeaderLocation.ON_DATA_DEVICE);
            try (VolumeKey key = v.unlock(p0, OptionalInt.empty()).volumeKey()) {
                v.addKeyslot(key, p2, FAST_PBKDF2, OptionalInt.empty(), HashAlgorithm.SHA256);
            }
            v.removeKeyslot(0);
        }
        String after = Cryptsetup.run(List.of("token", "export", "--token-id", "3", img.toString())).assertSuccess().stdoutText();
        assertEquals(before, after);
        assertTrue(after.contains("acme-kms") && after.contains("https://kms/v1"), after);
    }

    @Test
    void changePassphrase_ourVolume_cryptsetupOpensOnlyNewOne() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("v.img"), 20L << 20);
        Path oldKey = Files.write(dir.resolve("old"), "old".getBytes());
        Path newKey = Files.write(dir.resolve("new"), "new".getBytes());
        try (BlockDevice dev = FileBlockDevice.open(img, false);
                Passphrase o = Passphrase.copyOf(Files.readAllBytes(oldKey));
                Passphrase n = Passphrase.copyOf(Files.readAllBytes(newKey))) {
            Luks2Formatter.format(dev, HeaderLocation.ON_DATA_DEVICE, FormatOptions.defaults(FAST_PBKDF2), o, new SecureRandom()).volumeKey().close();
            Luks2Volume v = Luks2Volume.open(dev, HeaderLocation.ON_DATA_DEVICE);
            long seq = v.header().seqid();
            v.changePassphrase(o, n, FAST_PBKDF2, OptionalInt.empty());
            assertTrue(v.header().seqid() >= seq + 2, "every update bumps seqid");
        }
        assertEquals(0, Cryptsetup.testPassphrase(img, newKey, List.of()));
        assertNotEquals(0, Cryptsetup.testPassphrase(img, oldKey, List.of()));
    }

    private static List<String> concat(List<String> a) {
        return new ArrayList<>(a);
    }
}
