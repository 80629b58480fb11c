package io.nbdcrypt.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.testsupport.TestFiles;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.ReferenceXts;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The encrypted plaintext view over a sparse image file: unaligned I/O, holes, trim, concurrency. */
class EncryptedVolumeTest {
    private static final int MIB = 1 << 20;
    private static final long DATA_OFFSET = 64 * 1024;
    private static final long IV_TWEAK = 3;
    private static final long SEED = Long.getLong("xts.seed", System.nanoTime());

    @TempDir
    Path dir;
    private Path image;
    private byte[] key;
    private XtsCipher xts;

    @BeforeEach
    void setUp() throws IOException {
        image = dir.resolve("volume.img");
        TestFiles.sparse(image, DATA_OFFSET + 8 * MIB); // sparse: never-written sectors are holes
        key = new byte[64];
        new SplittableRandom(SEED).nextBytes(key);
        xts = XtsCipher.create(SecretBytes.copyOf(key));
    }

    @AfterEach
    void tearDown() {
        xts.close();
    }

    private EncryptedVolume open(int sectorSize, boolean readOnly) throws IOException {
        return new EncryptedVolume(FileBlockDevice.open(image, readOnly), DATA_OFFSET, 8 * MIB,
                new SectorCipher(xts, sectorSize, IvRule.dmCrypt(IvMode.PLAIN64, IV_TWEAK)));
    }

    @Test
    void close_volume_wipesItsCipher() throws IOException {
        EncryptedVolume v = open(4096, false);
        v.write(0, ByteBuffer.allocate(4096));
        v.close();
        assertTrue(xts.isClosed(), "closing the volume must wipe the volume key");
        assertThrows(IllegalStateException.class, () -> xts.encrypt(new byte[16], new byte[32], 0, 32));
    }

    /** The pooled write buffers are zeroed when the volume closes (they may hold plaintext after a failed request). */
    @Test
    void close_volume_zeroesItsScratchBuffers() throws Exception {
        EncryptedVolume v = open(4096, false);
        v.write(100, ByteBuffer.wrap(FileBlockDeviceTest.random(3 * 4096, SEED))); // head, body and tail through scratch
        java.lang.reflect.Field f = EncryptedVolume.class.getDeclaredField("scratch");
        f.setAccessible(true);
        @SuppressWarnings("unchecked")
        io.nbdcrypt.xts.WorkerPool<ByteBuffer> pool = (io.nbdcrypt.xts.WorkerPool<ByteBuffer>) f.get(v);
        ByteBuffer pooled = pool.borrow(); // the one the write used: one thread, its home slot
        assertFalse(isZero(pooled.array()), "the write left bytes in the buffer this test watches");
        pool.release(pooled);
        v.close();
        assertTrue(isZero(pooled.array()), "a pooled scratch buffer still holds bytes after close");
    }

    @Test
    void read_neverWrittenSparseVolume_returnsZeroes() throws IOException {
        try (EncryptedVolume v = open(4096, false)) {
            ByteBuffer b = ByteBuffer.allocate(MIB + 1000);
            v.read(12345, b);
            assertArrayEquals(new byte[MIB + 1000], b.array());
        }
    }

    /**
     * Random unaligned writes (heap or direct; copying {@code write}, in-place {@code writeConsuming},
     * or {@code writeConsuming} of a read-only buffer) against an in-memory model; then the
     * on-disk sectors against the reference XTS.
     */
    @Test
    void writeRead_randomUnalignedRequests_matchModelAndReferenceCiphertext() throws IOException {
        SplittableRandom rnd = new SplittableRandom(SEED);
        byte[] model = new byte[8 * MIB];
        try (EncryptedVolume v = open(4096, false)) {
            for (int i = 0; i < 200; i++) {
                int len = 1 + rnd.nextInt(i % 10 == 0 ? 300_000 : 10_000);
                int off = rnd.nextInt(model.length - len);
                byte[] data = FileBlockDeviceTest.random(len, rnd.nextLong());
                ByteBuffer src = rnd.nextBoolean() ? ByteBuffer.wrap(data.clone()) : ByteBuffer.allocateDirect(len).put(0, data);
                switch (rnd.nextInt(3)) {
                    case 0 -> {
                        v.write(off, src);
                        byte[] after = new byte[len];
                        src.get(0, after);
                        assertArrayEquals(data, after, "write must leave the caller's buffer alone");
                    }
                    case 1 -> v.writeConsuming(off, src);
                    default -> v.writeConsuming(off, src.asReadOnlyBuffer());
                }
                assertEquals(0, src.position());
                assertEquals(len, src.limit());
                System.arraycopy(data, 0, model, off, len);
                int rlen = 1 + rnd.nextInt(20_000);
                int roff = rnd.nextInt(model.length - rlen);
                ByteBuffer dst = ByteBuffer.allocate(rlen);
                v.read(roff, dst);
                assertArrayEquals(Arrays.copyOfRange(model, roff, roff + rlen), dst.array(), "seed " + SEED + " read " + i);
            }
        }
        // Independent check of what is on disk: each written 4096-byte sector decrypts with the
        // reference XTS under the dm-crypt rule IV = offset / 512 + iv_tweak.
        byte[] disk = Files.readAllBytes(image);
        int checked = 0;
        for (int s = 0; s < model.length / 4096; s++) {
            byte[] ct = Arrays.copyOfRange(disk, (int) DATA_OFFSET + s * 4096, (int) DATA_OFFSET + (s + 1) * 4096);
            if (isZero(ct)) {
                continue;
            }
            byte[] plain = ReferenceXts.decrypt(key, le16(s * 4096L / 512 + IV_TWEAK), ct);
            assertArrayEquals(Arrays.copyOfRange(model, s * 4096, (s + 1) * 4096), plain, "sector " + s);
            checked++;
        }
        assertTrue(checked > 100, "only " + checked + " sectors were written");
    }

