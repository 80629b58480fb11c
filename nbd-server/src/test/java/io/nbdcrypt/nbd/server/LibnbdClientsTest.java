package io.nbdcrypt.nbd.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nbdcrypt.luks2.interop.PythonXts;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.testing.ServedImage;
import io.nbdcrypt.nbd.testing.ServedImage.Kind;
import io.nbdcrypt.testsupport.ExternalTool;
import static io.nbdcrypt.testsupport.Bytes.indexOf;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * libnbd (python3-libnbd) scripts, fio's nbd engine, and an independent decryption of the
 * backing file with Python {@code cryptography}.
 */
@ExtendWith(LeakCheck.class)
class LibnbdClientsTest {
    private static final long SIZE = 64L << 20;

    @TempDir Path dir;

    private Path script(String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = LibnbdClientsTest.class.getResourceAsStream("/io/nbdcrypt/nbd/" + name)) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    private void runPython(String script, String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(ExternalTool.debianPython().toString(),
                script(script).toString()));
        cmd.addAll(List.of(args));
        var r = ExternalTool.run(cmd, null, 180);
        assertEquals(0, r.exitCode(), () -> script + " failed: " + r.stderr() + r.stdoutText());
        assertEquals("OK", r.stdoutText().trim());
    }

    private static void requireLibnbdPython() {
        var r = ExternalTool.run(ExternalTool.debianPython().toString(), "-c", "import nbd");
        if (r.exitCode() != 0) {
            ExternalTool.unavailable("Python module 'nbd' for " + ExternalTool.debianPython() + " (apt package python3-libnbd)");
        }
    }

    @ParameterizedTest
    @CsvSource({"PLAIN,0", "PLAIN,1", "ENCRYPTED,0", "ENCRYPTED,1"})
    void features_flushFuaZeroesUnalignedErrors(Kind kind, String structured) throws Exception {
        requireLibnbdPython();
        try (ServedImage s = ServedImage.start(dir, kind, SIZE)) {
            runPython("features.py", s.uri(), structured);
            assertTrue(s.server.metrics().errorReplies() >= 5, "the error cases must reach the server");
        }
    }

    @ParameterizedTest
    @CsvSource({"PLAIN", "ENCRYPTED"})
    void trim_withAllowDiscards_trimmedRangeReadsZeroes(Kind kind) throws Exception {
        requireLibnbdPython();
        try (ServedImage s = ServedImage.start(dir, kind, SIZE, false, true, c -> c)) {
            runPython("trim.py", s.uri());
        }
    }

    @Test
    void readOnlyExport_writesGetEperm() throws Exception {
        requireLibnbdPython();
        try (ServedImage s = ServedImage.start(dir, Kind.PLAIN, SIZE, true, false, c -> c)) {
            runPython("readonly.py", s.uri());
        }
    }

    @ParameterizedTest
    @CsvSource({"PLAIN", "ENCRYPTED"})
    void multiConn_twoConnectionsSeeEachOthersFlushedWrites(Kind kind) throws Exception {
        requireLibnbdPython();
        try (ServedImage s = ServedImage.start(dir, kind, SIZE)) {
            runPython("multiconn.py", s.uri());
            assertTrue(s.server.metrics().connectionsAccepted() >= 2);
        }
    }

    @ParameterizedTest
    @CsvSource({"PLAIN", "ENCRYPTED"})
    void fio_randomMixedQd32WithCrc32cVerify_noErrors(Kind kind) throws Exception {
        ExternalTool.require("fio");
        try (ServedImage s = ServedImage.start(dir, kind, SIZE)) {
            var r = ExternalTool.run(List.of("fio", "--name=verify", "--ioengine=nbd", "--uri=" + s.uri(),
                    "--rw=randrw", "--bs=4k", "--iodepth=32", "--verify=crc32c", "--size=64m",
                    "--verify_state_save=0", // no state file left in the working tree
                    "--output-format=json"), null, 300);
            assertEquals(0, r.exitCode(), r.stderr() + r.stdoutText());
            String out = r.stdoutText();
            JsonNode job = new ObjectMapper().readTree(out.substring(out.indexOf('{'))).get("jobs").get(0);
            assertEquals(0, job.get("error").asInt());
            assertTrue(job.get("write").get("io_bytes").asLong() > 0);
            assertTrue(job.get("read").get("io_bytes").asLong() > 0);
            assertTrue(s.server.metrics().maxInFlight() > 1, "requests must be served concurrently");
        }
    }

    @Test
    void encryptedBacking_holdsNoPlaintextAndDecryptsWithPythonXts() throws Exception {
        ExternalTool.require("nbdcopy");
        // Recognisable plaintext: a marker string repeated over 1 MiB.
        byte[] marker = "nbdcrypt-plaintext-marker:".getBytes(StandardCharsets.US_ASCII);
        byte[] plain = new byte[1 << 20];
        for (int i = 0; i < plain.length; i++) {
            plain[i] = marker[i % marker.length];
        }
        long offset = 8L << 20;
        try (ServedImage s = ServedImage.start(dir, Kind.ENCRYPTED, SIZE)) {
            // The marker at 8 MiB, copied in by nbdcopy as part of a whole zero-padded image.
            byte[] image = new byte[(int) SIZE];
            System.arraycopy(plain, 0, image, (int) offset, plain.length);
            Path whole = Files.write(dir.resolve("whole.bin"), image);
            ExternalTool.run("nbdcopy", whole.toString(), s.uri()).assertSuccess();
            byte[] backing = Files.readAllBytes(s.image);
            assertEquals(-1, indexOf(backing, marker), "plaintext marker found in the backing file");
            // Python's cryptography decrypts the backing file as dm-crypt would (aes-xts-plain64,
            // 4096-byte sectors, IVs in 512-byte units): the plaintext comes back.
            assertArrayEquals(plain, PythonXts.decrypt(s.image, s.key(), 0, 4096, 0, offset, plain.length, "plain64"));
            // And the check can fail: one sector off, the decryption no longer matches.
            assertFalse(Arrays.equals(plain, PythonXts.decrypt(s.image, s.key(), 0, 4096, 0, offset + 4096, plain.length, "plain64")));
        }
    }
}
