package io.nbdcrypt.block.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.AuthenticationFailedException;
import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authenticated volume over a sparse image file: reads and writes against a model, and the
 * host's attacks done to the file underneath a live volume - each must fail the tampered range
 * with {@link AuthenticationFailedException} while everything else reads as written.
 */
class AuthenticatedVolumeTest {
    static final int SS = 4096;
    private static final long SEED = Long.getLong("xts.seed", System.nanoTime());

    @TempDir
    Path dir;
    private Path image;
    private SecretBytes volumeKey;
    private AuthenticatedLayout layout;
    private AuthenticatedVolume volume;
    private CountingDevice counting;

    @BeforeEach
    void setUp() {
        volumeKey = SecretBytes.random(64, new SecureRandom());
    }

    @AfterEach
    void tearDown() throws IOException {
        if (volume != null) {
            volume.close();
        }
        volumeKey.close();
    }

    /** A volume over a new sparse file of {@code bytes}, with a tree-node cache of {@code cacheBytes}. */
    private AuthenticatedVolume open(long bytes, long cacheBytes) throws IOException {
        image = TestFiles.sparse(dir.resolve("auth.img"), bytes);
        counting = new CountingDevice(FileBlockDevice.open(image, false));
        layout = AuthenticatedLayout.fit(0, bytes, SS);
        volume = AuthenticatedVolume.create(counting, layout, volumeKey, cacheBytes, new SecureRandom());
        return volume;
    }

    @Test
    void read_neverWritten_zeroesWithoutTouchingTheDisk() throws IOException {
        AuthenticatedVolume v = open(64L << 20, AuthenticatedVolume.defaultCacheBytes());
        for (long at : new long[] {0, 12345, v.size() - (1 << 20)}) {
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
            v.read(at, b);
            assertTrue(isZero(b), "at " + at);
        }
        assertEquals(0, counting.reads, "never-written sectors and tree nodes are not read from the disk");
    }

    /** Random unaligned writes, trims and zeroings against a model, with a cache small enough to evict. */
    @Test
    void writeRead_randomRequestsWithEvictions_matchModel() throws IOException {
        AuthenticatedVolume v = open(600L * AuthenticatedLayout.LEAF_FANOUT * SS, AuthenticatedVolume.MIN_CACHE_BYTES);
        SplittableRandom rnd = new SplittableRandom(SEED);
        Model model = new Model(v.size());
        for (int op = 0; op < 1500; op++) {
            long at = rnd.nextInt(8) == 0 ? rnd.nextLong(v.size() - 70_000) : rnd.nextLong(4L << 20);
            int len = 1 + rnd.nextInt(rnd.nextBoolean() ? 9000 : 70_000);
            switch (rnd.nextInt(10)) {
                case 0 -> {
                    v.trim(at, len);
                    model.zero(at, len);
                }
                case 1 -> {
                    v.writeZeroes(at, len, rnd.nextBoolean());
                    model.zero(at, len);
                }
                case 2 -> v.flush();
                default -> {
                    byte[] data = bytes(len, op);
                    ByteBuffer src = switch (rnd.nextInt(3)) {
                        case 0 -> ByteBuffer.wrap(data.clone());
                        case 1 -> ByteBuffer.allocateDirect(len).put(0, data);
                        default -> ByteBuffer.wrap(data.clone()).asReadOnlyBuffer();
                    };
                    if (rnd.nextBoolean()) {
                        v.writeConsuming(at, src);
                    } else {
                        v.write(at, src);
                    }
                    model.write(at, data);
                }
            }
            if (op % 7 == 0) {
                long r = rnd.nextLong(v.size() - 100_000);
                assertArrayEquals(model.read(r, 100_000), read(v, r, 100_000), "op " + op + " read at " + r);
            }
        }
        // Evicted dirty leaves were written back sealed: everything reads back after reloading them.
        for (long r = 0; r < model.size; r += 1 << 20) {
            int n = (int) Math.min(1 << 20, model.size - r);
            assertArrayEquals(model.read(r, n), read(v, r, n), "final read at " + r);
        }
        AuthenticationMetrics m = v.metrics();
        assertTrue(m.nodeWriteBacks() > 0 && m.nodeLoads() > 0, "the cache should have evicted and reloaded: " + m.summary());
        assertEquals(0, m.sectorFailures() + m.metadataFailures());
    }

