package io.nbdcrypt.block.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests on sectors that share tree nodes, from many threads at once, with a cache small
 * enough to evict (and write back) nodes while others use them: no write is lost, no read
 * fails. Writers own disjoint byte slices of the same sectors, so every write is a
 * read-modify-write of a sector other threads change too, and the expected content is exact.
 */
class AuthenticatedVolumeConcurrencyTest {
    private static final int SS = 4096;
    private static final int WRITERS = 4;
    private static final int SLICE = SS / WRITERS;
    private static final long SEED = Long.getLong("xts.seed", System.nanoTime());

    @TempDir
    Path dir;

    @Test
    void partialWritesReadsAndFlushes_manyThreadsSmallCache_nothingLostNothingFails() throws Exception {
        long leaves = 300;
        long bytes = (leaves + 10) * AuthenticatedLayout.LEAF_FANOUT * SS;
        Path image = TestFiles.sparse(dir.resolve("c.img"), bytes);
        AuthenticatedLayout layout = AuthenticatedLayout.fit(0, bytes, SS);
        long sectors = leaves * AuthenticatedLayout.LEAF_FANOUT;
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 3);
        try (SecretBytes key = SecretBytes.random(64, new SecureRandom());
                AuthenticatedVolume v = AuthenticatedVolume.create(FileBlockDevice.open(image, false), layout, key,
                        AuthenticatedVolume.MIN_CACHE_BYTES, new SecureRandom())) {
            List<Map<Long, byte[]>> models = new ArrayList<>();
            List<Future<?>> tasks = new ArrayList<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            for (int t = 0; t < WRITERS; t++) {
                Map<Long, byte[]> model = new HashMap<>();
                models.add(model);
                int slice = t;
                tasks.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(SEED + slice);
                    for (int op = 0; op < 600; op++) {
                        // Hot leaves half the time, so threads meet on the same sectors and leaves.
                        long sector = rnd.nextBoolean() ? rnd.nextLong(2 * AuthenticatedLayout.LEAF_FANOUT) : rnd.nextLong(sectors);
                        byte[] mine = model.computeIfAbsent(sector, s -> new byte[SLICE]);
                        int off = rnd.nextInt(SLICE);
                        int len = 1 + rnd.nextInt(SLICE - off);
                        byte[] data = new byte[len];
                        rnd.nextBytes(data);
                        long at = sector * SS + (long) slice * SLICE + off;
                        v.write(at, ByteBuffer.wrap(data));
                        System.arraycopy(data, 0, mine, off, len);
                        ByteBuffer back = ByteBuffer.allocate(SLICE);
                        v.read(sector * SS + (long) slice * SLICE, back);
                        assertArrayEquals(mine, back.array(), "writer " + slice + " sector " + sector + " op " + op);
                    }
                    return null;
                }));
            }
            for (int r = 0; r < 2; r++) {
                int seed = r;
                tasks.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(SEED + 100 + seed);
                    while (writing.get()) {
                        long at = rnd.nextLong(sectors - 16) * SS;
                        v.read(at, ByteBuffer.allocateDirect(16 * SS)); // must never fail
                    }
                    return null;
                }));
            }
            tasks.add(pool.submit(() -> {
                while (writing.get()) {
                    v.flush();
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
                }
                return null;
            }));
            for (int t = 0; t < WRITERS; t++) {
                tasks.get(t).get(10, TimeUnit.MINUTES);
            }
            writing.set(false);
            for (Future<?> f : tasks) {
                f.get(10, TimeUnit.MINUTES);
            }
            for (int t = 0; t < WRITERS; t++) {
                for (Map.Entry<Long, byte[]> e : models.get(t).entrySet()) {
                    ByteBuffer back = ByteBuffer.allocate(SLICE);
                    v.read(e.getKey() * SS + (long) t * SLICE, back);
                    assertArrayEquals(e.getValue(), back.array(), "writer " + t + " sector " + e.getKey() + " at the end");
                }
            }
            AuthenticationMetrics m = v.metrics();
            assertEquals(0, m.sectorFailures() + m.metadataFailures(), m.summary());
            assertTrue(m.nodeWriteBacks() > 0 && m.nodeLoads() > 0, "evictions happened under load: " + m.summary());
        } finally {
            pool.shutdownNow();
        }
    }
}
