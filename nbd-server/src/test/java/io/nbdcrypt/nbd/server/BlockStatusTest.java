package io.nbdcrypt.nbd.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.testing.ServedImage;
import io.nbdcrypt.nbd.testing.ServedImage.Kind;
import io.nbdcrypt.testsupport.ExternalTool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code base:allocation} judged by real clients: {@code nbdinfo --map}, {@code qemu-img map},
 * libnbd's {@code block_status} (with and without REQ_ONE, at offsets inside sectors), and for
 * the plain file {@code nbdkit file} on the same image as a second server.
 *
 * <p>The layout is made through the server with qemu-io: writes that straddle sector
 * boundaries, one at the last byte, and a discard that punches a hole back into written data.
 * Both kinds allocate in 4 KiB units (the file system's blocks; the encrypted volume's 4096-byte
 * sectors, whose ciphertext is a hole until written), so the expected data ranges are the
 * written ranges rounded out to 4 KiB, minus the discarded whole blocks; everything else is a
 * hole that reads as zeroes.
 */
@ExtendWith(LeakCheck.class)
class BlockStatusTest {
    private static final long SIZE = 16L << 20;
    private static final long K4 = 4096;
    private static final long MIB = 1 << 20;
    /** Written with qemu-io: offset, length. */
    private static final long[][] WRITES = {{5 * K4 + 100, 5000}, {MIB, K4}, {3 * MIB, 64 * 1024}, {SIZE - 1, 1}};
    /** Discarded afterwards (whole blocks, so it becomes a hole again). */
    private static final long[] DISCARD = {3 * MIB + 16 * 1024, 32 * 1024};
    /** The data ranges that must result, [from, to). */
    private static final long[][] DATA = {{5 * K4, 7 * K4}, {MIB, MIB + K4}, {3 * MIB, 3 * MIB + 16 * 1024},
            {3 * MIB + 48 * 1024, 3 * MIB + 64 * 1024}, {SIZE - K4, SIZE}};

    @TempDir Path dir;

    private static ServedImage serveWithLayout(Path dir, Kind kind) throws IOException {
        ExternalTool.require("qemu-io");
        ServedImage s = ServedImage.start(dir, kind, SIZE, false, true, c -> c);
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (long[] w : WRITES) {
            cmd.addAll(List.of("-c", "write -P 0x5a " + w[0] + " " + w[1]));
        }
        cmd.addAll(List.of("-c", "discard " + DISCARD[0] + " " + DISCARD[1], s.uri()));
        var r = ExternalTool.run(cmd, null, 120).assertSuccess();
        assertFalse(r.stdoutText().contains("failed"), r.stdoutText());
        return s;
    }

    /** The whole export as [offset, length, hole?] extents, alternating, from {@link #DATA}. */
    private static List<long[]> expectedMap() {
        List<long[]> out = new ArrayList<>();
        long at = 0;
        for (long[] d : DATA) {
            if (d[0] > at) {
                out.add(new long[] {at, d[0] - at, 1});
            }
            out.add(new long[] {d[0], d[1] - d[0], 0});
            at = d[1];
        }
        if (at < SIZE) {
            out.add(new long[] {at, SIZE - at, 1});
        }
        return out;
    }

    private static String show(List<long[]> extents) {
        StringBuilder sb = new StringBuilder();
        for (long[] e : extents) {
            sb.append(String.format("%d+%d %s%n", e[0], e[1], e[2] == 1 ? "hole" : "data"));
        }
        return sb.toString();
    }

    /** nbdinfo --map --json: type 3 = hole|zero, 0 = data. */
    private static List<long[]> nbdinfoMap(String uri) throws IOException {
        var r = ExternalTool.run("nbdinfo", "--map", "--json", uri).assertSuccess();
        List<long[]> out = new ArrayList<>();
        for (JsonNode e : new ObjectMapper().readTree(r.stdout())) {
            int type = e.get("type").asInt();
            assertTrue(type == 0 || type == 3, "unexpected type " + type + " in " + r.stdoutText());
            out.add(new long[] {e.get("offset").asLong(), e.get("length").asLong(), type == 3 ? 1 : 0});
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"PLAIN", "ENCRYPTED"})   // authenticated: all data (conservative)
    void nbdinfoMap_showsWrittenBlocksAsDataAndTheRestAsHoles(Kind kind) throws Exception {
        ExternalTool.require("nbdinfo");
        try (ServedImage s = serveWithLayout(dir, kind)) {
            assertEquals(show(expectedMap()), show(nbdinfoMap(s.uri())));
        }
    }