    @Test
    void tamper_bitFlip_failsThatSectorOnly() throws IOException {
        AuthenticatedVolume v = open(64L << 20, AuthenticatedVolume.defaultCacheBytes());
        byte[] data = writeSectors(v, 0, 100);
        flipByte(dataOffset(10) + 777);
        expectFailure(v, 10);
        expectFailure(v, 0, 100 * SS); // a request that covers it fails as a whole
        assertArrayEquals(Arrays.copyOfRange(data, 9 * SS, 10 * SS), read(v, 9L * SS, SS));
        assertArrayEquals(Arrays.copyOfRange(data, 11 * SS, 100 * SS), read(v, 11L * SS, 89 * SS));
        assertEquals(2, v.metrics().sectorFailures());
    }

    @Test
    void tamper_sectorMovedOverAnother_failsTheTarget() throws IOException {
        AuthenticatedVolume v = open(64L << 20, AuthenticatedVolume.defaultCacheBytes());
        byte[] data = writeSectors(v, 0, 64);
        copyOnDisk(dataOffset(20), dataOffset(30), SS);
        expectFailure(v, 30);
        assertArrayEquals(Arrays.copyOfRange(data, 20 * SS, 21 * SS), read(v, 20L * SS, SS));
    }

    @Test
    void tamper_olderCiphertextOfSectorPutBack_fails() throws IOException {
        AuthenticatedVolume v = open(64L << 20, AuthenticatedVolume.defaultCacheBytes());
        writeSectors(v, 0, 64);
        byte[] old = readDisk(dataOffset(40), SS);
        v.write(40L * SS, ByteBuffer.wrap(bytes(SS, 99)));
        writeDisk(dataOffset(40), old);
        expectFailure(v, 40);
    }

    @Test
    void tamper_zeroedOrPunchedOut_failsInsteadOfReadingZeroes() throws IOException {
        AuthenticatedVolume v = open(64L << 20, AuthenticatedVolume.defaultCacheBytes());
        byte[] data = writeSectors(v, 0, 64);
        writeDisk(dataOffset(5), new byte[SS]);
        expectFailure(v, 5);
        try (FileBlockDevice host = FileBlockDevice.open(image, false)) {
            assertTrue(host.canTrim(), "this test needs hole punching on the temp file system");
            host.trim(dataOffset(8), 4L * SS);
        }
        for (int s = 8; s < 12; s++) {
            expectFailure(v, s);
        }
        assertArrayEquals(Arrays.copyOfRange(data, 12 * SS, 64 * SS), read(v, 12L * SS, 52 * SS));
    }

    /**
     * The whole device rolled back to an older consistent snapshot (data and metadata, taken
     * after a flush): sectors written since fail; sectors not written since still read.
     */
    @Test
    void tamper_wholeDeviceRolledBackToOlderSnapshot_newerSectorsFail() throws IOException {
        AuthenticatedVolume v = open(64L << 20, AuthenticatedVolume.defaultCacheBytes());
        byte[] data = writeSectors(v, 0, 400);
        v.flush();
        byte[] snapshot = Files.readAllBytes(image);
        v.write(100L * SS, ByteBuffer.wrap(bytes(50 * SS, 7)));
        v.flush();
        Files.write(image, snapshot);
        for (int s = 100; s < 150; s += 7) {
            expectFailure(v, s);
        }
        assertArrayEquals(Arrays.copyOfRange(data, 0, 100 * SS), read(v, 0, 100 * SS));
        assertArrayEquals(Arrays.copyOfRange(data, 150 * SS, 400 * SS), read(v, 150L * SS, 250 * SS));
    }

