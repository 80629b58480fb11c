package io.nbdcrypt.luks2.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import io.nbdcrypt.luks2.Luks2HeaderReader;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks2.disk.HeaderCopyReader;
import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of hostile LUKS2 headers in the spirit of cryptsetup's {@code tests/generators} and
 * {@code luks2-validation-test}: one generator per case, applied to a header cryptsetup made,
 * checksums recomputed so the rule under test is what must catch it, and the expected verdict:
 * the field the {@link LuksFormatException} names.
 */
class HostileHeaderTest {
    @TempDir
    static Path dir;
    static byte[] base;
    static byte[] passphrase = "hostile host".getBytes(StandardCharsets.US_ASCII);

    @BeforeAll
    static void makeBase() throws Exception {
        Path img = dir.resolve("base.img");
        TestFiles.sparse(img, 4L << 20);
        Path key = Files.write(dir.resolve("k"), passphrase);
        Path key2 = Files.write(dir.resolve("k2"), "second".getBytes());
        Cryptsetup.format(img, key, List.of("--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
                "--luks2-keyslots-size", "1m"));
        Cryptsetup.addKey(img, key, key2, List.of());
        base = Files.readAllBytes(img);
    }

    static MemoryBlockDevice fresh() {
        return new MemoryBlockDevice(base.clone());
    }

    interface Edit {
        void apply(ObjectNode json) throws Exception;
    }

    interface RawEdit {
        void apply(MemoryBlockDevice d) throws Exception;
    }

    static Arguments json(String name, String field, Edit e) {
        RawEdit raw = d -> {
            ObjectNode j = HeaderEditor.json(d, 0);
            e.apply(j);
            HeaderEditor.setJson(d, j);
        };
        return Arguments.of(name, field, raw);
    }

    static Arguments raw(String name, String field, RawEdit e) {
        return Arguments.of(name, field, e);
    }

