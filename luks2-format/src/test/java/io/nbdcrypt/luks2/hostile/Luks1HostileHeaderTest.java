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
                // cryptsetup checks the geometry of disabled keyslots too ("LUKS keyslot N is invalid").
                c("disabled slot 3 with 1 stripe", "luks1.keyslot.3.stripes", b -> b.putInt(208 + 3 * 48 + 44, 1)),
                c("disabled slot 2 material inside the header", "luks1.keyslot.2.key_material_offset",
                        b -> b.putInt(208 + 2 * 48 + 40, 1)),
                c("disabled slot 4 material in the payload", "luks1.keyslot.4.key_material_offset",
                        b -> b.putInt(208 + 4 * 48 + 40, b.getInt(104) - 8)),
                c("disabled slots 5 and 6 overlapping", "luks1.keyslot.5.key_material_offset",
                        b -> b.putInt(208 + 6 * 48 + 40, b.getInt(208 + 5 * 48 + 40) + 8)),
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
    void open_deviceEndsInsideTheLastKeyslot_refusedAsTooSmall() throws Exception {
        ByteBuffer h = ByteBuffer.wrap(base);
        long lastEnd = 0;
        for (int i = 0; i < 8; i++) {
            lastEnd = Math.max(lastEnd, Integer.toUnsignedLong(h.getInt(208 + i * 48 + 40)));
        }
        long need = (lastEnd + (h.getInt(108) * 4000L + 511) / 512) * 512;
        MemoryBlockDevice d = new MemoryBlockDevice(java.util.Arrays.copyOf(base, (int) need - 512));
        LuksFormatException e = assertThrows(LuksFormatException.class, () -> Luks1Volume.open(d, HeaderLocation.ON_DATA_DEVICE));
        assertEquals("device", e.field(), e::getMessage);
        Luks1Volume.open(new MemoryBlockDevice(java.util.Arrays.copyOf(base, (int) need)), HeaderLocation.ON_DATA_DEVICE);
    }

    @Test
    void inspect_policyRefusalListedMalformedThrown() throws Exception {
        MemoryBlockDevice twofish = new MemoryBlockDevice(base.clone());
        text(twofish.bytes, 8, 32, "twofish");
        var i = Luks1Volume.inspect(twofish, HeaderLocation.ON_DATA_DEVICE);
        assertEquals(List.of("luks1.cipher_mode"), i.refusals().stream().map(LuksFormatException::field).toList());
        MemoryBlockDevice stripes = new MemoryBlockDevice(base.clone());
        ByteBuffer.wrap(stripes.bytes).putInt(208 + 7 * 48 + 44, 3999);
        assertThrows(LuksFormatException.class, () -> Luks1Volume.inspect(stripes, HeaderLocation.ON_DATA_DEVICE));
    }

    @Test
    void open_unmodified_opens() throws Exception {
        MemoryBlockDevice d = new MemoryBlockDevice(base.clone());
        try (Passphrase p = Passphrase.copyOf("legacy".getBytes())) {
            assertEquals(1, LuksVolumes.open(d, Optional.empty(), p, OptionalInt.empty()).info().luksVersion());
        }
    }
}