    /**
     * Every tree node on the disk damaged, with a cache far smaller than the tree: a read either
     * returns what was written (its leaf still in memory, which the host cannot touch) or fails;
     * never anything else.
     */
    @Test
    void tamper_allMetadataDamagedSmallCache_readsFailOrAreRight() throws IOException {
        AuthenticatedVolume v = open(600L * AuthenticatedLayout.LEAF_FANOUT * SS, AuthenticatedVolume.MIN_CACHE_BYTES);
        long leaves = layout.nodesAt(0);
        for (long leaf = 0; leaf < leaves; leaf++) {
            v.write(leaf * AuthenticatedLayout.LEAF_FANOUT * SS, ByteBuffer.wrap(sectorOf(leaf)));
        }
        v.flush();
        for (long leaf = 0; leaf < leaves; leaf++) {
            flipByte(layout.nodeOffset(0, leaf) + 100);
        }
        int failed = 0;
        for (long leaf = 0; leaf < leaves; leaf++) {
            long at = leaf * AuthenticatedLayout.LEAF_FANOUT * SS;
            try {
                assertArrayEquals(sectorOf(leaf), read(v, at, SS), "leaf " + leaf);
            } catch (AuthenticationFailedException e) {
                assertEquals(-1, e.sector(), e.getMessage());
                assertTrue(e.getMessage().contains("metadata node " + leaf + " of level 0"), e.getMessage());
                failed++;
            }
        }
        assertTrue(failed > leaves / 2, failed + " of " + leaves + " leaves failed; most were evicted and reloaded");
        assertEquals(failed, v.metrics().metadataFailures());
    }

