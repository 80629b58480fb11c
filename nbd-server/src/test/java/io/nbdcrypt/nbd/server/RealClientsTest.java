package io.nbdcrypt.nbd.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.testing.ServedImage;
import io.nbdcrypt.nbd.testing.ServedImage.Kind;
import io.nbdcrypt.testsupport.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** nbdinfo, nbdcopy and qemu-io against the server, over a plain file and an encrypted volume. */
@ExtendWith(LeakCheck.class)
class RealClientsTest {
    private static final long SIZE = 16L << 20;

    @TempDir Path dir;

    @ParameterizedTest
    @EnumSource(Kind.class)
    void nbdinfo_showsSizeFlagsAndBlockSizes(Kind kind) throws Exception {
        ExternalTool.require("nbdinfo");
        try (ServedImage s = ServedImage.start(dir, kind, SIZE)) {
            var r = ExternalTool.run("nbdinfo", "--json", s.uri()).assertSuccess();
            JsonNode export = new ObjectMapper().readTree(r.stdout()).get("exports").get(0);
            assertEquals(SIZE, export.get("export-size").asLong());
            assertTrue(export.get("can_flush").asBoolean());
            assertTrue(export.get("can_fua").asBoolean());
            assertTrue(export.get("can_zero").asBoolean());
            assertTrue(export.get("can_multi_conn").asBoolean());
            assertFalse(export.get("can_trim").asBoolean(), "TRIM is off without --allow-discards");
            assertFalse(export.get("is_read_only").asBoolean());
            assertEquals(1, export.get("block_size_minimum").asInt());
            assertEquals(4096, export.get("block_size_preferred").asInt());
            assertEquals(32 << 20, export.get("block_size_maximum").asInt());
        }
    }

    @Test
    void nbdinfo_readOnlyWithDiscards_advertisesReadOnlyAndNoTrim() throws Exception {
        ExternalTool.require("nbdinfo");
        try (ServedImage s = ServedImage.start(dir, Kind.PLAIN, SIZE, true, true, c -> c)) {
            var r = ExternalTool.run("nbdinfo", "--json", s.uri()).assertSuccess();
            JsonNode export = new ObjectMapper().readTree(r.stdout()).get("exports").get(0);
            assertTrue(export.get("is_read_only").asBoolean());
            assertFalse(export.get("can_trim").asBoolean());
        }
    }

    @Test
    void nbdinfo_list_showsTheNamedExport() throws Exception {
        ExternalTool.require("nbdinfo");
        try (ServedImage s = ServedImage.start(dir, Kind.PLAIN, SIZE)) {
            var r = ExternalTool.run("nbdinfo", "--list", "--json", s.uri()).assertSuccess();
            JsonNode exports = new ObjectMapper().readTree(r.stdout()).get("exports");
            assertEquals("disk", exports.get(0).get("export-name").asText());
            assertEquals("test image", exports.get(0).get("description").asText());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void nbdcopy_randomFileInAndBack_identical(Kind kind) throws Exception {
        ExternalTool.require("nbdcopy");
        byte[] data = new byte[(int) SIZE - 12345];
        new Random(kind.ordinal()).nextBytes(data);
        Path in = Files.write(dir.resolve("in.bin"), data);
        Path out = dir.resolve("out.bin");
        try (ServedImage s = ServedImage.start(dir, kind, SIZE)) {
            ExternalTool.run("nbdcopy", in.toString(), s.uri()).assertSuccess();
            ExternalTool.run("nbdcopy", s.uri(), out.toString()).assertSuccess();
        }
        byte[] back = Files.readAllBytes(out);
        assertEquals(SIZE, back.length);
        assertArrayEquals(data, Arrays.copyOf(back, data.length));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void qemuIo_patternsAtManyOffsets_readBackOnANewConnection(Kind kind) throws Exception {
        ExternalTool.require("qemu-io");
        // Aligned, unaligned, sector-straddling and end-of-device ranges, each with its own pattern.
        long[][] ranges = {{0, 4096}, {4608, 512}, {8191, 2}, {12287, 8194}, {65536 + 3, 100_000},
                {1 << 20, 1 << 20}, {SIZE - 8192, 4096}, {SIZE - 1, 1}, {3 << 20, 7}};
        List<String> write = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        List<String> read = new ArrayList<>(List.of("qemu-io", "-f", "raw", "-r"));
        for (int i = 0; i < ranges.length; i++) {
            int pattern = 0x11 * (i + 1) & 0xff;
            write.addAll(List.of("-c", "write -P " + pattern + " " + ranges[i][0] + " " + ranges[i][1]));
        }
        for (int i = 0; i < ranges.length; i++) {
            int pattern = 0x11 * (i + 1) & 0xff;
            read.addAll(List.of("-c", "read -P " + pattern + " " + ranges[i][0] + " " + ranges[i][1]));
        }
        // Untouched space between ranges reads as zeroes: a hole in a plain file, and on an
        // encrypted volume too (EncryptedVolume reads all-zero ciphertext as zeroes).
        read.addAll(List.of("-c", "read -P 0 " + (2 << 20) + " 4096"));
        int checks = ranges.length + 1;
        try (ServedImage s = ServedImage.start(dir, kind, SIZE)) {
            write.add(s.uri());
            read.add(s.uri());
            var w = ExternalTool.run(write, null, 120).assertSuccess();
            assertFalse(w.stdoutText().contains("failed"), w.stdoutText());
            var r = ExternalTool.run(read, null, 120).assertSuccess();
            assertFalse(r.stdoutText().contains("failed"), r.stdoutText());
            assertEquals(checks, r.stdoutText().split("read ", -1).length - 1, r.stdoutText());
        }
    }

    @Test
    void qemuIo_wrongPattern_isDetected() throws Exception {
        // Guards the test above: qemu-io must report a mismatch for us to notice one.
        ExternalTool.require("qemu-io");
        try (ServedImage s = ServedImage.start(dir, Kind.ENCRYPTED, SIZE)) {
            ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 4096", s.uri()).assertSuccess();
            var r = ExternalTool.run("qemu-io", "-f", "raw", "-c", "read -P 0x5b 0 4096", s.uri());
            assertTrue(r.stdoutText().contains("Pattern verification failed"), r.stdoutText() + r.stderr());
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"127.0.0.1", "::1"})
    void nioTransportAndTcpLoopback_serveTheSameExport(String loopback) throws Exception {
        ExternalTool.require("qemu-io");
        ExternalTool.require("nbdinfo");
        try (ServedImage s = ServedImage.start(dir, Kind.ENCRYPTED, SIZE, false, false,
                c -> c.withNativeTransport(false).withTcp(new java.net.InetSocketAddress(loopback, 0)))) {
            // The URI the server prints; the real clients must reach the export through it.
            String tcp = s.server.tcpUri();
            ExternalTool.run("qemu-io", "-f", "raw", "-c", "write -P 0x6b 12345 54321", s.uri()).assertSuccess();
            var r = ExternalTool.run("qemu-io", "-f", "raw", "-c", "read -P 0x6b 12345 54321", tcp).assertSuccess();
            assertFalse(r.stdoutText().contains("failed"), r.stdoutText());
            assertEquals(String.valueOf(SIZE),
                    ExternalTool.run("nbdinfo", "--size", tcp).assertSuccess().stdoutText().trim());
        }
    }
}
