package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.luks.common.RefusalReport;
import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.testsupport.ExternalTool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * nbdcrypt beside cryptsetup on a corpus of images that {@code cryptsetup-corpus.sh} makes with
 * the real cryptsetup and byte edits, after cryptsetup's own test images (evil LUKS1 keyslots,
 * unbound keyslots, a reencryption in progress, unknown requirements, lost header copies ...).
 *
 * <p>{@code dump} must exit as {@code luksDump} does and, where both show the header, print
 * the same text (what nbdcrypt refuses comes after it). {@code test-key} must exit as
 * {@code open --test-passphrase} does, except where nbdcrypt's allow-list refuses a header
 * cryptsetup opens: then it exits 1 naming the field. cryptsetup runs on a copy of each
 * image, because it repairs a lost copy in place.
 */
class CryptsetupCorpusTest {
    @TempDir
    static Path dir;
    static Path corpus;

    @BeforeAll
    static void generate() throws IOException {
        Cryptsetup.binary();
        Path script = dir.resolve("cryptsetup-corpus.sh");
        try (InputStream in = CryptsetupCorpusTest.class.getResourceAsStream("cryptsetup-corpus.sh")) {
            Files.copy(in, script);
        }
        corpus = dir.resolve("corpus");
        ExternalTool.run(List.of("bash", script.toString(), corpus.toString()), null, 300).assertSuccess();
    }

    /**
     * Image; the field dump lists as refused (null: none); the field test-key names where it
     * refuses what cryptsetup opens (null: the same exit as cryptsetup's).
     */
    static Stream<Arguments> images() {
        return Stream.of(
                Arguments.of("luks1-valid.img", null, null),
                Arguments.of("luks1-disabled-slot-in-header.img", null, null),
                Arguments.of("luks1-disabled-slot-in-payload.img", null, null),
                Arguments.of("luks1-disabled-slot-stripes.img", null, null),
                Arguments.of("luks1-disabled-slots-overlap.img", null, null),
                Arguments.of("luks1-small-device.img", null, null),
                Arguments.of("luks1-payload-past-end.img", null, null),
                Arguments.of("luks2-valid.img", null, null),
                Arguments.of("luks2-unbound-keyslot.img", null, null),
                Arguments.of("luks2-keyslot-cbc-essiv.img", null, null),
                Arguments.of("luks2-kdf-unknown.img", "keyslots.0.kdf.type", null),
                Arguments.of("luks2-area-outside.img", null, null),
                Arguments.of("luks2-truncated-in-json.img", null, null),
                Arguments.of("luks2-truncated-in-keyslots.img", null, null),
                Arguments.of("luks2-data-past-end.img", null, null),
                Arguments.of("luks2-primary-wiped.img", null, null),
                Arguments.of("luks2-primary-under-swap.img", null, null),
                Arguments.of("luks2-reencrypt-in-progress.img", "config.requirements.mandatory", "config.requirements.mandatory"),
                Arguments.of("luks2-requirement-unknown.img", "config.requirements.mandatory", "config.requirements.mandatory"),
                Arguments.of("luks2-segment-cipher-serpent.img", "segments.0.encryption", "segments.0.encryption"),
                Arguments.of("luks2-segment-linear.img", "segments.0.type", "segments.0.type"));
    }

    private static Path image(String name) {
        Path p = corpus.resolve(name);
        if (!Files.exists(p)) {
            ExternalTool.unavailable(name + " was not generated (mkswap missing?)");
        }
        return p;
    }