    /** An older image of a leaf put back (after it was written twice and evicted): the log calls it replayed. */
    @Test
    void tamper_olderLeafImageReplayed_failsAsReplay() throws IOException {
        AuthenticatedVolume v = open(600L * AuthenticatedLayout.LEAF_FANOUT * SS, AuthenticatedVolume.MIN_CACHE_BYTES);
        v.write(0, ByteBuffer.wrap(bytes(SS, 1)));
        v.flush();
        byte[] oldLeaf = readDisk(layout.nodeOffset(0, 0), 4096);
        v.write(0, ByteBuffer.wrap(bytes(SS, 2)));
        v.flush();
        writeDisk(layout.nodeOffset(0, 0), oldLeaf);
        evictByTouchingOtherLeaves(v);
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class, () -> read(v, 0, SS));
        assertTrue(e.getMessage().contains("replayed"), e.getMessage());
    }

    @Test
    void trimAndWriteZeroes_readZeroes_trimReleasesStorage() throws IOException {
        AuthenticatedVolume v = open(64L << 20, AuthenticatedVolume.defaultCacheBytes());
        writeSectors(v, 0, 64);
        v.trim(SS + 100, 10L * SS);
        v.writeZeroes(30L * SS, 5L * SS, false);
        byte[] got = read(v, 0, 64 * SS);
        byte[] want = writeSectorsData(64);
        Arrays.fill(want, SS + 100, 11 * SS + 100, (byte) 0);
        Arrays.fill(want, 30 * SS, 35 * SS, (byte) 0);
        assertArrayEquals(want, got);
        assertTrue(isZero(ByteBuffer.wrap(readDisk(dataOffset(2), 8 * SS))), "trimmed whole sectors are holes on the disk");
        assertFalse(isZero(ByteBuffer.wrap(readDisk(dataOffset(30), SS))), "write-zeroes without trim leaves the bytes");
    }

    @Test
    void create_badArguments_refusedNamingTheProblem() throws IOException {
        image = TestFiles.sparse(dir.resolve("small.img"), 1 << 20);
        try (FileBlockDevice dev = FileBlockDevice.open(image, false)) {
            AuthenticatedLayout tooBig = AuthenticatedLayout.fit(0, 2 << 20, SS);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AuthenticatedVolume.create(dev, tooBig, volumeKey, AuthenticatedVolume.defaultCacheBytes(), new SecureRandom()));
            assertTrue(e.getMessage().contains("past the end"), e.getMessage());
            AuthenticatedLayout fits = AuthenticatedLayout.fit(0, 1 << 20, SS);
            e = assertThrows(IllegalArgumentException.class, () -> AuthenticatedVolume.create(dev, fits, volumeKey, 4096, new SecureRandom()));
            assertTrue(e.getMessage().contains("metadata cache"), e.getMessage());
        }
        try (FileBlockDevice ro = FileBlockDevice.open(image, true)) {
            AuthenticatedLayout fits = AuthenticatedLayout.fit(0, 1 << 20, SS);
            assertThrows(IllegalArgumentException.class,
                    () -> AuthenticatedVolume.create(ro, fits, volumeKey, AuthenticatedVolume.defaultCacheBytes(), new SecureRandom()));
        }
    }

    // --- helpers -------------------------------------------------------------------------

    private void evictByTouchingOtherLeaves(AuthenticatedVolume v) throws IOException {
        for (long leaf = 1; leaf < layout.nodesAt(0); leaf++) {
            v.write(leaf * AuthenticatedLayout.LEAF_FANOUT * SS, ByteBuffer.wrap(new byte[SS]));
        }
    }

    private static byte[] sectorOf(long leaf) {
        return bytes(SS, (int) leaf + 1000);
    }

    private static byte[] writeSectorsData(int n) {
        return bytes(n * SS, 4242);
    }

    private static byte[] writeSectors(AuthenticatedVolume v, long first, int n) throws IOException {
        byte[] data = writeSectorsData(n);
        v.write(first * SS, ByteBuffer.wrap(data.clone()));
        return data;
    }

    private void expectFailure(AuthenticatedVolume v, long sector) {
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class, () -> read(v, sector * SS, SS),
                "sector " + sector);
        assertEquals(sector, e.sector());
    }

    private void expectFailure(AuthenticatedVolume v, long at, int len) {
        assertThrows(AuthenticationFailedException.class, () -> read(v, at, len));
    }

    private long dataOffset(long sector) {
        return layout.dataOffset() + sector * SS;
    }

    static byte[] read(BlockDevice v, long at, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        v.read(at, b);
        return b.array();
    }

    private void flipByte(long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
    }

    private void copyOnDisk(long from, long to, int len) throws IOException {
        writeDisk(to, readDisk(from, len));
    }

    private byte[] readDisk(long at, int len) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            byte[] b = new byte[len];
            f.seek(at);
            f.readFully(b);
            return b;
        }
    }

    private void writeDisk(long at, byte[] b) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(at);
            f.write(b);
        }
    }

    static byte[] bytes(int n, int salt) {
        byte[] b = new byte[n];
        new SplittableRandom(SEED * 31 + salt).nextBytes(b);
        return b;
    }

    static boolean isZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The plaintext the volume should hold: sparse, in 1 MiB pages. */
    static final class Model {
        private static final int PAGE = 1 << 20;
        final long size;
        private final java.util.Map<Long, byte[]> pages = new java.util.HashMap<>();

        Model(long size) {
            this.size = size;
        }

        void write(long at, byte[] data) {
            for (int done = 0; done < data.length; ) {
                long p = (at + done) / PAGE;
                int within = (int) ((at + done) % PAGE);
                int n = Math.min(PAGE - within, data.length - done);
                System.arraycopy(data, done, pages.computeIfAbsent(p, k -> new byte[PAGE]), within, n);
                done += n;
            }
        }

        void zero(long at, long len) {
            write(at, new byte[(int) len]);
        }

        byte[] read(long at, int len) {
            byte[] out = new byte[len];
            for (int done = 0; done < len; ) {
                byte[] page = pages.get((at + done) / PAGE);
                int within = (int) ((at + done) % PAGE);
                int n = Math.min(PAGE - within, len - done);
                if (page != null) {
                    System.arraycopy(page, within, out, done, n);
                }
                done += n;
            }
            return out;
        }
    }

    /** The real file device, counting the reads that reach it. */
    static final class CountingDevice implements BlockDevice {
        private final BlockDevice inner;
        volatile long reads;

        CountingDevice(BlockDevice inner) {
            this.inner = inner;
        }

        @Override public long size() { return inner.size(); }
        @Override public int blockSize() { return inner.blockSize(); }
        @Override public boolean isReadOnly() { return inner.isReadOnly(); }
        @Override public boolean canTrim() { return inner.canTrim(); }
        @Override public void read(long offset, ByteBuffer dst) throws IOException { reads++; inner.read(offset, dst); }
        @Override public void write(long offset, ByteBuffer src) throws IOException { inner.write(offset, src); }
        @Override public void flush() throws IOException { inner.flush(); }
        @Override public void trim(long offset, long length) throws IOException { inner.trim(offset, length); }
        @Override public void writeZeroes(long o, long l, boolean t) throws IOException { inner.writeZeroes(o, l, t); }
        @Override public void close() throws IOException { inner.close(); }
        @Override public String toString() { return inner.toString(); }
    }
}
