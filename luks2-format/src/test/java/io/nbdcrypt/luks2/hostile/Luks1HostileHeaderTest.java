package io.nbdcrypt.luks2.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.luks.LuksVolumes;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks1.Luks1Volume;
import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile edits of a cryptsetup LUKS1 header (no checksum to fix there), each refused naming the field. */
class Luks1HostileHeaderTest {
    @TempDir
    static Path dir;
    static byte[] base;

    @BeforeAll
    static void makeBase() throws Exception {
        Path img = dir.resolve("l1.img");
        TestFiles.sparse(img, 3L << 20);
        Path k = Files.write(dir.resolve("k"), "legacy".getBytes());
        Cryptsetup.format(img, k, List.of("--type", "luks1", "--pbkdf-force-iterations", "1000"));
        base = Files.readAllBytes(img);
    }

    static void text(byte[] b, int at, int len, String s) {
        java.util.Arrays.fill(b, at, at + len, (byte) 0);
        byte[] t = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, b, at, t.length);
    }

    static Arguments c(String name, String field, Consumer<ByteBuffer> edit) {
        return Arguments.of(name, field, edit);
    }

    static Stream<Arguments> cases() {
        int slot0 = 208;
        int slot1 = 208 + 48;
        return Stream.of(
                c("cipher_null-ecb", "luks1.cipher_mode", b -> {
                    text(b.array(), 8, 32, "cipher_null");
                    text(b.array(), 40, 32, "ecb");
                }),
                c("aes-ecb", "luks1.cipher_mode", b -> text(b.array(), 40, 32, "ecb")),
                c("aes-cbc-plain", "luks1.cipher_mode", b -> text(b.array(), 40, 32, "cbc-plain")),
                c("aes-cbc-plain64", "luks1.cipher_mode", b -> text(b.array(), 40, 32, "cbc-plain64")),
                c("aes-cbc-essiv:sha1", "luks1.cipher_mode", b -> text(b.array(), 40, 32, "cbc-essiv:sha1")),
                c("aes-cbc-essiv:md5", "luks1.cipher_mode", b -> text(b.array(), 40, 32, "cbc-essiv:md5")),
                c("aes-cbc-essiv:sha256 with a trailing space", "luks1.cipher_mode",
                        b -> text(b.array(), 40, 32, "cbc-essiv:sha256 ")),
                c("twofish-cbc-essiv:sha256", "luks1.cipher_mode", b -> {
                    text(b.array(), 8, 32, "twofish");
                    text(b.array(), 40, 32, "cbc-essiv:sha256");
                }),
                c("cipher_null-cbc-essiv:sha256", "luks1.cipher_mode", b -> {
                    text(b.array(), 8, 32, "cipher_null");
                    text(b.array(), 40, 32, "cbc-essiv:sha256");
                }),
                c("aes-cbc-essiv:sha256 with a 64-byte key", "luks1.key_bytes",
                        b -> text(b.array(), 40, 32, "cbc-essiv:sha256")),
                c("aes-xts-plain64 with a 16-byte key", "luks1.key_bytes", b -> b.putInt(108, 16)),
                c("aes-xts-plain64 with a 24-byte key", "luks1.key_bytes", b -> b.putInt(108, 24)),
                c("hash md5", "luks1.hash_spec", b -> text(b.array(), 72, 32, "md5")),
                c("cipher name not terminated", "luks1.cipher_name", b -> java.util.Arrays.fill(b.array(), 8, 40, (byte) 'a')),
                c("key bytes 48", "luks1.key_bytes", b -> b.putInt(108, 48)),
                c("digest 10 iterations", "luks1.mk_digest_iterations", b -> b.putInt(164, 10)),
                c("slot stripes 1", "luks1.keyslot.0.stripes", b -> b.putInt(slot0 + 44, 1)),
                c("slot 10 iterations", "luks1.keyslot.0.iterations", b -> b.putInt(slot0 + 4, 10)),
                c("slot material inside the header", "luks1.keyslot.0.key_material_offset", b -> b.putInt(slot0 + 40, 0)),
                c("slot material past the payload", "luks1.keyslot.0.key_material_offset", b -> b.putInt(slot0 + 40, 4090)),
                c("slot material offset 2^32-1 sectors", "luks1.keyslot.0.key_material_offset", b -> b.putInt(slot0 + 40, -1)),
                c("slot active marker garbage", "luks1.keyslot.0.active", b -> b.putInt(slot0, 0x12345678)),
                c("second slot overlapping the first", "luks1.keyslot.1.key_material_offset", b -> {
                    b.putInt(slot1, 0x00AC71F3);
                    b.putInt(slot1 + 4, 1000);
                    b.putInt(slot1 + 40, b.getInt(slot0 + 40) + 8);
                    b.putInt(slot1 + 44, 4000);
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void open_hostileLuks1Header_refusedNamingField(String name, String field, Consumer<ByteBuffer> edit) throws Exception {
        MemoryBlockDevice d = new MemoryBlockDevice(base.clone());
        edit.accept(ByteBuffer.wrap(d.bytes));
        assertEquals(1, LuksVolumes.version(d));
        LuksFormatException e = assertThrows(LuksFormatException.class, () -> Luks1Volume.open(d, HeaderLocation.ON_DATA_DEVICE));
        assertEquals(field, e.field(), e::getMessage);
        try (Passphrase p = Passphrase.copyOf("legacy".getBytes())) {
            assertThrows(LuksFormatException.class, () -> LuksVolumes.open(d, Optional.empty(), p, OptionalInt.empty()));
        }
    }

    @Test
    void open_unmodified_opens() throws Exception {
        MemoryBlockDevice d = new MemoryBlockDevice(base.clone());
        try (Passphrase p = Passphrase.copyOf("legacy".getBytes())) {
            assertEquals(1, LuksVolumes.open(d, Optional.empty(), p, OptionalInt.empty()).info().luksVersion());
        }
    }
}
