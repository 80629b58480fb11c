package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exit statuses side by side with cryptsetup 2.6.1 (cryptsetup(8): 1 wrong parameters,
 * 2 no permission or bad passphrase, 3 out of memory, 4 wrong device, 5 busy or exists), for
 * the mistakes scripts meet, each run by both programs on the same files.
 */
class CryptsetupExitStatusTest {
    @TempDir
    static Path dir;
    static Path volume;
    static Path key;
    static Path wrong;

    @BeforeAll
    static void volume() throws Exception {
        volume = TestFiles.sparse(dir.resolve("v.img"), 24 << 20);
        key = Files.writeString(dir.resolve("key"), "exit statuses");
        wrong = Files.writeString(dir.resolve("wrong"), "not it");
        Cryptsetup.format(volume, key, Cryptsetup.FAST_PBKDF2);
        Files.createDirectory(dir.resolve("a-directory"));
        TestFiles.sparse(dir.resolve("not-luks.img"), 1 << 20);
    }

    /**
     * A case: the cryptsetup arguments and the nbdcrypt arguments of the same mistake, both
     * given the paths as a function so each runs on its own files.
     */
    static Stream<Arguments> mistakes() {
        String v = "v.img";
        return Stream.of(
                c("wrong passphrase", "open --test-passphrase --key-file wrong " + v, "test-key --key-file wrong " + v, 2),
                c("device missing", "luksDump nope.img", "dump nope.img", 4),
                c("device missing, test", "open --test-passphrase --key-file key nope.img", "test-key -d key nope.img", 4),
                c("device is a directory", "luksDump a-directory", "dump a-directory", 4),
                c("device is a directory, test", "open --test-passphrase --key-file key a-directory",
                        "test-key -d key a-directory", 4),
                c("not a LUKS device", "luksDump not-luks.img", "dump not-luks.img", 1),
                c("key file missing", "open --test-passphrase --key-file no-key " + v, "test-key -d no-key " + v, 1),
                c("unknown option", "luksDump --no-such-option " + v, "dump --no-such-option " + v, 1),
                c("keyslot not in use", "luksKillSlot -q " + v + " 7", "remove-key -q --key-slot 7 " + v, 1),
                c("wrong passphrase, change", "luksChangeKey -q --key-file wrong " + v + " key",
                        "change-key --key-file wrong " + v + " key", 2));
    }

    private static Arguments c(String name, String cryptsetup, String nbdcrypt, int status) {
        return Arguments.of(name, cryptsetup, nbdcrypt, status);
    }

    private static List<String> args(String line) {
        List<String> out = new ArrayList<>();
        for (String a : line.split(" ")) {
            out.add(a.endsWith(".img") || a.equals("key") || a.equals("wrong") || a.equals("no-key")
                    || a.equals("a-directory") ? dir.resolve(a).toString() : a);
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void mistake_sameExitStatusAsCryptsetup(String name, String cryptsetup, String nbdcrypt, int status) {
        ExternalTool.Result cs = Cryptsetup.run(args(cryptsetup));
        LuksCommandsTest.Run ours = LuksCommandsTest.nbdcrypt(args(nbdcrypt).toArray(String[]::new));
        assertEquals(status, cs.exitCode(), "cryptsetup itself: " + cs.stderr());
        assertEquals(cs.exitCode(), ours.exit(), () -> "cryptsetup said: " + cs.stderr() + "nbdcrypt said: " + ours.err());
        assertFalse(ours.err().contains("Exception"), ours.err());
    }

    @Test
    void directoryAsDevice_saysItIsADirectory() {
        LuksCommandsTest.Run r = LuksCommandsTest.nbdcrypt("test-key", "-d", key.toString(), dir.resolve("a-directory").toString());
        assertTrue(r.err().contains("a-directory is a directory"), r.err());
    }

    @Test
    void serve_socketDirectoryMissing_namesTheDirectory() {
        Path missing = dir.resolve("no-such-dir");
        var r = ExternalTool.run(io.nbdcrypt.testing.NbdcryptProgram.command("serve", volume.toString(), "--key-file",
                key.toString(), "--socket", missing.resolve("s.sock").toString()), null, 120);
        assertEquals(ExitStatus.WRONG_PARAMETERS, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("directory " + missing + " does not exist"), r.stderr());
    }

    @Test
    void serve_headerTruncatedInsideItsAreas_refusedInWordsAsCryptsetup() throws Exception {
        Path cut = Files.write(dir.resolve("cut.img"), java.util.Arrays.copyOf(Files.readAllBytes(volume), 200_000));
        assertEquals(1, Cryptsetup.testPassphrase(cut, key, List.of()));
        var r = ExternalTool.run(io.nbdcrypt.testing.NbdcryptProgram.command("serve", cut.toString(), "--key-file",
                key.toString(), "--socket", dir.resolve("cut.sock").toString()), null, 120);
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("LUKS header refused: device: is too small") && !r.stderr().contains("Exception"),
                r.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"format", "dump", "add-key", "change-key", "remove-key", "test-key", "repair", "serve"})
    void batchMode_acceptedByEveryCommandThatAsks(String command) {
        LuksCommandsTest.Run r = LuksCommandsTest.nbdcrypt(command, "-q", "--help");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("--batch-mode"), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"format", "dump", "add-key", "change-key", "remove-key", "test-key", "repair", "serve", "demo"})
    void help_footerGivesCryptsetupsExitStatuses(String command) {
        String help = LuksCommandsTest.nbdcrypt(command, "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("2 no permission or bad passphrase") && help.contains("4 wrong device specified")
                && help.contains("5 device busy"), help);
    }

    @Test
    void dumpVolumeKey_textIsCryptsetupsMkDumpLayout() {
        Function<String, String> same = s -> s.replace(volume.toString(), "VOLUME");
        String theirs = Cryptsetup.run(List.of("luksDump", "--dump-volume-key", "-q", "--key-file", key.toString(),
                volume.toString())).assertSuccess().stdoutText();
        LuksCommandsTest.Run ours = LuksCommandsTest.nbdcrypt("dump", "--dump-volume-key", "-q", "--key-file",
                key.toString(), volume.toString());
        assertEquals(0, ours.exit(), ours.err());
        assertTrue(theirs.contains("MK dump:\t"), theirs);
        assertEquals(same.apply(theirs), same.apply(ours.out()));
    }
}
