package io.nbdcrypt.cli;

import static io.nbdcrypt.testsupport.Bytes.indexOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.testing.NbdcryptProgram;
import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nbdcrypt serve DEVICE --authenticated} as a user runs it, and what it refuses. */
class ServeAuthenticatedTest {
    @TempDir Path dir;

    /** Written data reads back; the device holds no plaintext; the next session starts empty (and cannot read the old one). */
    @Test
    void serveAuthenticated_writeReadThenNewSession_startsEmpty() throws Exception {
        ExternalTool.require("qemu-io");
        Path img = TestFiles.sparse(dir.resolve("a.img"), 32 << 20);
        Path sock = dir.resolve("a.sock");
        List<String> args = List.of("serve", img.toString(), "--authenticated", "--metadata-cache", "2M", "--socket", sock.toString());
        Files.writeString(dir.resolve("marker.txt"), "nbdcrypt-authenticated-marker:".repeat(2000));
        try (NbdcryptProgram.Running p = NbdcryptProgram.start(args, null, null)) {
            qemuIo(p.uri(), "write -P 0x5a 1M 256k").assertSuccess();
            qemuIo(p.uri(), "write -s " + dir.resolve("marker.txt") + " 2M 60000").assertSuccess();
            var r = qemuIo(p.uri(), "read -P 0x5a 1M 256k");
            r.assertSuccess();
            assertTrue(!r.stdoutText().contains("verification failed"), r.stdoutText());
            p.stop();
        }
        byte[] disk = Files.readAllBytes(img);
        assertEquals(-1, indexOf(disk, "nbdcrypt-authenticated-marker:".getBytes(StandardCharsets.US_ASCII)), "plaintext on the disk");
        try (NbdcryptProgram.Running p = NbdcryptProgram.start(args, null, null)) {
            var r = qemuIo(p.uri(), "read -P 0 1M 256k");
            r.assertSuccess();
            assertTrue(!r.stdoutText().contains("verification failed"), "a new session must start empty: " + r.stdoutText());
            p.stop();
        }
    }

    @Test
    void serveAuthenticated_badInputs_refusedNamingTheProblem() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("b.img"), 8 << 20);
        String sock = dir.resolve("b.sock").toString();
        expectRefusal(List.of("serve", img.toString(), "--authenticated", "--key-file", "-", "--socket", sock), 2, "--key-file");
        expectRefusal(List.of("serve", img.toString(), "--authenticated", "--metadata-cache", "lots", "--socket", sock), 2,
                "--metadata-cache");
        expectRefusal(List.of("serve", img.toString(), "--authenticated", "--metadata-cache", "4K", "--socket", sock), 2,
                "--metadata-cache: 4K is below the minimum");
        expectRefusal(List.of("serve", img.toString(), "--authenticated", "--read-only", "--socket", sock), 4, "--read-only");
        Path tiny = TestFiles.sparse(dir.resolve("tiny.img"), 4096);
        expectRefusal(List.of("serve", tiny.toString(), "--authenticated", "--socket", sock), 4, "tiny.img");
    }

    private static void expectRefusal(List<String> args, int status, String named) {
        var r = ExternalTool.run(NbdcryptProgram.command(args), null, 60);
        assertEquals(status, r.exitCode(), String.join(" ", args) + ": " + r.stderr());
        assertTrue(r.stderr().contains(named), r.stderr());
    }

    private static ExternalTool.Result qemuIo(String uri, String command) {
        return ExternalTool.run(List.of("qemu-io", "-f", "raw", "-c", command, uri), null, 120);
    }
}
