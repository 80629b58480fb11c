package io.nbdcrypt.xts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.xts.vectors.XtsVector;
import io.nbdcrypt.xts.vectors.XtsVectorLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every official vector, both directions, against both the fast engine and the reference.
 * Counts are checked against the raw files (counted independently of the loader) and printed.
 */
class XtsKnownAnswerTest {
    /** Byte-multiple vectors per file, from the "Data Unit Lengths Tested" headers (AES-128: 130-bit units skipped; AES-256: 140 and 250). */
    private static final Map<String, Integer> EXPECTED_RAN = Map.of(
            "XTSGenAES128.rsp", 800,
            "XTSGenAES256.rsp", 600);

    static Stream<Arguments> nistFiles() {
        List<Arguments> a = new ArrayList<>();
        for (String f : XtsVectorLoader.NIST_FILES) {
            for (XtsImplementation impl : XtsImplementation.values()) {
                a.add(Arguments.of(f, impl));
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("nistFiles")
    void nistFile_everyByteMultipleVector_matchesInBothDirections(String file, XtsImplementation impl) {
        List<XtsVector> vectors = XtsVectorLoader.loadNist(file);
        String raw = XtsVectorLoader.text(file);
        int rawRecords = count(raw, "(?m)^COUNT = \\d+");
        int rawNonByte = 0;
        Matcher m = Pattern.compile("(?m)^DataUnitLen = (\\d+)").matcher(raw);
        while (m.find()) {
            rawNonByte += Integer.parseInt(m.group(1)) % 8 != 0 ? 1 : 0;
        }
        assertEquals(rawRecords, vectors.size(), "loader must return every COUNT record of " + file);

        int ran = 0;
        int skipped = 0;
        for (XtsVector v : vectors) {
            if (!v.isByteMultiple()) {
                skipped++;
                continue;
            }
            assertArrayEquals(v.ciphertext(), impl.crypt(v.key(), v.tweak(), v.plaintext(), true), v + " encrypt");
            assertArrayEquals(v.plaintext(), impl.crypt(v.key(), v.tweak(), v.ciphertext(), false), v + " decrypt");
            ran++;
        }
        System.out.printf("%s %s: %d vectors ran in both directions, %d skipped (DataUnitLen not a whole number of bytes)%n",
                impl, file, ran, skipped);
        assertEquals(rawNonByte, skipped);
        assertEquals(rawRecords - rawNonByte, ran);
        assertEquals(EXPECTED_RAN.get(file.substring(file.lastIndexOf('/') + 1)), ran);
    }

    @ParameterizedTest
    @EnumSource(XtsImplementation.class)
    void ieee1619AnnexB_everyVector_matchesInBothDirections(XtsImplementation impl) {
        List<XtsVector> vectors = XtsVectorLoader.loadIeee();
        assertEquals(count(XtsVectorLoader.text(XtsVectorLoader.IEEE_FILE), "(?m)^\\[VECTOR \\d+\\]"), vectors.size());
        int ran = 0;
        int refused = 0;
        int stealing = 0;
        for (XtsVector v : vectors) {
            if (impl.isEngine() && v.keyHalvesEqual()) {
                // Vector 1 has K1 == K2: the engine must refuse the key rather than encrypt.
                assertThrows(IllegalArgumentException.class, () -> XtsCipher.create(SecretBytes.copyOf(v.key())), v.toString());
                refused++;
                continue;
            }
            assertArrayEquals(v.ciphertext(), impl.crypt(v.key(), v.tweak(), v.plaintext(), true), v + " encrypt");
            assertArrayEquals(v.plaintext(), impl.crypt(v.key(), v.tweak(), v.ciphertext(), false), v + " decrypt");
            stealing += v.plaintext().length % 16 != 0 ? 1 : 0;
            ran++;
        }
        System.out.printf("%s IEEE 1619-2007 Annex B: %d vectors ran in both directions (%d with ciphertext stealing), %d refused (K1 == K2)%n",
                impl, ran, stealing, refused);
        assertEquals(19, ran + refused);
        assertEquals(4, stealing);
        assertEquals(impl.isEngine() ? 1 : 0, refused);
    }

    @Test
    void loadNist_fileWithNoRecords_fails() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> XtsVectorLoader.loadNist("broken/empty.rsp"));
        assertTrue(e.getMessage().contains("no vectors"), e.getMessage());
    }

    @Test
    void loadNist_countOutOfSequence_fails() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> XtsVectorLoader.loadNist("broken/gap.rsp"));
        assertTrue(e.getMessage().contains("out of sequence"), e.getMessage());
    }

    @Test
    void loadNist_missingFile_fails() {
        assertThrows(IllegalStateException.class, () -> XtsVectorLoader.loadNist("nist/none.rsp"));
    }

    private static int count(String text, String regex) {
        return (int) Pattern.compile(regex).matcher(text).results().count();
    }
}
