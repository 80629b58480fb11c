package io.nbdcrypt.cli;

import static io.nbdcrypt.testsupport.Bytes.indexOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.testing.NbdcryptProgram;
import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nbdcrypt serve DEVICE --ephemeral --authenticated} as a user runs it, its header, and what it refuses. */
class ServeAuthenticatedTest {
    @TempDir Path dir;

    /** Written data reads back; the device holds no plaintext; the next session starts empty (and cannot read the old one). */
    @Test
    void serveEphemeralAuthenticated_writeReadThenNewSession_startsEmpty() throws Exception {
        ExternalTool.require("qemu-io");
        Path img = TestFiles.sparse(dir.resolve("a.img"), 32 << 20);
        Path sock = dir.resolve("a.sock");
        List<String> args = List.of("serve", img.toString(), "--ephemeral", "--authenticated", "--metadata-cache", "2M",
                "--socket", sock.toString());
        Files.writeString(dir.resolve("marker.txt"), "nbdcrypt-authenticated-marker:".repeat(2000));
        try (NbdcryptProgram.Running p = NbdcryptProgram.start(args, null, null)) {
            qemuIo(p.uri(), "write -P 0x5a 1M 256k").assertSuccess();
            qemuIo(p.uri(), "write -s " + dir.resolve("marker.txt") + " 2M 60000").assertSuccess();
            var r = qemuIo(p.uri(), "read -P 0x5a 1M 256k");
            r.assertSuccess();
            assertFalse(r.stdoutText().contains("verification failed"), r.stdoutText());
            p.stop();
        }
        byte[] disk = Files.readAllBytes(img);
        assertEquals(-1, indexOf(disk, "nbdcrypt-authenticated-marker:".getBytes(StandardCharsets.US_ASCII)), "plaintext on the disk");
        try (NbdcryptProgram.Running p = NbdcryptProgram.start(args, null, null)) {
            var r = qemuIo(p.uri(), "read -P 0 1M 256k");
            r.assertSuccess();
            assertFalse(r.stdoutText().contains("verification failed"), "a new session must start empty: " + r.stdoutText());
            p.stop();
        }
    }

    /**
     * With --header FILE: our dump and cryptsetup's show the mode alike, cryptsetup refuses to
     * change the volume, and serving the header as an ordinary LUKS2 volume is refused.
     */
    @Test
    void serveEphemeralAuthenticatedWithHeaderFile_dumpShowsTheModeCryptsetupAndXtsRefuse() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("h.img"), 32 << 20);
        Path header = dir.resolve("h.hdr");
        Path sock = dir.resolve("h.sock");
        try (NbdcryptProgram.Running p = NbdcryptProgram.start(List.of("serve", img.toString(), "--ephemeral",
                "--authenticated", "--header", header.toString(), "--socket", sock.toString()), null, null)) {
            p.stop();
        }
        String ours = ExternalTool.run(NbdcryptProgram.command("dump", img.toString(), "--header", header.toString()), null, 60).assertSuccess().stdoutText();
        String theirs = Cryptsetup.dump(header, List.of());
        for (String line : List.of("Requirements:\tnbdcrypt-authenticated-v1 ", "\tcipher: aes-256-gcm", "\tintegrity: nbdcrypt-tree-v1")) {
            assertTrue(theirs.contains(line + "\n"), "cryptsetup: " + line + "\n" + theirs);
            assertTrue(ours.contains(line + "\n"), "nbdcrypt dump: " + line + "\n" + ours);
        }
        assertEquals(segmentsOf(theirs), segmentsOf(ours), "the data segment as cryptsetup and nbdcrypt dump it");
        Path keyFile = Path.of(header + ".key");
        var add = Cryptsetup.run(List.of("luksAddKey", "--batch-mode", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
                "--key-file", keyFile.toString(), header.toString(), keyFile.toString()));
        assertNotEquals(0, add.exitCode());
        assertTrue(add.stderr().contains("Unmet LUKS2 requirements"), add.stderr());
        var serve = ExternalTool.run(NbdcryptProgram.command("serve", img.toString(), "--header", header.toString(),
                "--key-file", keyFile.toString(), "--socket", dir.resolve("x.sock").toString()), null, 60);
        assertNotEquals(0, serve.exitCode());
        assertTrue(serve.stderr().contains("authenticated"), serve.stderr());
    }

    @Test
    void serveAuthenticated_badInputs_refusedNamingTheProblem() throws Exception {
        Path img = TestFiles.sparse(dir.resolve("b.img"), 32 << 20);
        String sock = dir.resolve("b.sock").toString();
        expectRefusal(List.of("serve", img.toString(), "--authenticated", "--socket", sock), 1, "--authenticated needs --ephemeral");
        expectRefusal(List.of("serve", img.toString(), "--ephemeral", "--authenticated", "--metadata-cache", "lots", "--socket", sock),
                1, "--metadata-cache");
        expectRefusal(List.of("serve", img.toString(), "--ephemeral", "--authenticated", "--metadata-cache", "4K", "--socket", sock),
                1, "--metadata-cache: 4K is below the minimum");
        expectRefusal(List.of("serve", img.toString(), "--ephemeral", "--authenticated", "--metadata-cache", "100G", "--socket", sock),
                1, "--metadata-cache: 100G is more than half of this JVM's");
        expectRefusal(List.of("serve", img.toString(), "--ephemeral", "--authenticated", "--read-only", "--socket", sock), 1,
                "--read-only");
        Path tiny = TestFiles.sparse(dir.resolve("tiny.img"), 4096);
        var r = ExternalTool.run(NbdcryptProgram.command("serve", tiny.toString(), "--ephemeral", "--authenticated", "--socket", sock),
                null, 60);
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("tiny.img"), r.stderr());
    }

    private static String segmentsOf(String dump) {
        return dump.substring(dump.indexOf("Data segments:"), dump.indexOf("Keyslots:"));
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