    static ObjectNode at(ObjectNode j, String... path) {
        ObjectNode n = j;
        for (String p : path) {
            n = (ObjectNode) n.get(p);
        }
        return n;
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // CVE-2025-59054: the host swaps the cipher and fixes the checksums.
                json("segment cipher_null", "segments.0.encryption", j -> at(j, "segments", "0").put("encryption", "cipher_null")),
                json("segment cipher_null-ecb", "segments.0.encryption", j -> at(j, "segments", "0").put("encryption", "cipher_null-ecb")),
                json("keyslot area cipher_null", "keyslots.0.area.encryption",
                        j -> at(j, "keyslots", "0", "area").put("encryption", "cipher_null-ecb")),
                json("segment aes-cbc-essiv", "segments.0.encryption",
                        j -> at(j, "segments", "0").put("encryption", "aes-cbc-essiv:sha256")),
                json("segment twofish", "segments.0.encryption", j -> at(j, "segments", "0").put("encryption", "twofish-xts-plain64")),
                json("iv_tweak not whole 4096-byte sectors", "segments.0.iv_tweak",
                        j -> at(j, "segments", "0").put("sector_size", 4096).put("iv_tweak", "3")),
                // JSON area rules.
                raw("JSON area not starting with '{'", "json: JSON area does not start with '{'", d -> HeaderEditor.setJsonText(d,
                        " " + HeaderEditor.MAPPER.writeValueAsString(HeaderEditor.json(d, 0)))),
                raw("non-NUL byte after the object", "json: non-NUL byte at", d -> {
                    byte[] a = HeaderEditor.area(d, 0);
                    a[a.length - 100] = 'x';
                    HeaderEditor.setArea(d, a);
                }),
                raw("JSON fills the whole area", "json: JSON object fills the whole area", d -> {
                    String s = HeaderEditor.MAPPER.writeValueAsString(HeaderEditor.json(d, 0));
                    int areaLen = (int) HeaderEditor.hdrSize(d) - 4096;
                    // White space before the closing brace, so the object itself ends at the last byte.
                    HeaderEditor.setJsonText(d, s.substring(0, s.length() - 1) + " ".repeat(areaLen - s.length()) + "}");
                }),
                raw("duplicate key", "json", d -> HeaderEditor.setJsonText(d,
                        HeaderEditor.MAPPER.writeValueAsString(HeaderEditor.json(d, 0)).replaceFirst("\\{\"keyslots\":", "{\"tokens\":{},\"keyslots\":"))),
                raw("deep nesting", "json", d -> HeaderEditor.setJsonText(d,
                        HeaderEditor.MAPPER.writeValueAsString(HeaderEditor.json(d, 0)).replaceFirst("\"tokens\":\\{\\}",
                                "\"tokens\":{\"0\":{\"type\":\"x\",\"keyslots\":[],\"deep\":" + "[".repeat(100) + "]".repeat(100) + "}}"))),
                raw("truncated JSON", "json: malformed JSON metadata", d -> HeaderEditor.setJsonText(d,
                        HeaderEditor.MAPPER.writeValueAsString(HeaderEditor.json(d, 0)).substring(0, 200))),
                // Missing sections and bad references.
                json("no segments section", "json.segments", j -> j.remove("segments")),
                json("segment 0 missing", "segments", j -> at(j, "segments").removeAll()),
                // Bound to the digest as cryptsetup's reencryption binds its segments: well-formed, still one too many.
                json("second segment (reencryption)", "segments", j -> {
                    at(j, "segments").set("1", at(j, "segments", "0").deepCopy());
                    ((ArrayNode) at(j, "digests", "0").get("segments")).add("1");
                }),
                json("second segment bound to no digest", "segments.1", j -> at(j, "segments").set("1", at(j, "segments", "0").deepCopy())),
                json("digest references keyslot 7", "digests.0.keyslots", j -> ((ArrayNode) at(j, "digests", "0").get("keyslots")).add("7")),
                json("digest references segment 3", "digests.0.segments", j -> ((ArrayNode) at(j, "digests", "0").get("segments")).add("3")),
                json("keyslot bound to no digest", "keyslots.1", j -> ((ArrayNode) at(j, "digests", "0").get("keyslots")).remove(1)),
                json("token references keyslot 9", "tokens.0.keyslots",
                        j -> at(j, "tokens").putObject("0").put("type", "x").putArray("keyslots").add("9")),
                json("keyslot id 32", "keyslots.32", j -> at(j, "keyslots").set("32", at(j, "keyslots").remove("1"))),
                json("keyslot id with leading zero", "keyslots.01", j -> at(j, "keyslots").set("01", at(j, "keyslots").remove("1"))),
                // Numbers and overflow.
                json("segment offset 2^64-1", "segments.0.offset", j -> at(j, "segments", "0").put("offset", "18446744073709551615")),
                json("segment offset negative", "segments.0.offset", j -> at(j, "segments", "0").put("offset", "-4096")),
                json("segment offset + size overflows", "segments.0.size", j -> at(j, "segments", "0").put("size", "9223372036854771712")),
                json("keyslot area offset near 2^63", "keyslots.0.area.offset",
                        j -> at(j, "keyslots", "0", "area").put("offset", "9223372036854775296")),
                json("offset as a JSON number", "segments.0.offset", j -> at(j, "segments", "0").put("offset", 16777216)),
                json("key_size 48", "keyslots.0.key_size", j -> at(j, "keyslots", "0").put("key_size", 48)),
                json("sector_size 8192", "segments.0.sector_size", j -> at(j, "segments", "0").put("sector_size", 8192)),
                json("sector_size 1000", "segments.0.sector_size", j -> at(j, "segments", "0").put("sector_size", 1000)),
                // Anti-forensic splitter and KDF floor.
                json("3999 AF stripes", "keyslots.0.af.stripes", j -> at(j, "keyslots", "0", "af").put("stripes", 3999)),
                json("1 AF stripe", "keyslots.0.af.stripes", j -> at(j, "keyslots", "0", "af").put("stripes", 1)),
                json("AF hash md5", "keyslots.0.af.hash", j -> at(j, "keyslots", "0", "af").put("hash", "md5")),
                json("pbkdf2 999 iterations", "keyslots.0.kdf.iterations", j -> at(j, "keyslots", "0", "kdf").put("iterations", 999)),
                // cryptsetup 2.6.1 accepts any passphrase when the digest has an unexpected length.
                json("digest of 40 bytes for sha256", "digests.0.digest",
                        j -> at(j, "digests", "0").put("digest", java.util.Base64.getEncoder().encodeToString(new byte[40]))),
                json("digest 1 iteration", "digests.0.iterations", j -> at(j, "digests", "0").put("iterations", 1)),
                json("argon2id 16 KiB memory", "keyslots.0.kdf.memory", j -> {
                    ObjectNode k = at(j, "keyslots", "0", "kdf");
                    k.removeAll();
                    k.put("type", "argon2id").put("time", 4).put("memory", 16).put("cpus", 1).put("salt", "AAAA");
                }),
                json("argon2id 64 GiB memory", "keyslots.0.kdf.memory", j -> {
                    ObjectNode k = at(j, "keyslots", "0", "kdf");
                    k.removeAll();
                    k.put("type", "argon2id").put("time", 4).put("memory", 64 << 20).put("cpus", 1).put("salt", "AAAA");
                }),
                json("kdf type scrypt", "keyslots.0.kdf.type", j -> at(j, "keyslots", "0", "kdf").put("type", "scrypt")),
                // Areas.
                json("keyslot area past the keyslots area", "keyslots.0.area.offset",
                        j -> at(j, "keyslots", "0", "area").put("offset", Long.toString(32768 + (1 << 20)))),
                json("keyslot area inside the header", "keyslots.0.area.offset",
                        j -> at(j, "keyslots", "0", "area").put("offset", "4096")),
                json("keyslot area too small for its material", "keyslots.0.area.size",
                        j -> at(j, "keyslots", "0", "area").put("size", "4096")),
                json("overlapping keyslot areas", "keyslots.1.area", j -> at(j, "keyslots", "1", "area")
                        .put("offset", Long.parseLong(at(j, "keyslots", "0", "area").get("offset").asText()) + 4096 + "")),
                json("segment overlapping the header", "segments.0.offset", j -> at(j, "segments", "0").put("offset", "16384")),
                json("segment overlapping the keyslots area", "segments.0.offset", j -> at(j, "segments", "0").put("offset", "524288")),
                // config.
                json("json_size mismatch", "config.json_size", j -> at(j, "config").put("json_size", "28672")),
                json("keyslots_size unaligned", "config.keyslots_size", j -> at(j, "config").put("keyslots_size", "1000")),
                json("unknown mandatory requirement", "config.requirements.mandatory",
                        j -> at(j, "config").putObject("requirements").putArray("mandatory").add("online-reencrypt-v9")),
                // Binary header.
                raw("version 3", "binary.version", d -> {
                    d.bytes[7] = 3;
                    d.bytes[(int) HeaderEditor.hdrSize(d) + 7] = 3;
                    HeaderEditor.fixChecksum(d, 0);
                    HeaderEditor.fixChecksum(d, HeaderEditor.hdrSize(d));
                }),
                raw("hdr_size 12288", "binary.hdr_size", d -> HeaderEditor.setBinaryLong(d, 8, 12288)),
                raw("hdr_offset lies", "binary.hdr_offset", d -> HeaderEditor.setBinaryLong(d, 256, 8192)),
                raw("label not NUL-terminated", "binary.label", d -> {
                    for (long off : new long[] {0, HeaderEditor.hdrSize(d)}) {
                        java.util.Arrays.fill(d.bytes, (int) off + 24, (int) off + 72, (byte) 'A');
                    }
                }),
                raw("checksum_alg whirlpool", "binary.checksum_alg", d -> {
                    for (long off : new long[] {0, HeaderEditor.hdrSize(d)}) {
                        byte[] w = "whirlpool\0".getBytes(StandardCharsets.US_ASCII);
                        System.arraycopy(w, 0, d.bytes, (int) off + 72, w.length);
                    }
                }),
                raw("checksum bad in both copies", "binary.csum", d -> {
                    d.bytes[4096 + 10] ^= 1;
                    d.bytes[(int) HeaderEditor.hdrSize(d) + 4096 + 10] ^= 1;
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void read_hostileHeader_refusedNamingField(String name, String field, RawEdit edit) throws Exception {
        MemoryBlockDevice d = fresh();
        edit.apply(d);
        LuksFormatException e = assertThrows(LuksFormatException.class, () -> Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE));
        // "field" or, where one field has several rules, "field: start of the message".
        String expectedField = field.contains(": ") ? field.substring(0, field.indexOf(": ")) : field;
        assertEquals(expectedField, e.field(), e::getMessage);
        assertTrue(e.getMessage().startsWith(field.contains(": ") ? field : field + ": "), e::getMessage);
        assertFalse(e.getMessage().contains(new String(passphrase, StandardCharsets.US_ASCII)));
    }

    /** Cases cryptsetup reads too (nbdcrypt's allow-list refuses them): dump shows them, open refuses. */
    static final java.util.Set<String> UNSUPPORTED = java.util.Set.of("segment cipher_null", "keyslot area cipher_null",
            "segment twofish", "kdf type scrypt", "pbkdf2 999 iterations", "unknown mandatory requirement",
            "second segment (reencryption)", "AF hash md5", "sector_size 8192", "3999 AF stripes", "digest 1 iteration",
            "argon2id 16 KiB memory", "key_size 48");
    /** Cases cryptsetup refuses as well: every command refuses them. */
    static final java.util.Set<String> MALFORMED = java.util.Set.of("keyslot area past the keyslots area",
            "overlapping keyslot areas", "json_size mismatch", "truncated JSON", "digest references keyslot 7",
            "second segment bound to no digest", "sector_size 1000", "segment overlapping the header");

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void inspect_unsupportedListedMalformedThrown(String name, String field, RawEdit edit) throws Exception {
        MemoryBlockDevice d = fresh();
        edit.apply(d);
        LuksFormatException strict = assertThrows(LuksFormatException.class,
                () -> Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE));
        boolean unsupported = strict instanceof UnsupportedFeatureException;
        if (UNSUPPORTED.contains(name)) {
            assertTrue(unsupported, name + " must be a policy refusal: " + strict.getMessage());
        }
        if (MALFORMED.contains(name)) {
            assertFalse(unsupported, name + " must be malformed: " + strict.getMessage());
        }
        if (unsupported) {
            var shown = Luks2HeaderReader.inspect(d, HeaderLocation.ON_DATA_DEVICE).chosen();
            assertTrue(shown.refusals().stream().anyMatch(r -> r.field().equals(strict.field())), shown.refusals()::toString);
            assertTrue(shown.header().isEmpty());
        } else {
            LuksFormatException again = assertThrows(LuksFormatException.class,
                    () -> Luks2HeaderReader.inspect(d, HeaderLocation.ON_DATA_DEVICE));
            assertEquals(strict.field(), again.field());
        }
    }

    @Test
    void read_deviceSmallerThanTheKeyslotsArea_refusedAsTooSmall() throws Exception {
        long need = 2 * HeaderEditor.hdrSize(fresh()) + (1L << 20);
        MemoryBlockDevice cut = new MemoryBlockDevice(java.util.Arrays.copyOf(base, (int) need - 4096));
        LuksFormatException e = assertThrows(LuksFormatException.class,
                () -> Luks2HeaderReader.read(cut, HeaderLocation.ON_DATA_DEVICE));
        assertEquals("device", e.field(), e::getMessage);
        Luks2HeaderReader.read(new MemoryBlockDevice(java.util.Arrays.copyOf(base, (int) need)), HeaderLocation.ON_DATA_DEVICE);
    }

    @Test
    void read_primaryLostUnderSwapSignature_notAutoRecoveredButRepairable() throws Exception {
        MemoryBlockDevice d = fresh();
        java.util.Arrays.fill(d.bytes, 0, 4096, (byte) 0);
        System.arraycopy("SWAPSPACE2".getBytes(StandardCharsets.US_ASCII), 0, d.bytes, 4096 - 10, 10);
        LuksFormatException e = assertThrows(LuksFormatException.class,
                () -> Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE));
        assertTrue(e.getMessage().contains("ambiguous") && e.getMessage().contains("swap")
                && e.getMessage().contains("repair"), e::getMessage);
        Luks2Volume.openForRepair(d, HeaderLocation.ON_DATA_DEVICE).repair();
        var loaded = Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE);
        assertFalse(loaded.needsRepair());
        assertFalse(new String(d.bytes, 4096 - 10, 10, StandardCharsets.US_ASCII).equals("SWAPSPACE2"));
    }

    @ParameterizedTest(name = "metadata size {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"16k", "32k", "64k", "128k", "256k", "512k", "1m", "2m", "4m"})
    void read_everyMetadataSize_validOpensAndPrimaryLossFindsSecondary(String size) throws Exception {
        Path img = dir.resolve("m" + size + ".img");
        TestFiles.sparse(img, 16L << 20);
        Path key = Files.write(dir.resolve("km"), passphrase);
        Cryptsetup.format(img, key, List.of("--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
                "--luks2-metadata-size", size, "--luks2-keyslots-size", "1m"));
        MemoryBlockDevice d = new MemoryBlockDevice(Files.readAllBytes(img));
        long hdr = HeaderEditor.hdrSize(d);
        assertEquals(Long.parseLong(size.replaceAll("\\D", "")) << (size.endsWith("k") ? 10 : 20), hdr);
        assertFalse(Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE).needsRepair());
        // JSON that runs past its area is cut at the area end and refused, at every size.
        MemoryBlockDevice longJson = d.copy();
        String text = HeaderEditor.MAPPER.writeValueAsString(HeaderEditor.json(d, 0));
        HeaderEditor.setJsonText(longJson, text.replaceFirst("\\{\"keyslots\"", "{\"pad\":\"" + "x".repeat((int) hdr) + "\",\"keyslots\""));
        assertEquals("json", assertThrows(LuksFormatException.class, () -> Luks2HeaderReader.read(longJson, HeaderLocation.ON_DATA_DEVICE)).field());
        // Losing the primary: the secondary is found at this size's offset and repair restores both.
        java.util.Arrays.fill(d.bytes, 0, 4096, (byte) 0);
        var loaded = Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE);
        assertTrue(!loaded.primaryValid() && loaded.secondaryValid());
        Luks2Volume.open(d, HeaderLocation.ON_DATA_DEVICE).repair();
        Files.write(img, d.bytes);
        Cryptsetup.dump(img, List.of());
        try (Passphrase p = Passphrase.copyOf(passphrase)) {
            Luks2Volume.open(d, HeaderLocation.ON_DATA_DEVICE).unlock(p, OptionalInt.empty()).volumeKey().close();
        }
    }

    @Test
    void read_baseImage_isValid() throws Exception {
        var loaded = Luks2HeaderReader.read(fresh(), HeaderLocation.ON_DATA_DEVICE);
        assertFalse(loaded.needsRepair());
        assertEquals(2, loaded.header().keyslots().size());
    }

    @Test
    void read_segmentAtZeroWithDetachedHeader_accepted() throws Exception {
        MemoryBlockDevice d = fresh();
        ObjectNode j = HeaderEditor.json(d, 0);
        at(j, "segments", "0").put("offset", "0");
        HeaderEditor.setJson(d, j);
        assertThrows(LuksFormatException.class, () -> Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE));
        assertEquals(0, Luks2HeaderReader.read(d, HeaderLocation.DETACHED).header().dataSegment().offset());
    }

    @Test
    void read_primaryChecksumBad_usesSecondaryAndRepairFixesIt() throws Exception {
        MemoryBlockDevice d = fresh();
        d.bytes[4096 + 20] ^= 0x40;
        var loaded = Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE);
        assertFalse(loaded.primaryValid());
        assertTrue(loaded.secondaryValid() && loaded.needsRepair());
        assertThrows(LuksFormatException.class, () -> HeaderCopyReader.read(d, 0));
        Luks2Volume v = Luks2Volume.open(d, HeaderLocation.ON_DATA_DEVICE);
        long seq = v.header().seqid();
        try (Passphrase p = Passphrase.copyOf(passphrase)) {
            v.unlock(p, OptionalInt.empty()).volumeKey().close();
        }
        v.repair();
        assertEquals(seq + 1, v.header().seqid());
        HeaderCopyReader.read(d, 0);
        assertFalse(Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE).needsRepair());
    }

    @Test
    void read_secondaryChecksumBad_usesPrimaryAndNeedsRepair() throws Exception {
        MemoryBlockDevice d = fresh();
        d.bytes[(int) HeaderEditor.hdrSize(d) + 5000] ^= 1;
        var loaded = Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE);
        assertTrue(loaded.primaryValid());
        assertFalse(loaded.secondaryValid());
        assertTrue(loaded.needsRepair());
    }

    @Test
    void read_primaryValidButOlder_takesHigherSeqid() throws Exception {
        MemoryBlockDevice d = fresh();
        long h = HeaderEditor.hdrSize(d);
        ObjectNode j = HeaderEditor.json(d, h);
        at(j, "config").put("future_field", "kept");
        byte[] raw = HeaderEditor.MAPPER.writeValueAsBytes(j);
        byte[] area = new byte[(int) h - 4096];
        System.arraycopy(raw, 0, area, 0, raw.length);
        System.arraycopy(area, 0, d.bytes, (int) h + 4096, area.length);
        java.nio.ByteBuffer.wrap(d.bytes).putLong((int) h + 16, java.nio.ByteBuffer.wrap(d.bytes).getLong(16) + 5);
        HeaderEditor.fixChecksum(d, h);
        var loaded = Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE);
        assertEquals("kept", loaded.header().json().get("config").get("future_field").asText());
        assertTrue(loaded.needsRepair());
    }
}
