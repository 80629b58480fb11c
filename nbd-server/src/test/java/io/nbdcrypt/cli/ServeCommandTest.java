package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.luks2.interop.PythonCbcEssiv;
import io.nbdcrypt.luks2.interop.PythonXts;
import io.nbdcrypt.testsupport.ExternalTool;
import static io.nbdcrypt.testsupport.Bytes.indexOf;
import io.nbdcrypt.testsupport.TestFiles;
import io.nbdcrypt.testing.NbdcryptProgram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code nbdcrypt} program as a user runs it: a separate JVM, real clients, a real SIGTERM. */
class ServeCommandTest {
    @TempDir Path dir;

    private static List<String> java(String... args) {
        return NbdcryptProgram.command(args);
    }

    private Path sparse(String name, long size) throws IOException {
        return TestFiles.sparse(dir.resolve(name), size);
    }

    /** A 24 MiB LUKS2 image made by cryptsetup (fast PBKDF2), unlocked by {@code passphrase}. */
    private Path cryptsetupLuks2(String name, String passphrase) throws IOException {
        Path img = sparse(name, 24 << 20);
        Path keyFile = Files.writeString(dir.resolve(name + ".pass"), passphrase);
        Cryptsetup.format(img, keyFile, Cryptsetup.FAST_PBKDF2);
        return img;
    }

    /** Starts {@code nbdcrypt ARGS} and waits for the URI line it prints on stdout once listening. */
    private static NbdcryptProgram.Running serving(String... args) throws IOException {
        return NbdcryptProgram.start(List.of(args), null, null);
    }

    @Test
    void servePlain_clientWritesThenSigterm_dataFlushedAndSocketRemoved() throws Exception {
        ExternalTool.require("qemu-io");
        Path img = sparse("plain.img", 8 << 20);
        Path sock = dir.resolve("s.sock");
        try (NbdcryptProgram.Running p = serving("serve", img.toString(), "--plain", "--socket", sock.toString())) {
            String uri = p.uri();
            assertEquals("nbd+unix:///?socket=" + sock.toAbsolutePath(), uri);
            ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -P 0x3c 1048576 65536", uri)
                    .assertSuccess();
            p.stop(); // SIGTERM
        }
        assertFalse(Files.exists(sock), "socket left behind");
        byte[] all = Files.readAllBytes(img);
        for (int i = 0; i < 65536; i++) {
            assertEquals(0x3c, all[(1 << 20) + i], "byte " + i);
        }
        assertEquals(0, all[(1 << 20) - 1]);
    }

    @Test
    void demo_createsLuks2ImageThatCryptsetupOpens_servesItsPlaintext() throws Exception {
        ExternalTool.require("nbdinfo");
        ExternalTool.require("qemu-io");
        Path img = dir.resolve("demo.img");
        try (NbdcryptProgram.Running p = serving("demo", img.toString(), "--size", "32M")) {
            String uri = p.uri();
            assertTrue(uri.startsWith("nbd+unix:///?socket="), uri);
            String info = ExternalTool.run("nbdinfo", "--size", uri).assertSuccess().stdoutText().trim();
            // 32 MiB image minus cryptsetup's 16 MiB header area.
            assertEquals(String.valueOf(16 << 20), info);
            ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -P 0x41 0 1048576", uri).assertSuccess();
            ExternalTool.run("qemu-io", "-f", "raw", "-c", "read -P 0x41 0 1048576", uri).assertSuccess();
            p.stop(); // SIGTERM
        }
        Path keyFile = dir.resolve("demo.img.key");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        // cryptsetup is the judge: it opens the header with the key file and its volume key
        // decrypts what the clients wrote (independent XTS in Python).
        assertEquals(0, Cryptsetup.testPassphrase(img, keyFile, List.of()));
        byte[] key = Cryptsetup.volumeKey(img, keyFile, List.of());
        byte[] plain = PythonXts.decrypt(img, key, 16 << 20, 4096, 0, 0, 1 << 20, "plain64");
        byte[] expected = new byte[1 << 20];
        Arrays.fill(expected, (byte) 0x41);
        assertArrayEquals(expected, plain);
        byte[] run = new byte[64];
        Arrays.fill(run, (byte) 0x41);
        assertEquals(-1, indexOf(Files.readAllBytes(img), run), "plaintext found in the image");
    }

    @Test
    void demo_secondRun_servesTheSameVolumeAgain() throws Exception {
        ExternalTool.require("qemu-io");
        Path img = dir.resolve("again.img");
        for (int run = 0; run < 2; run++) {
            try (NbdcryptProgram.Running p = serving("demo", img.toString(), "--size", "24M")) {
                String uri = p.uri();
                String cmd = run == 0 ? "write -P 0x33 8192 4096" : "read -P 0x33 8192 4096";
                ExternalTool.run("qemu-io", "-f", "raw", "-c", cmd, uri).assertSuccess();
                p.stop(); // SIGTERM
            }
        }
    }