    /** A copy for cryptsetup, at a path of the same length so LUKS1's "header information for PATH" line compares. */
    private static Path copy(Path image) throws IOException {
        Path d = Files.createDirectories(dir.resolve("csetup"));
        return Files.copy(image, d.resolve(image.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void dump_exitsAndPrintsAsLuksDump(String name, String refusedField, String openRefused) throws IOException {
        Path img = image(name);
        Path theirs = copy(img);
        ExternalTool.Result cs = Cryptsetup.run(List.of("luksDump", theirs.toString()));
        LuksCommandsTest.Run ours = LuksCommandsTest.nbdcrypt("dump", img.toString());
        assertEquals(cs.exitCode(), ours.exit(), () -> "cryptsetup: " + cs.stderr() + "\nnbdcrypt: " + ours.err());
        if (cs.exitCode() == 0) {
            String text = ours.out();
            int block = text.indexOf(RefusalReport.HEADING);
            String shown = block < 0 ? text : text.substring(0, block);
            assertEquals(cs.stdoutText().replace(theirs.toString(), img.toString()), shown);
            assertEquals(refusedField != null, block >= 0, text);
            if (refusedField != null) {
                assertTrue(text.substring(block).contains("\t" + refusedField + ": "), text);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void testKey_exitsAsTestPassphrase(String name, String dumpRefused, String refusedField) throws IOException {
        Path img = image(name);
        Path key = corpus.resolve("key");
        int cs = Cryptsetup.testPassphrase(copy(img), key, List.of());
        LuksCommandsTest.Run ours = LuksCommandsTest.nbdcrypt("test-key", img.toString(), "--key-file", key.toString());
        if (refusedField == null) {
            assertEquals(cs, ours.exit(), ours.err());
            assertFalse(ours.err().contains("Exception"), ours.err());
        } else {
            assertEquals(0, cs, "cryptsetup opens it");
            assertEquals(ExitStatus.WRONG_PARAMETERS, ours.exit(), ours.err());
            assertTrue(ours.err().contains("LUKS header refused: " + refusedField + ": "), ours.err());
        }
    }

    @Test
    void testKey_unboundKeyslotBySlot_opensAsCryptsetupDoes() throws IOException {
        Path img = image("luks2-unbound-keyslot.img");
        Path key2 = corpus.resolve("key2");
        assertEquals(0, Cryptsetup.testPassphrase(copy(img), key2, List.of("--key-slot", "1")));
        LuksCommandsTest.Run ours = LuksCommandsTest.nbdcrypt("test-key", img.toString(), "-d", key2.toString(), "-S", "1");
        assertEquals(0, ours.exit(), ours.err());
        assertTrue(LuksCommandsTest.nbdcrypt("dump", img.toString()).out().contains("  1: luks2 (unbound)\n"));
        // It holds a key, not the data segment's: serving with it is refused in words.
        LuksCommandsTest.Run key = LuksCommandsTest.nbdcrypt("dump", img.toString(), "--dump-volume-key", "-q", "-d",
                key2.toString(), "-S", "1");
        assertEquals(ExitStatus.WRONG_PARAMETERS, key.exit());
        assertTrue(key.err().contains("keyslot 1 is unbound"), key.err());
    }

    @Test
    void testKey_reencryptionInProgress_pointsToCryptsetupReencrypt() throws IOException {
        LuksCommandsTest.Run ours = LuksCommandsTest.nbdcrypt("test-key", image("luks2-reencrypt-in-progress.img").toString(),
                "-d", corpus.resolve("key").toString());
        assertTrue(ours.err().contains("in the middle of a LUKS2 reencryption")
                && ours.err().contains("cryptsetup reencrypt --resume-only"), ours.err());
    }

    @Test
    void repair_primaryUnderSwap_asCryptsetupRepairThenBothOpen() throws IOException {
        Path ours = image("luks2-primary-under-swap.img");
        Path theirs = copy(ours);
        LuksCommandsTest.Run refused = LuksCommandsTest.nbdcrypt("test-key", ours.toString(), "-d", corpus.resolve("key").toString());
        assertTrue(refused.err().contains("swap") && refused.err().contains("nbdcrypt repair"), refused.err());
        Cryptsetup.run(List.of("repair", "-q", theirs.toString())).assertSuccess();
        LuksCommandsTest.Run repair = LuksCommandsTest.nbdcrypt("repair", "-q", ours.toString());
        assertEquals(0, repair.exit(), repair.err());
        Path key = corpus.resolve("key");
        assertEquals(0, LuksCommandsTest.nbdcrypt("test-key", ours.toString(), "-d", key.toString()).exit());
        assertEquals(0, Cryptsetup.testPassphrase(ours, key, List.of()), "cryptsetup opens what nbdcrypt repaired");
        assertEquals(0, Cryptsetup.testPassphrase(theirs, key, List.of()));
        assertEquals(List.of(), ExternalTool.run("blkid", "-p", "-o", "value", "-s", "TYPE", ours.toString()).stdoutText()
                .lines().filter(t -> !t.equals("crypto_LUKS")).toList(), "the swap signature is gone");
    }
}
