package io.nbdcrypt.nbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.block.auth.AuthenticatedLayout;
import io.nbdcrypt.block.auth.AuthenticatedVolume;
import io.nbdcrypt.block.auth.AuthenticationMetrics;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.testing.ServedImage;
import io.nbdcrypt.nbd.testing.ServedImage.Kind;
import io.nbdcrypt.testsupport.ExternalTool;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tamper harness: an authenticated export served in-process, real clients (qemu-io, libnbd
 * through nbdsh's Python module), and the backing file edited underneath the running server
 * for each attack the host has. Each must give EIO on the tampered range, and the same
 * connection must go on reading everything else as written.
 */
@ExtendWith(LeakCheck.class)
class AuthenticatedTamperTest {
    private static final long SIZE = 64L << 20;
    private static final int SS = 4096;

    @TempDir Path dir;

    @Test
    void bitFlip_qemuIoGetsIoErrorThereAndThePatternElsewhere() throws Exception {
        ExternalTool.require("qemu-io");
        try (ServedImage s = ServedImage.start(dir, Kind.AUTHENTICATED, SIZE)) {
            qemuIo(s, 0, "write -P 0x41 0 1M");
            flipByte(s, dataAt(s, 10) + 1234);
            var bad = qemuIoResult(s, "read -P 0x41 40k 4k");
            assertEquals(1, bad.exitCode(), bad.stdoutText());
            assertTrue(bad.stdoutText().contains("Input/output error"), bad.stdoutText());
            qemuIo(s, 0, "read -P 0x41 0 40k");
            qemuIo(s, 0, "read -P 0x41 44k 980k");
            AuthenticationMetrics m = ((AuthenticatedVolume) s.device).metrics();
            assertEquals(1, m.sectorFailures(), m.summary());
        }
    }

    @Test
    void sectorMovedOverAnother_eioOnTheTarget() throws Exception {
        try (ServedImage s = ServedImage.start(dir, Kind.AUTHENTICATED, SIZE)) {
            client(s, "write:0:262144:1");
            copyOnDisk(s, dataAt(s, 20), dataAt(s, 30), SS);
            client(s, "eio:" + 30 * SS + ":" + SS, "check:0:" + 30 * SS + ":1");
        }
    }

    @Test
    void olderVersionOfOneSectorPutBack_eio() throws Exception {
        try (ServedImage s = ServedImage.start(dir, Kind.AUTHENTICATED, SIZE)) {
            client(s, "write:" + 40 * SS + ":" + SS + ":1");
            byte[] old = readDisk(s, dataAt(s, 40), SS);
            client(s, "write:" + 40 * SS + ":" + SS + ":2", "write:" + 41 * SS + ":" + SS + ":3");
            writeDisk(s, dataAt(s, 40), old);
            client(s, "eio:" + 40 * SS + ":" + SS, "check:" + 41 * SS + ":" + SS + ":3");
        }
    }

    /** Data and metadata both rolled back to what they were at an earlier flush. */
    @Test
    void wholeOlderSnapshotRestored_eioWhereItChangedSinceReadsElsewhere() throws Exception {
        try (ServedImage s = ServedImage.start(dir, Kind.AUTHENTICATED, SIZE)) {
            client(s, "write:0:4194304:1", "flush");
            byte[] snapshot = Files.readAllBytes(s.image);
            client(s, "write:1048576:65536:2", "flush");
            Files.write(s.image, snapshot);
            client(s, "eio:1048576:4096", "eio:1110016:4096", "check:0:1048576:1");
        }
    }

    @Test
    void zeroedByTheHost_eioNotZeroes() throws Exception {
        try (ServedImage s = ServedImage.start(dir, Kind.AUTHENTICATED, SIZE)) {
            client(s, "write:0:65536:1");
            writeDisk(s, dataAt(s, 3), new byte[SS]);
            client(s, "eio:" + 3 * SS + ":" + SS, "check:0:" + 3 * SS + ":1");
        }
    }

    @Test
    void trimmedByTheHostThroughAHole_eio() throws Exception {
        try (ServedImage s = ServedImage.start(dir, Kind.AUTHENTICATED, SIZE)) {
            client(s, "write:0:65536:1", "zeroes:1048576:65536");
            try (FileBlockDevice host = FileBlockDevice.open(s.image, false)) {
                assertTrue(host.canTrim(), "the temp file system must punch holes for this test");
                host.trim(dataAt(s, 4), 4L * SS);
            }
            client(s, "eio:" + 4 * SS + ":" + 4 * SS, "check:0:" + 4 * SS + ":1", "zeroes:1048576:65536");
        }
    }

    /**
     * Every tree node on the disk damaged, the cache far smaller than the tree: each read is
     * either right (its leaf still in memory) or EIO, never other data, and most are EIO.
     */
    @Test
    void allMetadataDamagedSmallCache_readsAreRightOrEio() throws Exception {
        long size = 700L * AuthenticatedLayout.LEAF_FANOUT * SS;
        try (ServedImage s = ServedImage.start(dir, Kind.AUTHENTICATED, size, false, false, c -> c,
                AuthenticatedVolume.MIN_CACHE_BYTES)) {
            AuthenticatedLayout layout = ((AuthenticatedVolume) s.device).layout();
            long leaves = layout.nodesAt(0);
            List<String> writes = new ArrayList<>();
            List<String> reads = new ArrayList<>();
            for (long leaf = 0; leaf < leaves; leaf++) {
                long at = leaf * AuthenticatedLayout.LEAF_FANOUT * SS;
                writes.add("write:" + at + ":" + SS + ":" + leaf);
                reads.add("checkoreio:" + at + ":" + SS + ":" + leaf);
            }
            writes.add("flush");
            client(s, writes.toArray(String[]::new));
            for (long leaf = 0; leaf < leaves; leaf++) {
                flipByte(s, layout.nodeOffset(0, leaf) + 99);
            }
            List<String> out = clientOutput(s, reads.toArray(String[]::new));
            long eio = Long.parseLong(out.get(1).split(" ")[1]);
            assertTrue(eio > leaves / 2, eio + " of " + leaves + " reads failed");
            assertEquals(eio, ((AuthenticatedVolume) s.device).metrics().metadataFailures());
        }
    }

    @Test
    void fio_randomMixedQd32WithCrc32cVerify_noErrors() throws Exception {
        ExternalTool.require("fio");
        try (ServedImage s = ServedImage.start(dir, Kind.AUTHENTICATED, SIZE)) {
            var r = ExternalTool.run(List.of("fio", "--name=verify", "--ioengine=nbd", "--uri=" + s.uri(),
                    "--rw=randrw", "--bs=4k", "--iodepth=32", "--verify=crc32c", "--size=60m",
                    "--verify_state_save=0", "--output-format=json"), null, 300);
            assertEquals(0, r.exitCode(), r.stderr() + r.stdoutText());
            String out = r.stdoutText();
            JsonNode job = new ObjectMapper().readTree(out.substring(out.indexOf('{'))).get("jobs").get(0);
            assertEquals(0, job.get("error").asInt());
            assertTrue(job.get("write").get("io_bytes").asLong() > 0 && job.get("read").get("io_bytes").asLong() > 0);
            assertTrue(s.server.metrics().maxInFlight() > 1, "requests must be served concurrently");
            assertEquals(0, ((AuthenticatedVolume) s.device).metrics().sectorFailures());
        }
    }

    /** nbd-tester-client's integrity idea: 64 requests in flight, random sizes and alignment, every read checked. */
    @Test
    void integrityTrace_manyRequestsInFlight_everyReadAsWritten() throws Exception {
        requireLibnbdPython();
        try (ServedImage s = ServedImage.start(dir, Kind.AUTHENTICATED, SIZE, false, false, c -> c,
                AuthenticatedVolume.MIN_CACHE_BYTES)) {
            var r = ExternalTool.run(List.of(ExternalTool.debianPython().toString(), script("integrity.py").toString(),
                    s.uri(), String.valueOf(16 << 20), "4000", "64", "7"), null, 300);
            assertEquals(0, r.exitCode(), r.stderr());
            assertEquals("OK", r.stdoutText().strip());
            assertTrue(s.server.metrics().maxInFlight() > 8, "many requests must have been in flight");
        }
    }

    // --- helpers -----------------------------------------------------------------------------

    private long dataAt(ServedImage s, long sector) {
        return ((AuthenticatedVolume) s.device).layout().dataOffset() + sector * SS;
    }

    private void client(ServedImage s, String... steps) throws IOException {
        List<String> out = clientOutput(s, steps);
        assertEquals("OK", out.get(0), String.join("\n", out));
    }

    private List<String> clientOutput(ServedImage s, String... steps) throws IOException {
        requireLibnbdPython();
        List<String> cmd = new ArrayList<>(List.of(ExternalTool.debianPython().toString(), script("auth_client.py").toString(), s.uri()));
        cmd.addAll(List.of(steps));
        var r = ExternalTool.run(cmd, null, 300);
        assertEquals(0, r.exitCode(), () -> "auth_client.py " + String.join(" ", List.of(steps).subList(0, Math.min(4, steps.length)))
                + "...: " + r.stdoutText() + r.stderr());
        return List.of(r.stdoutText().strip().split("\n"));
    }

    private void qemuIo(ServedImage s, int expectedExit, String command) {
        var r = qemuIoResult(s, command);
        assertEquals(expectedExit, r.exitCode(), command + ": " + r.stdoutText() + r.stderr());
        assertTrue(!r.stdoutText().contains("Pattern verification failed"), command + ": " + r.stdoutText());
    }

    private static ExternalTool.Result qemuIoResult(ServedImage s, String command) {
        return ExternalTool.run(List.of("qemu-io", "-f", "raw", "-c", command, s.uri()), null, 120);
    }

    private Path script(String name) throws IOException {
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            try (InputStream in = AuthenticatedTamperTest.class.getResourceAsStream("/io/nbdcrypt/nbd/" + name)) {
                Files.write(p, in.readAllBytes());
            }
        }
        return p;
    }

    private static void requireLibnbdPython() {
        var r = ExternalTool.run(ExternalTool.debianPython().toString(), "-c", "import nbd");
        if (r.exitCode() != 0) {
            ExternalTool.unavailable("Python module 'nbd' for " + ExternalTool.debianPython() + " (apt package python3-libnbd)");
        }
    }

    private static void flipByte(ServedImage s, long at) throws IOException {
        byte[] b = readDisk(s, at, 1);
        b[0] ^= 0x10;
        writeDisk(s, at, b);
    }

    private static void copyOnDisk(ServedImage s, long from, long to, int len) throws IOException {
        writeDisk(s, to, readDisk(s, from, len));
    }

    private static byte[] readDisk(ServedImage s, long at, int len) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(s.image.toFile(), "r")) {
            byte[] b = new byte[len];
            f.seek(at);
            f.readFully(b);
            return b;
        }
    }

    private static void writeDisk(ServedImage s, long at, byte[] b) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(s.image.toFile(), "rw")) {
            f.seek(at);
            f.write(b);
        }
    }
}
