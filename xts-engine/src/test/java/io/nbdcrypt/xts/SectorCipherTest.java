package io.nbdcrypt.xts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.crypto.SecretBytes;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sector runs against dm-crypt's IV rules, checked with keys against Python {@code cryptography}
 * (sector by sector, tweak = IV as 16 little-endian bytes) and against the reference XTS.
 */
class SectorCipherTest {
    private static final long SEED = Long.getLong("xts.seed", System.nanoTime());

    /** LUKS2 default: 4096-byte sectors, IVs in 512-byte units plus iv_tweak, crossing 2^32. */
    @Test
    void encrypt_4096ByteSectorsWithIvTweak_matchesDmCryptRuleInPython() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        byte[] key = XtsCipherPropertyTest.bytes(rnd, 64);
        long ivTweak = 12345;
        // 4096-byte sector index whose IV (index * 8 + ivTweak) runs across 2^32.
        long first = ((1L << 32) - ivTweak) / 8 - 3;
        int sectors = 6;
        byte[] plain = XtsCipherPropertyTest.bytes(rnd, sectors * 4096);
        ByteBuffer buf = ByteBuffer.wrap(plain.clone());
        try (XtsCipher xts = XtsCipher.create(SecretBytes.copyOf(key))) {
            new SectorCipher(xts, 4096, IvRule.dmCrypt(IvMode.PLAIN64, ivTweak)).encrypt(buf, first);
        }
        List<PythonXts.Case> cases = new ArrayList<>();
        for (int i = 0; i < sectors; i++) {
            long offset = (first + i) * 4096;
            long iv = offset / 512 + ivTweak;
            cases.add(new PythonXts.Case(true, key, le16(iv), Arrays.copyOfRange(plain, i * 4096, (i + 1) * 4096)));
        }
        assertTrue(offsetIv(first, ivTweak) < (1L << 32) && offsetIv(first + sectors - 1, ivTweak) >= (1L << 32));
        List<byte[]> expected = PythonXts.run(cases);
        for (int i = 0; i < sectors; i++) {
            assertArrayEquals(expected.get(i), Arrays.copyOfRange(buf.array(), i * 4096, (i + 1) * 4096), "sector " + (first + i));
        }
    }

    /** plain64 keeps all 64 bits of the sector number; plain truncates to 32 (and so repeats IVs). */
    @ParameterizedTest
    @ValueSource(strings = {"PLAIN64", "PLAIN"})
    void encrypt_512ByteSectorsPast2To32_matchesIvModeInPython(String modeName) {
        IvMode mode = IvMode.valueOf(modeName);
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        byte[] key = XtsCipherPropertyTest.bytes(rnd, 32);
        long first = (1L << 32) - 2;
        int sectors = 4;
        byte[] plain = XtsCipherPropertyTest.bytes(rnd, sectors * 512);
        ByteBuffer buf = ByteBuffer.allocateDirect(plain.length).put(0, plain);
        try (XtsCipher xts = XtsCipher.create(SecretBytes.copyOf(key))) {
            new SectorCipher(xts, 512, IvRule.dmCrypt(mode, 0)).encrypt(buf, first);
        }
        List<PythonXts.Case> cases = new ArrayList<>();
        for (int i = 0; i < sectors; i++) {
            long sector = first + i;
            long iv = mode == IvMode.PLAIN ? sector & 0xffffffffL : sector;
            cases.add(new PythonXts.Case(true, key, le16(iv), Arrays.copyOfRange(plain, i * 512, (i + 1) * 512)));
        }
        List<byte[]> expected = PythonXts.run(cases);
        for (int i = 0; i < sectors; i++) {
            byte[] got = new byte[512];
            buf.get(i * 512, got);
            assertArrayEquals(expected.get(i), got, mode + " sector " + (first + i));
        }
    }

    @Test
    void encrypt_largeSectorsRule_ivCountsWholeSectors() {
        SplittableRandom rnd = new SplittableRandom(SEED + 2);
        byte[] key = XtsCipherPropertyTest.bytes(rnd, 64);
        byte[] plain = XtsCipherPropertyTest.bytes(rnd, 3 * 2048);
        ByteBuffer buf = ByteBuffer.wrap(plain.clone());
        try (XtsCipher xts = XtsCipher.create(SecretBytes.copyOf(key))) {
            new SectorCipher(xts, 2048, new IvRule(IvMode.PLAIN64, 5, true)).encrypt(buf, 10);
        }
        for (int i = 0; i < 3; i++) {
            byte[] want = ReferenceXts.encrypt(key, le16(10 + i + 5), Arrays.copyOfRange(plain, i * 2048, (i + 1) * 2048));
            assertArrayEquals(want, Arrays.copyOfRange(buf.array(), i * 2048, (i + 1) * 2048));
        }
    }

    /** Heap, direct, serial and split-across-threads paths all give the reference's bytes. */
    @Test
    void encryptDecrypt_heapDirectAndParallel_matchReferencePerSector() {
        SplittableRandom rnd = new SplittableRandom(SEED + 3);
        ForkJoinPool pool = new ForkJoinPool(3);
        try {
            for (int round = 0; round < 12; round++) {
                int sectorSize = 512 << rnd.nextInt(4);
                byte[] key = XtsCipherPropertyTest.bytes(rnd, rnd.nextBoolean() ? 32 : 64);
                // Up to 1.5 MiB: crosses the engine's chunk and IV batch boundaries and the parallel threshold.
                int sectors = 1 + rnd.nextInt(3 * 1024 * 512 / sectorSize);
                long first = rnd.nextLong(1L << 40);
                IvRule rule = IvRule.dmCrypt(IvMode.PLAIN64, rnd.nextInt(1000));
                byte[] plain = XtsCipherPropertyTest.bytes(rnd, sectors * sectorSize);
                byte[] expected = new byte[plain.length];
                for (int i = 0; i < sectors; i++) {
                    byte[] unit = ReferenceXts.encrypt(key, le16(rule.ivSector(first + i, sectorSize)),
                            Arrays.copyOfRange(plain, i * sectorSize, (i + 1) * sectorSize));
                    System.arraycopy(unit, 0, expected, i * sectorSize, sectorSize);
                }
                try (XtsCipher xts = XtsCipher.create(SecretBytes.copyOf(key))) {
                    SectorCipher serial = new SectorCipher(xts, sectorSize, rule).withParallelism(pool, Integer.MAX_VALUE);
                    SectorCipher split = serial.withParallelism(pool, 128 * 1024);
                    for (SectorCipher sc : List.of(serial, split)) {
                        String what = "seed " + SEED + " round " + round + " " + sectors + "x" + sectorSize + " threshold " + sc.parallelThreshold();
                        // Heap buffer with a non-zero position and array offset.
                        ByteBuffer heap = ByteBuffer.allocate(plain.length + 64).position(32).slice().position(16);
                        heap.put(16, plain).limit(16 + plain.length);
                        sc.encrypt(heap, first);
                        assertEquals(16, heap.position());
                        byte[] got = new byte[plain.length];
                        heap.get(16, got);
                        assertArrayEquals(expected, got, what + " heap");
                        sc.decrypt(heap, first);
                        heap.get(16, got);
                        assertArrayEquals(plain, got, what + " heap round trip");

                        ByteBuffer direct = ByteBuffer.allocateDirect(plain.length).put(0, plain);
                        sc.encrypt(direct, first);
                        direct.get(0, got);
                        assertArrayEquals(expected, got, what + " direct");
                        sc.decrypt(direct, first);
                        direct.get(0, got);
                        assertArrayEquals(plain, got, what + " direct round trip");
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A split request never waits for a pool that does not run its parts: with the pool's only
     * worker blocked, the caller claims and runs every part itself (the queued task later finds
     * its part claimed and does nothing), and the bytes equal the serial result. Before parts
     * were claimable this waited for the blocked worker (the get() timed out).
     */
    @Test
    void encrypt_largeRequestWithBlockedPool_callerRunsUnclaimedParts() throws Exception {
        ForkJoinPool pool = new ForkJoinPool(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);
        pool.execute(() -> {
            blocked.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        byte[] key = XtsCipherPropertyTest.bytes(new SplittableRandom(SEED + 5), 64);
        byte[] plain = XtsCipherPropertyTest.bytes(new SplittableRandom(SEED + 6), 256 * 1024);
        IvRule rule = IvRule.dmCrypt(IvMode.PLAIN64, 0);
        try (XtsCipher xts = XtsCipher.create(SecretBytes.copyOf(key))) {
            SectorCipher serial = new SectorCipher(xts, 4096, rule).withParallelism(pool, Integer.MAX_VALUE);
            SectorCipher split = serial.withParallelism(pool, 128 * 1024);
            ByteBuffer expected = ByteBuffer.wrap(plain.clone());
            serial.encrypt(expected, 7);
            assertTrue(blocked.await(30, java.util.concurrent.TimeUnit.SECONDS));

            ByteBuffer got = ByteBuffer.wrap(plain.clone());
            java.util.concurrent.FutureTask<Void> run = new java.util.concurrent.FutureTask<>(() -> split.encrypt(got, 7), null);
            Thread.ofPlatform().daemon().start(run);
            run.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(1, pool.getQueuedSubmissionCount(), "the request should have split (one part queued)");
            assertArrayEquals(expected.array(), got.array());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void decryptKeepingHoles_allZeroSectorsStayZero_othersDecrypt() {
        SplittableRandom rnd = new SplittableRandom(SEED + 4);
        byte[] key = XtsCipherPropertyTest.bytes(rnd, 64);
        int n = 40;
        byte[] plain = XtsCipherPropertyTest.bytes(rnd, n * 512);
        try (XtsCipher xts = XtsCipher.create(SecretBytes.copyOf(key))) {
            SectorCipher sc = new SectorCipher(xts, 512, IvRule.dmCrypt(IvMode.PLAIN64, 0));
            ByteBuffer buf = ByteBuffer.wrap(plain.clone());
            sc.encrypt(buf, 0);
            boolean[] hole = new boolean[n];
            for (int i : new int[] {0, 5, 6, 7, 20, 39}) {
                hole[i] = true;
                Arrays.fill(buf.array(), i * 512, (i + 1) * 512, (byte) 0);
            }
            sc.decryptKeepingHoles(buf, 0);
            for (int i = 0; i < n; i++) {
                byte[] got = Arrays.copyOfRange(buf.array(), i * 512, (i + 1) * 512);
                assertArrayEquals(hole[i] ? new byte[512] : Arrays.copyOfRange(plain, i * 512, (i + 1) * 512), got, "sector " + i);
            }
        }
    }

    @Test
    void crypt_badArguments_refusedWithReason() {
        byte[] key = XtsCipherPropertyTest.bytes(new SplittableRandom(1), 32);
        try (XtsCipher xts = XtsCipher.create(SecretBytes.copyOf(key))) {
            SectorCipher sc = new SectorCipher(xts, 4096, IvRule.dmCrypt(IvMode.PLAIN64, 0));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sc.encrypt(ByteBuffer.allocate(4000), 0));
            assertTrue(e.getMessage().contains("4000"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> sc.decrypt(ByteBuffer.allocate(4096), -1));
            assertThrows(ReadOnlyBufferException.class, () -> sc.encrypt(ByteBuffer.allocate(4096).asReadOnlyBuffer(), 0));
            for (int bad : new int[] {256, 768, 8192}) {
                assertThrows(IllegalArgumentException.class, () -> new SectorCipher(xts, bad, IvRule.dmCrypt(IvMode.PLAIN64, 0)));
            }
            assertThrows(IllegalArgumentException.class, () -> sc.withParallelism(ForkJoinPool.commonPool(), 100));
            // No 4-byte run of the key, in hex, in the description.
            String text = sc.toString().toLowerCase(java.util.Locale.ROOT);
            String hex = java.util.HexFormat.of().formatHex(key);
            for (int i = 0; i + 8 <= hex.length(); i += 2) {
                assertFalse(text.contains(hex.substring(i, i + 8)), text);
            }
        }
    }

    private static long offsetIv(long sector4096, long ivTweak) {
        return sector4096 * 8 + ivTweak;
    }

    static byte[] le16(long v) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