    /** qemu's own NBD client: holes are "data": false, "zero": true; data is "data": true. */
    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"PLAIN", "ENCRYPTED"})   // authenticated: all data (conservative)
    void qemuImgMap_agrees(Kind kind) throws Exception {
        ExternalTool.require("qemu-img");
        try (ServedImage s = serveWithLayout(dir, kind)) {
            var r = ExternalTool.run("qemu-img", "map", "--output=json", "-f", "raw", s.uri()).assertSuccess();
            List<long[]> got = new ArrayList<>();
            for (JsonNode e : new ObjectMapper().readTree(r.stdout())) {
                boolean data = e.get("data").asBoolean();
                assertEquals(!data, e.get("zero").asBoolean(), "a hole must read as zeroes: " + e);
                got.add(new long[] {e.get("start").asLong(), e.get("length").asLong(), data ? 0 : 1});
            }
            assertEquals(show(expectedMap()), show(got));
        }
    }

    /** nbdkit's file plugin on the same image file is a second opinion on the plain export. */
    @org.junit.jupiter.api.Test
    void plainExport_mapIsWhatNbdkitReportsForTheSameFile() throws Exception {
        ExternalTool.require("nbdinfo");
        ExternalTool.require("nbdkit");
        try (ServedImage s = serveWithLayout(dir, Kind.PLAIN)) {
            List<long[]> ours = nbdinfoMap(s.uri());
            Path sock = dir.resolve("nbdkit.sock");
            var r = ExternalTool.run(List.of("nbdkit", "--exit-with-parent", "-r", "-U", sock.toString(), "file",
                    s.image.toString(), "--run", "nbdinfo --map --json \"$uri\""), null, 60).assertSuccess();
            List<long[]> theirs = new ArrayList<>();
            for (JsonNode e : new ObjectMapper().readTree(r.stdout())) {
                theirs.add(new long[] {e.get("offset").asLong(), e.get("length").asLong(),
                        e.get("type").asInt() == 3 ? 1 : 0});
            }
            assertEquals(show(theirs), show(ours));
        }
    }

    /**
     * libnbd block_status at offsets inside sectors, with REQ_ONE (exactly one descriptor, no
     * longer than the request) and without (descriptors up to the end of the request).
     */
    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"PLAIN", "ENCRYPTED"})   // authenticated: all data (conservative)
    void libnbdBlockStatus_unalignedRangesWithAndWithoutReqOne(Kind kind) throws Exception {
        var py = ExternalTool.run(ExternalTool.debianPython().toString(), "-c", "import nbd");
        if (py.exitCode() != 0) {
            ExternalTool.unavailable("Python module 'nbd' (apt package python3-libnbd)");
        }
        long[][] queries = {{5 * K4 - 10, 3 * K4, 0}, {5 * K4 - 10, 3 * K4, 1}, {6 * K4 + 7, 100, 1},
                {7 * K4 - 1, 2, 0}, {MIB - 3, 5 * K4, 0}, {3 * MIB + 1, 60 * 1024, 0}, {SIZE - 5, 5, 0},
                {0, (int) SIZE, 1}};
        try (ServedImage s = serveWithLayout(dir, kind)) {
            List<String> cmd = new ArrayList<>(List.of(ExternalTool.debianPython().toString(),
                    script("blockstatus.py").toString(), s.uri()));
            for (long[] q : queries) {
                cmd.add(q[0] + ":" + q[1] + ":" + q[2]);
            }
            var r = ExternalTool.run(cmd, null, 60);
            assertEquals(0, r.exitCode(), r.stderr());
            JsonNode replies = new ObjectMapper().readTree(r.stdout());
            for (int i = 0; i < queries.length; i++) {
                long[] q = queries[i];
                List<long[]> expected = within(q[0], q[0] + q[1], q[2] == 1);
                List<long[]> got = new ArrayList<>();
                long at = q[0];
                for (JsonNode d : replies.get(i)) {
                    long flags = d.get(1).asLong();
                    assertTrue(flags == 0 || flags == 3, "flags " + flags);
                    got.add(new long[] {at, d.get(0).asLong(), flags == 3 ? 1 : 0});
                    at += d.get(0).asLong();
                }
                assertEquals(show(expected), show(got), "query " + q[0] + "+" + q[1] + (q[2] == 1 ? " REQ_ONE" : ""));
            }
        }
    }

    /** The expected map cut to [from, to); only its first extent with REQ_ONE. */
    private static List<long[]> within(long from, long to, boolean one) {
        List<long[]> out = new ArrayList<>();
        for (long[] e : expectedMap()) {
            long a = Math.max(from, e[0]);
            long b = Math.min(to, e[0] + e[1]);
            if (a < b) {
                out.add(new long[] {a, b - a, e[2]});
            }
        }
        return one ? out.subList(0, 1) : out;
    }

    private Path script(String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = BlockStatusTest.class.getResourceAsStream("/io/nbdcrypt/nbd/" + name)) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }
}
