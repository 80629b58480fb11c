package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.testing.NbdcryptProgram;
import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistakes are reported before any KDF work. Without timing anything: the program runs in a
 * JVM with a 64 MiB heap and is asked for a 1 GiB Argon2 benchmark, which cannot run there
 * (Argon2 allocates its memory up front). A command that benchmarks before it checks dies of
 * an OutOfMemoryError; one that checks first answers with the mistake.
 */
class FailFastTest {
    @TempDir
    Path dir;

    private static final List<String> HUGE_KDF = List.of("--pbkdf", "argon2id", "--pbkdf-memory", "1048576",
            "--pbkdf-parallel", "1");

    private static ExternalTool.Result smallHeap(List<String> args) {
        List<String> cmd = new ArrayList<>(NbdcryptProgram.command(args));
        cmd.add(1, "-Xmx64m");
        return ExternalTool.run(cmd, null, 120);
    }

    private static List<String> with(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private void assertAnswered(ExternalTool.Result r, int status, String words) {
        assertFalse(r.stderr().contains("OutOfMemoryError"), "the KDF ran first: " + r.stderr());
        assertEquals(status, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains(words), r.stderr());
    }

    @Test
    void format_deviceTooSmall_beforeTheBenchmark() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("small.img"), 1 << 20);
        Path key = Files.writeString(dir.resolve("k"), "fail fast");
        byte[] before = Files.readAllBytes(img);
        assertAnswered(smallHeap(with(List.of("format", "-q", "-d", key.toString(), img.toString()), HUGE_KDF)),
                ExitStatus.WRONG_PARAMETERS, "too small");
        assertArrayEquals(before, Files.readAllBytes(img));
    }

    @Test
    void format_unsupportedSectorSize_beforeTheBenchmark() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("v.img"), 24 << 20);
        Path key = Files.writeString(dir.resolve("k"), "fail fast");
        assertAnswered(smallHeap(with(List.of("format", "-q", "-d", key.toString(), "--sector-size", "8192",
                img.toString()), HUGE_KDF)), ExitStatus.WRONG_PARAMETERS, "--sector-size");
    }

    @Test
    void format_badLabel_beforeTheBenchmark() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("v.img"), 24 << 20);
        Path key = Files.writeString(dir.resolve("k"), "fail fast");
        assertAnswered(smallHeap(with(List.of("format", "-q", "-d", key.toString(), "--label", "x".repeat(60),
                img.toString()), HUGE_KDF)), ExitStatus.WRONG_PARAMETERS, "label");
    }

    @Test
    void changeKey_wrongOldPassphrase_beforeTheBenchmark() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("v.img"), 24 << 20);
        Path key = Files.writeString(dir.resolve("k"), "the right one");
        Path wrong = Files.writeString(dir.resolve("w"), "a wrong one");
        Path fresh = Files.writeString(dir.resolve("n"), "a new one");
        Cryptsetup.format(img, key, Cryptsetup.FAST_PBKDF2);
        assertAnswered(smallHeap(with(List.of("change-key", "-d", wrong.toString(), img.toString(), fresh.toString()),
                HUGE_KDF)), ExitStatus.BAD_PASSPHRASE, "no keyslot opens");
    }

    @Test
    void addKey_badKdfOption_beforeTheUnlock() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("v.img"), 24 << 20);
        Path key = Files.writeString(dir.resolve("k"), "the right one");
        Path fresh = Files.writeString(dir.resolve("n"), "a new one");
        Cryptsetup.format(img, key, Cryptsetup.FAST_PBKDF2);
        Path wrong = Files.writeString(dir.resolve("w"), "a wrong one");
        // Both are wrong: the option is reported, because it is checked before the (slow) unlock.
        assertAnswered(smallHeap(List.of("add-key", "-d", wrong.toString(), img.toString(), fresh.toString(),
                "--pbkdf", "scrypt")), ExitStatus.WRONG_PARAMETERS, "--pbkdf");
        assertEquals(2, Cryptsetup.testPassphrase(img, fresh, List.of()), "nothing was added");
    }
}