    @Test
    void trim_wholeAndPartialSectors_readsZeroesPunchesHolesKeepsNeighbours() throws IOException {
        byte[] data = FileBlockDeviceTest.random(8 * MIB, SEED);
        try (EncryptedVolume v = open(512, false)) {
            v.write(0, ByteBuffer.wrap(data));
            v.flush();
            long before = SparseFiles.allocatedBytes(image);
            assertTrue(v.canTrim());
            long off = MIB + 100;
            long len = 3 * MIB;
            v.trim(off, len);
            long after = SparseFiles.allocatedBytes(image);
            assertTrue(before - after >= 3 * MIB - 8192, "trim must punch holes: " + before + " -> " + after);

            ByteBuffer all = ByteBuffer.allocate(8 * MIB);
            v.read(0, all);
            byte[] expected = data.clone();
            Arrays.fill(expected, (int) off, (int) (off + len), (byte) 0);
            assertArrayEquals(expected, all.array());
        }
        // The partial edge sectors hold real ciphertext (of zeroes and neighbours), not zero bytes.
        byte[] disk = Files.readAllBytes(image);
        int edge = (int) (DATA_OFFSET + (MIB + 100) / 512 * 512);
        assertFalse(isZero(Arrays.copyOfRange(disk, edge, edge + 512)));
    }

    @Test
    void writeZeroes_withoutTrim_writesCiphertextOfZeroes() throws IOException {
        try (EncryptedVolume v = open(4096, false)) {
            v.write(0, ByteBuffer.wrap(FileBlockDeviceTest.random(MIB, SEED)));
            v.writeZeroes(4096, 8192, false);
            ByteBuffer b = ByteBuffer.allocate(8192);
            v.read(4096, b);
            assertArrayEquals(new byte[8192], b.array());
        }
        byte[] disk = Files.readAllBytes(image);
        byte[] onDisk = Arrays.copyOfRange(disk, (int) DATA_OFFSET + 4096, (int) DATA_OFFSET + 4096 + 4096);
        assertFalse(isZero(onDisk), "zeroes written without trim must be encrypted, not visible to the host");
        assertArrayEquals(new byte[4096], ReferenceXts.decrypt(key, le16(4096 / 512 + IV_TWEAK), onDisk));
    }

    /** A hole would read as zeroes only through EncryptedVolume; dm-crypt would decrypt it to noise. */
    @Test
    void writeZeroes_mayTrim_stillWritesCiphertextOfZeroes() throws IOException {
        try (EncryptedVolume v = open(4096, false)) {
            v.write(0, ByteBuffer.wrap(FileBlockDeviceTest.random(MIB, SEED)));
            v.writeZeroes(4096, 3 * 4096, true);
        }
        byte[] disk = Files.readAllBytes(image);
        for (int sector = 1; sector <= 3; sector++) {
            int at = (int) DATA_OFFSET + sector * 4096;
            byte[] onDisk = Arrays.copyOfRange(disk, at, at + 4096);
            assertArrayEquals(new byte[4096], ReferenceXts.decrypt(key, le16(sector * 4096 / 512 + IV_TWEAK), onDisk),
                    "sector " + sector + " as dm-crypt decrypts it");
        }
    }

    /** Many threads patch disjoint byte ranges of the same few sectors; no write may be lost. */
    @Test
    void write_concurrentPartialWritesToSameSectors_nothingLost() throws Exception {
        int region = 3 * 4096;
        int piece = 37;
        List<Integer> starts = new ArrayList<>();
        for (int at = 100; at + piece <= 100 + region; at += piece) {
            starts.add(at);
        }
        int threads = 8;
        byte[] expected = new byte[100 + region + 100];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (EncryptedVolume v = open(4096, false)) {
            for (int round = 0; round < 5; round++) {
                Collections.shuffle(starts, new java.util.Random(SEED + round));
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int me = t;
                    byte value = (byte) (round * 16 + t + 1);
                    fs.add(pool.submit(() -> {
                        for (int i = me; i < starts.size(); i += threads) {
                            byte[] b = new byte[piece];
                            Arrays.fill(b, value);
                            v.write(starts.get(i), ByteBuffer.wrap(b));
                        }
                        return null;
                    }));
                    for (int i = me; i < starts.size(); i += threads) {
                        Arrays.fill(expected, starts.get(i), starts.get(i) + piece, value);
                    }
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                ByteBuffer back = ByteBuffer.allocate(expected.length);
                v.read(0, back);
                assertArrayEquals(expected, back.array(), "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void write_readOnlyVolume_refused() throws IOException {
        try (EncryptedVolume v = open(4096, true)) {
            assertThrows(ReadOnlyDeviceException.class, () -> v.write(0, ByteBuffer.allocate(4096)));
            assertThrows(ReadOnlyDeviceException.class, () -> v.trim(0, 4096));
        }
    }

    @Test
    void constructor_segmentOutsideDevice_refused() throws IOException {
        try (FileBlockDevice dev = FileBlockDevice.open(image, true)) {
            SectorCipher sc = new SectorCipher(xts, 4096, IvRule.dmCrypt(IvMode.PLAIN64, 0));
            assertThrows(IllegalArgumentException.class, () -> new EncryptedVolume(dev, DATA_OFFSET, 9 * MIB, sc));
            assertThrows(IllegalArgumentException.class, () -> new EncryptedVolume(dev, 100, MIB, sc));
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] le16(long v) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
