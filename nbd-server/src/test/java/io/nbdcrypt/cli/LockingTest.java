package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.testing.NbdcryptProgram;
import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes, one image: while {@code serve} runs, writers (format, keyslot changes, a
 * second serve) are refused with exit 5 naming the serving process, readers (dump,
 * test-key) too unless the server only reads; nothing is written by a refused command.
 */
class LockingTest {
    @TempDir
    Path dir;
    Path img;
    Path key;
    Path other;

    @BeforeEach
    void volume() throws Exception {
        img = TestFiles.sparse(dir.resolve("v.img"), 24 << 20);
        key = Files.writeString(dir.resolve("k"), "locked volume");
        other = Files.writeString(dir.resolve("k2"), "another passphrase");
        Cryptsetup.format(img, key, Cryptsetup.FAST_PBKDF2);
    }

    private byte[] header() throws Exception {
        return Arrays.copyOf(Files.readAllBytes(img), 16 << 20);
    }

    private static void assertBusy(LuksCommandsTest.Run r, long holder) {
        assertEquals(ExitStatus.BUSY_OR_EXISTS, r.exit(), r.err());
        assertTrue(r.err().contains("is in use") && r.err().contains("pid " + holder), r.err());
    }

    @Test
    void serve_holdsTheImage_writersAndReadersRefusedNamingIt() throws Exception {
        byte[] before = header();
        try (NbdcryptProgram.Running serve = NbdcryptProgram.start(List.of("serve", img.toString(), "--key-file",
                key.toString(), "--socket", dir.resolve("s.sock").toString()), null, dir.resolve("serve.log"))) {
            long pid = serve.process().pid();
            assertBusy(LuksCommandsTest.nbdcrypt("format", "-q", "-d", other.toString(), "--pbkdf", "pbkdf2",
                    "--pbkdf-force-iterations", "1000", img.toString()), pid);
            assertBusy(LuksCommandsTest.nbdcrypt("remove-key", "-q", "--key-slot", "0", img.toString()), pid);
            assertBusy(LuksCommandsTest.nbdcrypt("add-key", "-d", key.toString(), img.toString(), other.toString(),
                    "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000"), pid);
            assertBusy(LuksCommandsTest.nbdcrypt("change-key", "-d", key.toString(), img.toString(), other.toString()), pid);
            assertBusy(LuksCommandsTest.nbdcrypt("test-key", "-d", key.toString(), img.toString()), pid);
            assertBusy(LuksCommandsTest.nbdcrypt("dump", img.toString()), pid);
            ExternalTool.Result second = ExternalTool.run(NbdcryptProgram.command("serve", img.toString(), "--key-file",
                    key.toString(), "--socket", dir.resolve("s2.sock").toString()), null, 120);
            assertEquals(ExitStatus.BUSY_OR_EXISTS, second.exitCode(), second.stderr());
            assertTrue(second.stderr().contains("pid " + pid), second.stderr());
            serve.stop();
        }
        assertArrayEquals(before, header(), "a refused command wrote to the header");
        assertEquals(0, LuksCommandsTest.nbdcrypt("test-key", "-d", key.toString(), img.toString()).exit(),
                "the lock goes with the server");
    }

    @Test
    void serveReadOnly_sharesWithReadersOnly() throws Exception {
        try (NbdcryptProgram.Running serve = NbdcryptProgram.start(List.of("serve", "--read-only", img.toString(),
                "--key-file", key.toString(), "--socket", dir.resolve("r.sock").toString()), null, dir.resolve("r.log"))) {
            assertEquals(0, LuksCommandsTest.nbdcrypt("test-key", "-d", key.toString(), img.toString()).exit());
            assertEquals(0, LuksCommandsTest.nbdcrypt("dump", img.toString()).exit());
            assertBusy(LuksCommandsTest.nbdcrypt("remove-key", "-q", "--key-slot", "0", img.toString()),
                    serve.process().pid());
            serve.stop();
        }
    }

    @Test
    void detachedHeader_keyslotChangeRefusedWhileServed() throws Exception {
        Path data = TestFiles.sparse(dir.resolve("data.img"), 8 << 20);
        Path hdr = TestFiles.sparse(dir.resolve("hdr.img"), 16 << 20);
        Cryptsetup.format(data, key, List.of("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--header",
                hdr.toString()));
        try (NbdcryptProgram.Running serve = NbdcryptProgram.start(List.of("serve", data.toString(), "--header",
                hdr.toString(), "--key-file", key.toString(), "--socket", dir.resolve("d.sock").toString()), null,
                dir.resolve("d.log"))) {
            assertBusy(LuksCommandsTest.nbdcrypt("remove-key", "-q", "--key-slot", "0", "--header", hdr.toString(),
                    data.toString()), serve.process().pid());
            serve.stop();
        }
    }
}