    @Test
    void demo_existingImageWithoutKeyFile_refusedAndUntouched() throws Exception {
        Path img = sparse("mine.img", 24 << 20);
        Files.write(img, new byte[] {1, 2, 3});
        var r = ExternalTool.run(java("demo", img.toString()), null, 60);
        assertEquals(ExitStatus.BUSY_OR_EXISTS, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("will not overwrite"), r.stderr());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(img));
    }

    @Test
    void serve_cryptsetupFormattedLuks2_clientWritesDecryptWithCryptsetupKey() throws Exception {
        ExternalTool.require("qemu-io");
        Path img = sparse("c.img", 24 << 20);
        Path keyFile = dir.resolve("pass");
        Files.writeString(keyFile, "correct horse battery staple");
        Cryptsetup.format(img, keyFile, List.of("--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations",
                "1000", "--sector-size", "4096"));
        try (NbdcryptProgram.Running p = serving("serve", img.toString(), "--key-file", keyFile.toString(), "--socket",
                dir.resolve("c.sock").toString())) {
            String uri = p.uri();
            // An unaligned write, so the server's read-modify-write path is judged too.
            ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -P 0x5a 4000 70000", uri).assertSuccess();
            p.stop(); // SIGTERM
        }
        byte[] key = Cryptsetup.volumeKey(img, keyFile, List.of());
        // Sectors 0..18 hold the write (partial first and last sectors); never-written sectors
        // are zero ciphertext, which only our reader maps to zeroes, so they are not compared.
        byte[] plain = PythonXts.decrypt(img, key, 16 << 20, 4096, 0, 0, 19 * 4096, "plain64");
        for (int i = 0; i < plain.length; i++) {
            byte want = i >= 4000 && i < 74000 ? (byte) 0x5a : 0;
            assertEquals(want, plain[i], "plaintext byte " + i);
        }
    }

    /**
     * WRITE_ZEROES that lets the server unmap (no NO_HOLE) must still leave zeroes that
     * dm-crypt reads as zeroes: a punched hole reads as zeroes only through our own reader,
     * while dm-crypt decrypts the zero ciphertext to noise (a file system that relied on the
     * zeroes, e.g. for inode tables, would be corrupt under {@code cryptsetup open}).
     */
    @Test
    void serve_allowDiscardsWriteZeroesMayUnmap_dmCryptReadsZeroes() throws Exception {
        ExternalTool.require("qemu-io");
        Path img = sparse("z.img", 24 << 20);
        Path keyFile = dir.resolve("pass");
        Files.writeString(keyFile, "zeroes");
        Cryptsetup.format(img, keyFile, List.of("--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations",
                "1000", "--sector-size", "4096"));
        try (NbdcryptProgram.Running p = serving("serve", img.toString(), "--key-file", keyFile.toString(), "--allow-discards",
                "--socket", dir.resolve("z.sock").toString())) {
            String uri = p.uri();
            ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 1048576", uri).assertSuccess();
            // -z -u: NBD_CMD_WRITE_ZEROES without NBD_CMD_FLAG_NO_HOLE.
            ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -z -u 0 1048576", uri).assertSuccess();
            p.stop(); // SIGTERM
        }
        byte[] key = Cryptsetup.volumeKey(img, keyFile, List.of());
        byte[] plain = PythonXts.decrypt(img, key, 16 << 20, 4096, 0, 0, 1 << 20, "plain64");
        assertArrayEquals(new byte[1 << 20], plain, "zeroed range as dm-crypt decrypts it");
    }

    private Path legacyCbcImage(String name, Path keyFile) throws IOException {
        Path img = sparse(name, 8 << 20);
        Files.writeString(keyFile, "legacy cbc");
        Cryptsetup.format(img, keyFile, List.of("--type", "luks1", "--cipher", "aes-cbc-essiv:sha256", "--key-size",
                "256", "--hash", "sha256", "--pbkdf-force-iterations", "1000", "--align-payload", "4096"));
        return img;
    }

    @Test
    void serve_luks1CbcEssivReadOnly_qemuIoReadsDataWrittenByPython() throws Exception {
        ExternalTool.require("qemu-io");
        Path nbdinfo = ExternalTool.require("nbdinfo");
        Path keyFile = dir.resolve("pass");
        Path img = legacyCbcImage("cbc.img", keyFile);
        assertTrue(Cryptsetup.dump(img, List.of()).contains("Payload offset:\t4096"), "payload at 2 MiB");
        byte[] plain = new byte[65536];
        Arrays.fill(plain, (byte) 0x3c);
        PythonCbcEssiv.encrypt(img, Cryptsetup.volumeKey(img, keyFile, List.of()), 2 << 20, 1 << 20, plain);
        try (NbdcryptProgram.Running p = serving("serve", img.toString(), "--key-file", keyFile.toString(), "--read-only",
                "--socket", dir.resolve("cbc.sock").toString())) {
            String uri = p.uri();
            ExternalTool.run("qemu-io", "-r", "-f", "raw", "-c", "read -P 0x3c 1048576 65536", uri)
                    .assertSuccess();
            // A range starting 1 KiB before the written one (plaintext zeroes) must not match.
            var miss = ExternalTool.run(List.of("qemu-io", "-r", "-f", "raw", "-c", "read -P 0x3c 1047552 65536",
                    uri), null, 60);
            assertTrue(miss.exitCode() != 0 && miss.stdoutText().contains("Pattern verification failed"), miss.stdoutText());
            String info = ExternalTool.run(List.of(nbdinfo.toString(), uri), null, 60).assertSuccess()
                    .stdoutText();
            assertTrue(info.contains("aes-cbc-essiv:sha256"), info);
            assertTrue(info.contains("read_only: true"), info);
            assertTrue(info.contains("export-size: " + (6 << 20)), info);
            p.stop();
        }
    }

    @Test
    void serve_luks1CbcEssivWithoutReadOnly_failsSayingReadOnly() throws Exception {
        Path keyFile = dir.resolve("pass");
        Path img = legacyCbcImage("cbcrw.img", keyFile);
        byte[] before = Files.readAllBytes(img);
        Path sock = dir.resolve("rw.sock");
        var r = ExternalTool.run(java("serve", img.toString(), "--key-file", keyFile.toString(), "--socket",
                sock.toString()), null, 120);
        assertEquals(ExitStatus.WRONG_PARAMETERS, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("--read-only") && r.stderr().contains("aes-cbc-essiv:sha256"), r.stderr());
        assertFalse(Files.exists(sock));
        assertArrayEquals(before, Files.readAllBytes(img));
    }

    @Test
    void serve_wrongPassphrase_failsWithoutServing() throws Exception {
        Path img = cryptsetupLuks2("w.img", "right");
        Path wrong = dir.resolve("wrong");
        Files.writeString(wrong, "wrong");
        Path sock = dir.resolve("w.sock");
        var r = ExternalTool.run(java("serve", img.toString(), "--key-file", wrong.toString(), "--socket",
                sock.toString()), null, 120);
        assertEquals(ExitStatus.BAD_PASSPHRASE, r.exitCode(), r.stderr());
        assertTrue(r.stderr().toLowerCase().contains("passphrase") || r.stderr().toLowerCase().contains("keyslot"),
                r.stderr());
        assertFalse(Files.exists(sock));
    }

    @Test
    void serve_passphraseOnStdin_wrongOneRefusedRightOneServes() throws Exception {
        ExternalTool.require("nbdinfo");
        Path img = cryptsetupLuks2("stdin.img", "right");
        Path sock = dir.resolve("in.sock");
        var wrong = ExternalTool.run(java("serve", img.toString(), "-d", "-", "--socket", sock.toString()),
                "wrong".getBytes(StandardCharsets.US_ASCII), 120);
        assertEquals(ExitStatus.BAD_PASSPHRASE, wrong.exitCode(), wrong.stderr());
        try (NbdcryptProgram.Running p = NbdcryptProgram.start(List.of("serve", img.toString(), "--key-file", "-",
                "--socket", sock.toString()), "right".getBytes(StandardCharsets.US_ASCII), null)) {
            ExternalTool.run("nbdinfo", "--size", p.uri()).assertSuccess();
            p.stop();
        }
    }

    @Test
    void serve_withoutKeyFileOrPlain_failsNamingTheOption() throws Exception {
        Path img = sparse("x.img", 1 << 20);
        var r = ExternalTool.run(java("serve", img.toString(), "--socket", dir.resolve("s").toString()), null, 60);
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("--key-file"), r.stderr());
    }

    @Test
    void serve_missingDevice_failsNamingTheFile() throws Exception {
        Path missing = dir.resolve("nope.img");
        var r = ExternalTool.run(java("serve", missing.toString(), "--plain", "--socket", dir.resolve("s").toString()),
                null, 60);
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("nope.img"), r.stderr());
    }

    @Test
    void serve_tcpNotLoopback_refused() throws Exception {
        Path img = sparse("y.img", 1 << 20);
        var r = ExternalTool.run(java("serve", img.toString(), "--plain", "--socket", dir.resolve("s").toString(),
                "--tcp", "8.8.8.8:10809"), null, 60);
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("not loopback"), r.stderr());
    }
}
